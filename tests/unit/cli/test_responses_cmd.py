"""``console-app responses list|get|cancel|delete`` against a real HTTP backend (a fake one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from console_app.app import main
from console_app.core.records import ResponseRecord
from console_app.core.secrets import set_api_key
from console_app.core.settings import Profile
from console_app.core.settings_store import SettingsStore
from console_app.history.store import HistoryStore
from tests.unit.cli.fake_backend import FakeBackend


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ledger(*records: ResponseRecord) -> None:
    with HistoryStore() as store:
        store.record_responses(records)


def test_list_reads_the_local_ledger_with_filters(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger(
        ResponseRecord(response_id="resp_a", backend="http://x", profile="p1", status="completed"),
        ResponseRecord(response_id="resp_b", backend="http://x", profile="p2", status="failed"),
        ResponseRecord(response_id="resp_c", backend="http://x", profile="p1", status="failed"),
    )
    code, out, err = run_cli(capsys, "responses", "list", "--json", "--status", "failed")
    assert code == 0
    assert sorted(item["response_id"] for item in json.loads(out)) == ["resp_b", "resp_c"]

    code, out, _ = run_cli(capsys, "responses", "list", "--json", "--profile", "p1", "--limit", "1")
    assert code == 0 and len(json.loads(out)) == 1 and json.loads(out)[0]["profile"] == "p1"

    code, out, err = run_cli(capsys, "responses", "list")
    assert code == 0
    assert all(rid in out for rid in ("resp_a", "resp_b", "resp_c"))
    assert "3 of 3" in err and "local ledger" in err


def test_help_says_the_api_has_no_list_endpoint() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "console_app", "responses", "list", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "no list endpoint" in " ".join(done.stdout.split())


def test_get_retrieves_from_the_active_profile_and_updates_the_ledger(
    fake_profile: Profile, backend: FakeBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.add("resp_remote1", status="completed", model="m-remote")
    code, out, _ = run_cli(capsys, "responses", "get", "resp_remote1", "--json")
    assert code == 0
    assert json.loads(out)["id"] == "resp_remote1"
    assert (
        backend.seen[-1].method == "GET" and backend.seen[-1].path == "/v1/responses/resp_remote1"
    )
    with HistoryStore() as store:
        entry = store.get_response("resp_remote1")
    assert entry is not None
    assert (entry.status, entry.model, entry.profile) == ("completed", "m-remote", "fake")
    assert entry.backend == backend.url

    code, out, _ = run_cli(capsys, "responses", "get", "resp_remote1")
    assert code == 0 and "status:  completed" in out and "1 computer call" in out


def test_get_sends_the_profile_key_from_the_keyring(
    fake_profile: Profile, backend: FakeBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.required_key = "fake-key-for-get-0001"
    set_api_key("fake", "fake-key-for-get-0001")
    backend.add("resp_k")
    code, _, err = run_cli(capsys, "responses", "get", "resp_k")
    assert code == 0, err
    assert backend.seen[-1].authorization == "Bearer fake-key-for-get-0001"


def test_get_asks_the_profile_recorded_in_the_ledger_not_the_active_one(
    fake_profile: Profile, backend: FakeBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SettingsStore()
    settings = store.load().with_profile(
        Profile(name="elsewhere", kind="openai", base_url="http://127.0.0.1:9")
    )
    settings.active_profile = "elsewhere"  # a port nothing listens on
    store.save(settings)
    backend.add("resp_led")
    ledger(ResponseRecord(response_id="resp_led", backend=backend.url, profile="fake"))
    code, _, err = run_cli(capsys, "responses", "get", "resp_led")
    assert code == 0, err
    assert backend.seen[-1].path == "/v1/responses/resp_led"

    code, _, err = run_cli(capsys, "responses", "get", "resp_unrecorded")  # → active profile
    assert code == 1 and "127.0.0.1:9" in err


def test_get_of_an_unknown_id_exits_1_with_one_line(
    fake_profile: Profile, backend: FakeBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(capsys, "responses", "get", "resp_missing")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "404" in err and "resp_missing" in err


def test_get_with_a_profile_that_does_not_exist(
    fake_profile: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "responses", "get", "resp_x", "--profile", "nope")
    assert code == 1 and "no profile named 'nope'" in err


def test_cancel_updates_the_ledger_and_reports_conflicts(
    fake_profile: Profile, backend: FakeBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.add("resp_live", status="in_progress")
    code, out, _ = run_cli(capsys, "responses", "cancel", "resp_live", "--json")
    assert code == 0 and json.loads(out)["status"] == "cancelled"
    with HistoryStore() as store:
        entry = store.get_response("resp_live")
    assert entry is not None and entry.status == "cancelled"

    code, _, err = run_cli(capsys, "responses", "cancel", "resp_live")
    assert code == 1 and "409" in err


def test_delete_removes_remote_then_local(
    fake_profile: Profile, backend: FakeBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    backend.add("resp_del")
    ledger(ResponseRecord(response_id="resp_del", backend=backend.url, profile="fake"))
    code, out, _ = run_cli(capsys, "responses", "delete", "resp_del", "--json")
    assert code == 0
    assert json.loads(out) == {"id": "resp_del", "deleted_remote": True, "deleted_local": True}
    assert "resp_del" not in backend.responses
    with HistoryStore() as store:
        assert store.get_response("resp_del") is None


@pytest.mark.parametrize("supported", [True, False], ids=["404", "405"])
def test_delete_refused_by_the_backend_keeps_the_entry_until_local_only(
    supported: bool,
    fake_profile: Profile,
    backend: FakeBackend,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backend.delete_supported = supported
    if not supported:
        backend.add("resp_gone")  # known, but this backend cannot delete
    ledger(ResponseRecord(response_id="resp_gone", backend=backend.url, profile="fake"))
    code, _, err = run_cli(capsys, "responses", "delete", "resp_gone")
    assert code == 1
    assert ("404" if supported else "405") in err
    assert "--local-only" in err
    with HistoryStore() as store:
        assert store.get_response("resp_gone") is not None

    requests_before = len(backend.seen)
    code, out, _ = run_cli(capsys, "responses", "delete", "resp_gone", "--local-only")
    assert code == 0 and "not contacted" in out
    assert len(backend.seen) == requests_before  # --local-only never talks to a backend
    with HistoryStore() as store:
        assert store.get_response("resp_gone") is None

    code, _, err = run_cli(capsys, "responses", "delete", "resp_gone", "--local-only")
    assert code == 1 and "not in the local ledger" in err


def test_a_recorded_profile_that_no_longer_exists_is_named(
    fake_profile: Profile, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger(ResponseRecord(response_id="resp_old", backend="http://old", profile="removed"))
    code, _, err = run_cli(capsys, "responses", "get", "resp_old")
    assert code == 1 and "'removed'" in err and "--profile" in err


def test_lightcone_without_a_key_fails_before_any_request(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_cli(capsys, "--profile", "lightcone", "responses", "get", "resp_1")
    assert code == 1
    assert "no API key" in err and "TZAFON_API_KEY" in err


def test_usage_errors_exit_2() -> None:
    for argv in (["responses"], ["responses", "get"], ["responses", "list", "--limit", "0"]):
        done = subprocess.run(
            [sys.executable, "-m", "console_app", *argv],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2, argv
        assert "usage:" in done.stderr
