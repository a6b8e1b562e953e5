"""Chromium on a page served by a loopback server: the server is the witness of every click."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.realapps.conftest import App, LoopbackSite, chromium_command, run_task

PARTS = """<!doctype html><html><head><title>Parts desk</title></head>
<body style="font-family: DejaVu Sans, sans-serif; font-size: 18px; margin: 24px">
<h2>Parts desk</h2>
<p><a href="/pick?part=007">Part 007 bearing</a></p>
<p><a href="/pick?part=017">Part 017 housing</a></p>
<p><a href="/open?file=report_103.txt">report_103.txt</a>
   &nbsp; <a href="/open?file=report_173.txt">report_173.txt</a></p>
<form action="/order" method="post">
  <label>Customer <input name="customer" size="20"></label>
  <button type="submit">Send order</button>
</form>
</body></html>"""

DONE = """<!doctype html><html><head><title>Order received</title></head>
<body style="font-family: DejaVu Sans, sans-serif; font-size: 18px; margin: 24px">
<h2>Order received</h2></body></html>"""


def _site(loopback_site: Callable[[dict[str, str]], LoopbackSite]) -> LoopbackSite:
    return loopback_site({"/": PARTS, "/order": DONE, "/pick": DONE, "/open": DONE})


def test_chromium_form_submit_and_the_right_part(
    launch: Callable[..., App],
    loopback_site: Callable[[dict[str, str]], LoopbackSite],
    tmp_path: Path,
) -> None:
    site = _site(loopback_site)
    launch(chromium_command(tmp_path / "chromium", site.url + "/"), "^Parts desk")
    result = run_task(
        tmp_path / "console",
        'type "Ada Lovelace" into Customer\nclick "Send order"\ncheck "Order received"',
        max_steps=10,
    )
    assert result.returncode == 0, result.explain()
    assert result.executed == ["click", "type", "click"], result.explain()
    order = site.wait_for("/order")
    assert order.method == "POST" and order.form == {"customer": ["Ada Lovelace"]}
    assert site.hits("/pick") == [] and site.hits("/open") == []


def test_chromium_picks_the_exact_number_among_look_alikes(
    launch: Callable[..., App],
    loopback_site: Callable[[dict[str, str]], LoopbackSite],
    tmp_path: Path,
) -> None:
    site = _site(loopback_site)
    launch(chromium_command(tmp_path / "chromium", site.url + "/"), "^Parts desk")
    result = run_task(
        tmp_path / "console", 'click "Part 017 housing"\ncheck "Order received"', max_steps=6
    )
    assert result.returncode == 0, result.explain()
    assert site.wait_for("/pick").query == {"part": ["017"]}
    assert len(site.hits("/pick")) == 1


def test_chromium_look_alikes_are_refused_and_the_server_sees_nothing(
    launch: Callable[..., App],
    loopback_site: Callable[[dict[str, str]], LoopbackSite],
    tmp_path: Path,
) -> None:
    site = _site(loopback_site)
    launch(chromium_command(tmp_path / "chromium", site.url + "/"), "^Parts desk")
    seen = len(site.requests)
    for task, closest in (
        ('click "Part 047 bearing"', "part 007 bearing"),
        ('click "report_137.txt"', "report_1"),
    ):
        result = run_task(tmp_path / "console", task, max_steps=4)
        assert result.returncode == 1, result.explain()
        assert result.executed == [], result.explain()
        answer = result.final.get("answer") or ""
        assert "is not on the screen; closest: " in answer and closest in answer, answer
        assert "not taken" in answer, answer
    assert site.requests[seen:] == []
