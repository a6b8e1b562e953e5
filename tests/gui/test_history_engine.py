"""Refresh, Cancel, Delete and Open by ID from the history view, against a real local engine.

The engine runs as the console runs it (a `LocalEngine` child process, real HTTP, its own
token); the view gets its clients through the injected factory, exactly as it gets the
console's session client in the app. A response that is reliably ``in_progress`` comes from
the engine's test hook ``metadata.engine_delay_ms``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console_app.api.client import ResponsesClient
from console_app.api.errors import NotFoundError
from console_app.api.local_engine import LocalEngine
from console_app.core.records import ResponseRecord
from console_app.core.settings import Profile, Settings
from console_app.history.store import HistoryStore
from tests.gui.conftest import until
from tests.gui.history_support import Opened, open_history

MODEL = "tzafon.northstar-cua-fast"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalEngine]:
    started = LocalEngine(data_dir=tmp_path_factory.mktemp("engine")).start()
    yield started
    started.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore(tmp_path / "history.sqlite3")
    yield opened
    opened.close()


def client_for(engine: LocalEngine) -> ResponsesClient:
    return ResponsesClient(base_url=engine.base_url, api_key=engine.token, read_env=False)


def click(button: Any) -> None:
    assert button.isEnabled(), f"{button.text()} is disabled"
    QTest.mouseClick(button, Qt.MouseButton.LeftButton)


def open_on_engine(qtbot: Any, store: HistoryStore, engine: LocalEngine) -> Opened:
    made: list[Profile] = []

    async def factory(profile: Profile) -> ResponsesClient:
        made.append(profile)
        return client_for(engine)

    opened = open_history(qtbot, store, settings=Settings(), factory=factory)
    opened.view.tabs.setCurrentIndex(1)
    opened.view.show()
    qtbot.waitExposed(opened.view)
    return opened


async def pick(opened: Opened, response_id: str) -> None:
    """Filter the table down to one id and select it, as a person would."""
    bar, model = opened.view.response_filters, opened.controller.responses
    bar.text.setText(response_id)
    await until(lambda: not model.loading and model.rowCount() == 1, what=response_id)
    await until(lambda: model.row_at(0) is not None)
    opened.controller.select_response(0)
    await until(lambda: opened.controller.details.response_id == response_id)


def record(store: HistoryStore, engine: LocalEngine, response_id: str, status: str | None) -> None:
    store.record_response(
        ResponseRecord(
            response_id=response_id, backend=engine.base_url, profile="local", status=status,
            model=MODEL, run_id="run_engine_test",
        )
    )  # fmt: skip


def test_cancel_is_offered_only_while_in_progress(
    qtbot: Any, drive: Any, engine: LocalEngine, store: HistoryStore
) -> None:
    async def scenario() -> None:
        async with client_for(engine) as remote:
            await body(remote)

    async def body(remote: ResponsesClient) -> None:
        running = await remote.create(
            model=MODEL, input="wait 1", background=True, metadata={"engine_delay_ms": "30000"}
        )
        assert running.id and running.status == "in_progress"
        record(store, engine, running.id, "in_progress")
        opened = open_on_engine(qtbot, store, engine)
        pane, details = opened.view.details, opened.controller.details
        await pick(opened, running.id)
        assert pane.facts["Status"].text() == "in_progress"
        assert pane.cancel_button.isEnabled() and pane.refresh_button.isEnabled()

        click(pane.cancel_button)
        await until(lambda: pane.facts["Status"].text() == "cancelled", what="cancelled")
        assert not pane.cancel_button.isEnabled()
        assert pane.refresh_button.isEnabled() and pane.delete_button.isEnabled()
        assert "Cancelled" in pane.outcome.text()
        assert (await remote.retrieve(running.id)).status == "cancelled"
        entry = store.get_response(running.id)
        assert entry is not None and entry.status == "cancelled"
        assert entry.run_id == "run_engine_test"  # the ledger's link to the run is kept
        # the table row follows the ledger
        await until(lambda: opened.controller.responses.row_at(0) is not None
                    and opened.controller.responses.row_at(0).status == "cancelled")  # fmt: skip

        # Cancelling again: the engine answers 409; the view says so in words.
        result = await details.cancel()
        assert result is not None and not result.ok and "409" in result.text
        await opened.controller.aclose()

    drive(scenario(), timeout=60)


def test_refresh_shows_status_and_output_items(
    qtbot: Any, drive: Any, engine: LocalEngine, store: HistoryStore
) -> None:
    async def scenario() -> None:
        async with client_for(engine) as remote:
            await body(remote)

    async def body(remote: ResponsesClient) -> None:
        done = await remote.create(model=MODEL, input="wait 2")
        assert done.id and done.status == "completed"
        record(store, engine, done.id, None)  # the ledger does not know how it ended
        opened = open_on_engine(qtbot, store, engine)
        pane = opened.view.details
        await pick(opened, done.id)
        assert pane.facts["Status"].text() == "unknown"
        assert pane.items.topLevelItemCount() == 0
        assert not pane.cancel_button.isEnabled()

        click(pane.refresh_button)
        await until(lambda: pane.items.topLevelItemCount() > 0, what="output items")
        items = [
            (pane.items.topLevelItem(n).text(0), pane.items.topLevelItem(n).text(1))
            for n in range(pane.items.topLevelItemCount())
        ]
        assert ("computer_call", "wait 2 s") in items  # normalised + core.describe.describe
        assert any(kind == "reasoning" and text for kind, text in items)
        assert pane.facts["Status"].text() == "completed"
        assert pane.facts["Model"].text() == "local-engine"  # the engine answers with its id
        assert pane.facts["Created"].text().startswith("20")
        assert not pane.cancel_button.isEnabled()
        entry = store.get_response(done.id)
        assert entry is not None and entry.status == "completed" and entry.created_at
        await opened.controller.aclose()

    drive(scenario(), timeout=60)


def test_delete_removes_remote_then_local(
    qtbot: Any, drive: Any, engine: LocalEngine, store: HistoryStore
) -> None:
    async def scenario() -> None:
        async with client_for(engine) as remote:
            await body(remote)

    async def body(remote: ResponsesClient) -> None:
        done = await remote.create(model=MODEL, input="wait 1")
        assert done.id
        record(store, engine, done.id, "completed")
        opened = open_on_engine(qtbot, store, engine)
        pane, answers = opened.view.details, opened.answers

        await pick(opened, done.id)
        answers.confirm = False  # "No" in the confirmation: nothing happens anywhere
        click(pane.delete_button)
        await asyncio.sleep(0.2)
        assert answers.asked and done.id in answers.asked[-1]
        assert store.get_response(done.id) is not None
        assert (await remote.retrieve(done.id)).id == done.id

        answers.confirm = True
        click(pane.delete_button)
        await until(lambda: opened.controller.details.response_id is None, what="deleted")
        assert "Deleted" in pane.outcome.text() and "local history" in pane.outcome.text()
        assert store.get_response(done.id) is None
        with pytest.raises(NotFoundError):
            await remote.retrieve(done.id)
        await until(lambda: opened.controller.responses.rowCount() == 0, what="row gone")
        assert not pane.delete_button.isEnabled() and not pane.refresh_button.isEnabled()
        await opened.controller.aclose()

    drive(scenario(), timeout=60)


def test_open_by_id_retrieves_from_the_active_profile(
    qtbot: Any, drive: Any, engine: LocalEngine, store: HistoryStore
) -> None:
    async def scenario() -> None:
        async with client_for(engine) as remote:
            await body(remote)

    async def body(remote: ResponsesClient) -> None:
        elsewhere = await remote.create(model=MODEL, input="wait 3")
        assert elsewhere.id and store.get_response(elsewhere.id) is None
        opened = open_on_engine(qtbot, store, engine)
        pane = opened.view.details
        opened.answers.response_id = elsewhere.id
        click(opened.view.open_button)
        await until(lambda: pane.facts["Status"].text() == "completed", what="opened")
        assert pane.title.text() == elsewhere.id
        entry = store.get_response(elsewhere.id)
        assert entry is not None and entry.profile == "local"  # the active profile
        assert entry.backend == engine.base_url
        await until(lambda: opened.controller.responses.rowCount() == 1, what="in the table")

        opened.answers.response_id = "resp_does_not_exist"
        click(opened.view.open_button)
        await until(lambda: "(404)" in pane.outcome.text(), what="unknown id")
        assert not pane.remove_local_button.isVisible()  # nothing local to remove
        await opened.controller.aclose()

    drive(scenario(), timeout=60)


def test_a_local_response_uses_the_engine_the_console_started(
    qtbot: Any, drive: Any, engine: LocalEngine, store: HistoryStore
) -> None:
    """Without a factory (as in the app), a local profile's response is asked through the
    console's open session — no second engine is started — and closing the view leaves the
    session's client open."""

    class Session:
        client = client_for(engine)

    class Sessions:
        profile = Settings().profile("local")
        asked: ClassVar[list[Profile]] = []

        async def ensure(self, profile: Profile) -> Session:
            self.asked.append(profile)
            return Session()

    async def scenario() -> None:
        async with client_for(engine) as remote:
            done = await remote.create(model=MODEL, input="wait 1")
        assert done.id
        record(store, engine, done.id, None)
        opened = open_history(qtbot, store, settings=Settings())
        opened.controller.pool.sessions = Sessions()
        before = engine_processes()
        await pick(opened, done.id)
        outcome = await opened.controller.details.refresh()
        assert outcome is not None and outcome.ok, outcome
        assert opened.view.details.facts["Status"].text() == "completed"
        assert Sessions.asked and Sessions.asked[0].name == "local"
        assert engine_processes() == before, "no engine of its own was started"
        await opened.controller.aclose()
        assert (await Session.client.retrieve(done.id)).id == done.id  # still open
        await Session.client.aclose()

    drive(scenario(), timeout=60)


def engine_processes() -> set[int]:
    import psutil

    return {
        p.pid
        for p in psutil.Process().children(recursive=True)
        if "engine" in " ".join(p.cmdline())
    }
