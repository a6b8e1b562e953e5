"""A session with a recognisable fake key, against a backend that echoes the key back in every
answer; then every log, database, settings and export file is searched for it: zero hits.

The session uses the real pieces: the key in the (file) keyring, the settings file, the
Responses client over HTTP, the history store as the recorder of a run, the logging set-up,
"Test connection", and the ``responses``/``runs`` commands. (The lead extends it to the full
agent loop.)
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets as stdlib_secrets
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import keyring
import pytest

from console_app.agent import connection
from console_app.agent.backend import close_backend, open_client
from console_app.api.calls import proposals
from console_app.api.errors import APIError
from console_app.app import main
from console_app.core.logs import setup_logging
from console_app.core.records import ResponseRecord, RunInfo, StepRecord, Timings
from console_app.core.secrets import SERVICE, set_api_key
from console_app.core.settings import Profile, Settings
from console_app.core.settings_store import SettingsStore
from console_app.history.report import export_run
from console_app.history.store import HistoryStore
from tests.unit.cli.fake_backend import FakeBackend
from tests.unit.history.conftest import jpeg

CANARY = stdlib_secrets.token_hex(12)
KEY = f"tz-LEAKCANARY-{CANARY}"


@pytest.fixture
def server() -> Iterator[FakeBackend]:
    fake = FakeBackend(required_key=KEY).start()
    yield fake
    fake.stop()


def cli(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


async def run_session(server: FakeBackend) -> tuple[str, list[str]]:
    """A run recorded into the history, as the loop does it; returns the run id and what was
    shown."""
    profile = Profile(name="canary", kind="openai", base_url=server.url, model="fake-model")
    settings = Settings().with_profile(profile)
    settings.active_profile = "canary"
    SettingsStore().save(settings)
    set_api_key("canary", KEY)
    setup_logging("DEBUG", stderr=False)
    log = logging.getLogger("console_app.session")

    report = await connection.test_connection(profile, None)
    assert report.ok, report.message
    shown = [report.model_dump_json()]

    client, engine = await open_client(profile)  # the key comes from the keyring
    store = HistoryStore()
    run = RunInfo(task="fill the form", profile="canary", backend=client.base_url)
    store.begin_run(run)
    answer = ""
    try:
        for index in range(3):
            response = await client.create(model=profile.model, input=f"step {index}")
            log.debug("response: %s", response.model_dump())  # the echoed key is in here
            store.record_response(
                ResponseRecord(
                    response_id=response.id or "",
                    backend=client.base_url,
                    profile="canary",
                    status=response.status,
                    model=response.model,
                    created_at=str(response.created_at),
                    run_id=run.run_id,
                )
            )
            (proposal,) = proposals(response)
            answer = response.output_text()
            store.record_step(
                StepRecord(
                    run_id=run.run_id,
                    index=index,
                    response_id=response.id,
                    call_id=proposal.call_id,
                    action_type=proposal.kind,
                    action=proposal.action.model_dump(mode="json") if proposal.action else None,
                    raw_action=proposal.raw,  # as the server sent it: with its auth echo
                    summary=proposal.summary(),
                    message=answer,
                    decision="approved",
                    feedback=f"the server said: {answer}",
                    execution="done",
                    screenshot=jpeg(index),
                    screenshot_mime="image/jpeg",
                    viewport=(320, 200),
                    timings=Timings(model_ms=12.0),
                )
            )
        try:
            await client.retrieve("resp_does_not_exist")  # the 404 text echoes the key
        except APIError:
            log.exception("retrieve failed (client %r, key %s)", client, KEY)
        store.end_run(run.run_id, "succeeded", answer)
    finally:
        store.close()
        await close_backend(client, engine)
    return run.run_id, shown


def run_commands(server: FakeBackend, run_id: str, exports: Path) -> list[str]:
    """The terminal commands of the same session (each runs its own event loop)."""
    shown = []
    rid = next(iter(server.responses))
    for argv in (
        ("responses", "list", "--json"),
        ("responses", "get", rid, "--json"),
        ("responses", "get", rid),
        ("responses", "get", "resp_missing"),
        ("responses", "cancel", rid),
        ("runs", "list", "--json"),
        ("runs", "export", run_id, "--out", str(exports), "--json"),
        ("responses", "delete", rid, "--json"),
    ):
        code, output = cli(*argv)
        shown.append(output)
        assert code in (0, 1), argv
    with HistoryStore() as store:
        export_run(store, run_id, exports / "direct")
    return shown


def test_the_key_is_in_no_log_db_settings_file_or_export(
    home: Path, server: FakeBackend, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    run_id, shown = asyncio.run(run_session(server))
    shown += run_commands(server, run_id, exports)

    # the key really was used, and the server really sent it back
    assert any(seen.authorization == f"Bearer {KEY}" for seen in server.seen)
    assert all(seen.authorization == f"Bearer {KEY}" for seen in server.seen)
    assert keyring.get_password(SERVICE, "canary") == KEY  # it lives in the keyring only

    files = [p for root in (home, exports) for p in root.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    for expected in ("console.log", "history.sqlite3", "settings.json"):
        assert expected in names, f"{expected} was not written"
    assert sum(p.suffix == ".html" for p in files) == 2
    assert sum(p.suffix == ".json" and p.parent != home / "config" for p in files) == 2
    assert sum(p.suffix == ".jpg" for p in files) == 3
    log_text = (home / "logs" / "console.log").read_text()
    assert "[REDACTED]" in log_text and "retrieve failed" in log_text  # it had to be removed

    hits = [
        str(p) for p in files if KEY.encode() in p.read_bytes() or CANARY.encode() in p.read_bytes()
    ]
    assert hits == []
    terminal = "\n".join(shown)
    assert CANARY not in terminal
    assert "resp_fake" in terminal  # the commands did produce output
