"""Delete when the backend cannot: 404 (it does not know the id) and 405 (it has no DELETE).

Two tiny HTTP servers answer GET with a completed response and DELETE with 404 or 405 (after
a short pause, so the test can see the buttons disabled while the request runs). The view
must remove nothing, say why in words, and offer "Remove from local history" — which then
removes the entry without contacting any backend. The profiles are ordinary OpenAI-compatible
profiles: the view opens its clients itself, as in the app.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console_app.core.records import ResponseRecord
from console_app.core.settings import Profile, Settings
from console_app.history.store import HistoryStore
from tests.gui.conftest import until
from tests.gui.history_support import Opened, open_history

DELETE_PAUSE_S = 0.4


@dataclass
class TinyServer:
    delete_status: int
    seen: list[tuple[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> TinyServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                owner.seen.append(("GET", self.path))
                rid = self.path.rsplit("/", 1)[-1]
                body = {"id": rid, "object": "response", "status": "completed", "model": "tiny",
                        "created_at": 1735689600, "output": []}  # fmt: skip
                self.answer(200, body)

            def do_DELETE(self) -> None:
                owner.seen.append(("DELETE", self.path))
                time.sleep(DELETE_PAUSE_S)
                code = "response_not_found" if owner.delete_status == 404 else "method_not_allowed"
                self.answer(owner.delete_status, {"error": {"message": f"no ({code})",
                                                            "type": "invalid_request_error",
                                                            "code": code}})  # fmt: skip

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def servers() -> Iterator[dict[int, TinyServer]]:
    started = {status: TinyServer(status).start() for status in (404, 405)}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore(tmp_path / "history.sqlite3")
    yield opened
    opened.close()


def settings_for(servers: dict[int, TinyServer]) -> Settings:
    profiles = [Profile(name=f"tiny{status}", kind="openai", base_url=server.url)
                for status, server in servers.items()]  # fmt: skip
    return Settings(active_profile="tiny404", profiles=profiles)


async def pick(opened: Opened, response_id: str) -> None:
    model = opened.controller.responses
    opened.view.response_filters.text.setText(response_id)
    await until(lambda: not model.loading and model.rowCount() == 1
                and model.row_at(0) is not None and model.row_at(0).response_id == response_id,
                what=response_id)  # fmt: skip
    opened.controller.select_response(0)
    await until(lambda: opened.controller.details.response_id == response_id)


@pytest.mark.parametrize("status", [404, 405])
def test_delete_the_backend_refuses_offers_local_removal(
    qtbot: Any, drive: Any, store: HistoryStore, servers: dict[int, TinyServer], status: int
) -> None:
    server = servers[status]
    rid = f"resp_tiny_{status}"
    store.record_response(ResponseRecord(response_id=rid, backend=server.url,
                                         profile=f"tiny{status}", status="completed"))  # fmt: skip

    async def scenario() -> None:
        opened = open_history(qtbot, store, settings=settings_for(servers))
        view, pane = opened.view, opened.view.details
        view.tabs.setCurrentIndex(1)
        view.show()
        qtbot.waitExposed(view)
        await pick(opened, rid)
        assert not pane.remove_local_button.isVisible()

        QTest.mouseClick(pane.delete_button, Qt.MouseButton.LeftButton)
        await until(lambda: ("DELETE", f"/v1/responses/{rid}") in server.seen, what="DELETE")
        # while the request runs: one request at a time, and it shows
        assert not pane.delete_button.isEnabled() and not pane.refresh_button.isEnabled()
        assert pane.busy.isVisible() and "Deleting" in pane.outcome.text()
        await until(lambda: pane.remove_local_button.isVisible(), what="the offer")
        text = pane.outcome.text()
        assert f"({status})" in text and "Remove from local history" in text
        assert ("does not know" in text) if status == 404 else ("cannot delete" in text)
        assert server.url in text
        assert store.get_response(rid) is not None, "nothing is removed on 404/405"
        assert pane.delete_button.isEnabled() and not pane.busy.isVisible()

        requests_before = list(server.seen)
        QTest.mouseClick(pane.remove_local_button, Qt.MouseButton.LeftButton)
        await until(lambda: store.get_response(rid) is None, what="local removal")
        await until(lambda: "Removed" in pane.outcome.text())
        assert "not contacted" in pane.outcome.text()
        assert server.seen == requests_before, "local removal never contacts the backend"
        assert not pane.remove_local_button.isVisible()
        await until(lambda: opened.controller.responses.rowCount() == 0, what="row gone")
        await opened.controller.aclose()

    drive(scenario(), timeout=30)


def test_an_entry_whose_profile_is_gone(
    qtbot: Any, drive: Any, store: HistoryStore, servers: dict[int, TinyServer]
) -> None:
    rid = "resp_orphan"
    entry = ResponseRecord(response_id=rid, backend="https://old.example",
                           profile="deleted-profile", status="completed")  # fmt: skip
    store.record_response(entry)

    async def scenario() -> None:
        opened = open_history(qtbot, store, settings=settings_for(servers))
        pane = opened.view.details
        opened.view.tabs.setCurrentIndex(1)
        await pick(opened, rid)
        QTest.mouseClick(pane.refresh_button, Qt.MouseButton.LeftButton)
        await until(lambda: pane.remove_local_button.isVisibleTo(opened.view), what="offer")
        assert "'deleted-profile'" in pane.outcome.text()
        assert "no longer exists" in pane.outcome.text()
        assert all(not server.seen for server in servers.values())
        QTest.mouseClick(pane.remove_local_button, Qt.MouseButton.LeftButton)
        await until(lambda: store.get_response(rid) is None, what="removed")
        await opened.controller.aclose()

    drive(scenario(), timeout=30)
