"""Run report export: one self-contained HTML file (images inlined, overlays drawn) + JSON."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from console_app.core.records import RunInfo, Timings
from console_app.core.redact import register_secret
from console_app.history.models import HistoryError
from console_app.history.overlay import overlay_svg
from console_app.history.report import export_run
from console_app.history.store import HistoryStore
from tests.unit.history.conftest import jpeg, step

SECRET = "sk-report-secret-abcdefghijklmnop"

ACTIONS: list[dict[str, Any]] = [
    {"type": "click", "x": 100, "y": 50},
    {"type": "drag", "path": [{"x": 10, "y": 10}, {"x": 200, "y": 150}]},
    {"type": "scroll", "x": 160, "y": 100, "scroll_y": 3},
    {"type": "type", "text": "hello <world> & co"},
    {"type": "keypress", "keys": ["ctrl", "s"]},
    {"type": "answer", "result": "42"},
]


class Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def make_run(store: HistoryStore) -> str:
    register_secret(SECRET)
    run = RunInfo(task="save the file", profile="cloud", backend="https://api.example.com")
    store.begin_run(run)
    for index, action in enumerate(ACTIONS):
        with_image = index != 4  # one step without a screenshot
        store.record_step(
            step(
                run.run_id,
                index,
                action_type=action["type"],
                action=action,
                raw_action={**action, "headers": {"Authorization": f"Bearer {SECRET}"}},
                summary=f"step {index} summary",
                decision="rejected" if index == 3 else "approved",
                feedback=f"not with {SECRET}" if index == 3 else None,
                execution="done",
                message=f"Authorization: Bearer {SECRET}",
                screenshot=jpeg(index) if with_image else None,
                screenshot_mime="image/jpeg" if with_image else None,
                viewport=(320, 200) if with_image else None,
                timings=Timings(capture_ms=2.0, model_ms=750.0, execute_ms=30.0),
                input_tokens=100 + index,
                output_tokens=9,
            )
        )
    store.end_run(run.run_id, "succeeded", f"the answer is 42 (key {SECRET})")
    return run.run_id


def test_the_html_report_is_self_contained_and_complete(
    store: HistoryStore, tmp_path: Path
) -> None:
    run_id = make_run(store)
    files = export_run(store, run_id, tmp_path / "out")
    html = files.html.read_text(encoding="utf-8")
    parser = Collector()
    parser.feed(html)
    parser.close()

    images = [attrs for tag, attrs in parser.tags if tag == "img"]
    assert len(images) == 5  # one per step with a screenshot
    for index, attrs in zip([0, 1, 2, 3, 5], images, strict=True):
        src = attrs["src"] or ""
        assert src.startswith("data:image/jpeg;base64,")
        assert base64.b64decode(src.split(",", 1)[1]) == jpeg(index)  # the recorded image itself
    # nothing is fetched from anywhere: no external src/href
    assert not [
        a for _, a in parser.tags if re.match(r"https?:", (a.get("src") or a.get("href") or ""))
    ]
    text = " ".join(parser.text)
    assert "save the file" in text and "the answer is 42" in text
    assert "750 ms" in text and "105 in / 9 out" in text and "not with" in text
    # overlays: one svg per drawable step, each kind of mark present
    assert html.count("<svg") == 4  # click, drag, scroll, type (answer draws nothing)
    for mark in ("mark-click", "mark-drag", "mark-scroll", "mark-type"):
        assert mark in html
    assert "hello &lt;world&gt; &amp; co" in html  # typed text is escaped


def test_exports_carry_no_secret_and_no_auth_header(store: HistoryStore, tmp_path: Path) -> None:
    run_id = make_run(store)
    files = export_run(store, run_id, tmp_path)
    for path in (files.html, files.json):
        content = path.read_text(encoding="utf-8")
        assert SECRET not in content
        assert "Authorization" not in content and "Bearer" not in content
        assert "authorization" not in content.lower()


def test_the_json_report(store: HistoryStore, tmp_path: Path) -> None:
    run_id = make_run(store)
    data = json.loads(export_run(store, run_id, tmp_path).json.read_text())
    assert data["format"] == "operator-console-run-report" and data["version"] == 1
    assert data["run"]["run_id"] == run_id and data["run"]["status"] == "succeeded"
    assert data["final_result"].startswith("the answer is 42")
    assert [s["index"] for s in data["steps"]] == list(range(len(ACTIONS)))
    assert data["steps"][1]["action"] == ACTIONS[1]
    assert data["steps"][0]["screenshot_sha256"] and data["steps"][4]["screenshot_sha256"] is None
    assert "screenshot" not in data["steps"][0] and "screenshot_path" not in data["steps"][0]
    assert data["steps"][0]["raw_action"]["headers"] == {}


def test_exporting_an_unknown_run(store: HistoryStore, tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="no run"):
        export_run(store, "run_missing", tmp_path)


def numbers(svg: str, element: str, attribute: str) -> list[float]:
    return [float(v) for v in re.findall(rf'<{element}[^>]*\b{attribute}="([\d.]+)"', svg)]


def test_overlay_coordinates_follow_the_coordinate_space() -> None:
    pixels = overlay_svg({"type": "click", "x": 100, "y": 50}, (400, 300))
    # a pixel coordinate names a cell, drawn at its centre (the console's convention)
    assert numbers(pixels, "circle", "cx")[0] == 100.5
    assert numbers(pixels, "circle", "cy")[0] == 50.5
    assert 'viewBox="0 0 400 300"' in pixels
    normalized = overlay_svg({"type": "click", "x": 500, "y": 250}, (400, 300), normalized=True)
    assert (
        numbers(normalized, "circle", "cx")[0] == 200
        and numbers(normalized, "circle", "cy")[0] == 75
    )


def test_overlay_marks_per_action_type() -> None:
    size = (800, 600)
    drag = overlay_svg({"type": "drag", "path": [{"x": 1, "y": 2}, {"x": 300, "y": 400}]}, size)
    assert 'points="1.5,2.5 300.5,400.5"' in drag and 'class="head"' in drag
    down = overlay_svg({"type": "scroll", "x": 400, "y": 300, "scroll_y": 5}, size)
    (x1, y1, x2, y2) = [numbers(down, "line", a)[0] for a in ("x1", "y1", "x2", "y2")]
    assert x1 == x2 == 400.5 and y2 > y1  # scroll_y > 0 → an arrow pointing down
    assert "scroll down 5" in down
    left = overlay_svg({"type": "hscroll", "scroll_x": -2}, size)
    assert numbers(left, "line", "x2")[0] < numbers(left, "line", "x1")[0]
    keys = overlay_svg({"type": "keypress", "keys": ["ctrl", "alt", "t"]}, size)
    assert keys.count("<rect") == 3 and ">Ctrl<" in keys and ">T<" in keys
    typed = overlay_svg({"type": "point_and_type", "x": 50, "y": 60, "text": "abc"}, size)
    assert "mark-click" in typed and "“abc”" in typed
    edited = overlay_svg(
        {"type": "click", "x": 10, "y": 10}, size, edited={"type": "click", "x": 20, "y": 20}
    )
    assert edited.count("mark-click") == 2 and "stroke-dasharray" in edited  # ghost + edit
    assert overlay_svg({"type": "answer", "result": "x"}, size) == ""
    assert overlay_svg({"type": "click", "x": "bad", "y": 1}, size) == ""
    assert overlay_svg(None, size) == ""
