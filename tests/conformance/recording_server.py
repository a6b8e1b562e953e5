"""A tiny Responses API double that records every request and answers with canned,
seed-shaped responses.

Why a thread and the standard library: the official SDK runs in a child process and the test
waits for it with a blocking ``subprocess.run``, so the server cannot live on the test's event
loop. It is deliberately dumb — routing by method and path, picking a canned answer by the
request's ``model`` — so that whatever differs between two clients' requests shows up in the
recording, not in server logic.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

RESPONSE_ID = "resp_01JXK3M8Q2V7T4W9R5B6N1C0PZ"
MISSING_ID = "resp_does_not_exist"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def _lightcone_click() -> dict[str, Any]:
    """Seed 000/004 shape: one flat action, Go zero values for the fields it does not use."""
    return {
        "id": RESPONSE_ID,
        "object": "response",
        "created_at": "2025-06-12T09:41:27Z",
        "model": "tzafon.northstar-cua-fast",
        "computer_id": "cmp_7d1f0c2a",
        "status": "completed",
        "output": [
            {
                "id": "rs_1",
                "type": "reasoning",
                "summary": [{"type": "summary_text", "text": "The search box is at the top."}],
            },
            {
                "id": "cu_1",
                "type": "computer_call",
                "call_id": "call_1",
                "status": "completed",
                "action": {
                    "type": "click",
                    "button": "left",
                    "x": 640,
                    "y": 88,
                    "end_x": 0,
                    "end_y": 0,
                    "scroll_x": 0,
                    "scroll_y": 0,
                    "text": "",
                    "url": "",
                },
            },
        ],
        "usage": {"input_tokens": 1893, "output_tokens": 41, "total_tokens": 1934},
        "viewport": {"width": 1280, "height": 720, "environment": "browser"},
    }


def _openai_drag() -> dict[str, Any]:
    """Seed 002 shape: ``created_at`` int, drag with ``path``, a pending safety check."""
    return {
        "id": "resp_68a1f0c2b7e88190",
        "object": "response",
        "created_at": 1755426498,
        "model": "tzafon.northstar-cua-fast",
        "status": "completed",
        "output": [
            {
                "type": "computer_call",
                "id": "cu_2",
                "call_id": "call_2",
                "action": {"type": "drag", "path": [{"x": 100, "y": 220}, {"x": 480, "y": 236}]},
                "pending_safety_checks": [
                    {"id": "sc_1", "code": "sensitive_domain", "message": "Banking site."}
                ],
                "status": "completed",
            }
        ],
        "usage": {"input_tokens": 1500, "output_tokens": 30, "total_tokens": 1530},
    }


def _keys_and_message() -> dict[str, Any]:
    return {
        "id": "resp_keys_and_message",
        "object": "response",
        "created_at": 1755426600,
        "model": "tzafon.northstar-cua-fast",
        "status": "completed",
        "output": [
            {
                "type": "computer_call",
                "id": "cu_3",
                "call_id": "call_3",
                "action": {"type": "keypress", "keys": ["CTRL", "L"]},
                "pending_safety_checks": [],
                "status": "completed",
            },
            {
                "type": "message",
                "id": "msg_3",
                "role": "assistant",
                "status": "completed",
                "content": [
                    {"type": "output_text", "text": "Focusing the address bar.", "annotations": []}
                ],
            },
        ],
    }


CANNED = {
    "canned-click": _lightcone_click,
    "canned-drag": _openai_drag,
    "canned-keys": _keys_and_message,
}


def _error(status: int, message: str, kind: str) -> tuple[int, dict[str, Any]]:
    return status, {"error": {"message": message, "type": kind, "code": None}}


class RecordingServer:
    """``with RecordingServer() as server:`` → ``server.url``, ``server.take()``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        handler = self._make_handler()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._httpd.server_address[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def take(self) -> list[Recorded]:
        """Every request recorded since the last call, in arrival order."""
        with self._lock:
            taken, self._requests = self._requests, []
        return taken

    # -- answers

    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        if path == "/v1/responses" and method == "POST":
            model = body.get("model") if isinstance(body, dict) else None
            if model == "canned-missing-model":
                return _error(404, "The model `canned-missing-model` does not exist.", "not_found")
            factory = CANNED.get(model or "", _lightcone_click)
            return 200, factory()
        match = re.fullmatch(r"/v1/responses/([^/]+)(/cancel)?", path)
        if match is None:
            return _error(404, f"No route for {method} {path}", "not_found")
        response_id, cancel = match.group(1), match.group(2)
        if response_id == MISSING_ID:
            return _error(404, f"Response {response_id} not found.", "not_found")
        if cancel and method == "POST":
            return 200, {**_lightcone_click(), "id": response_id, "status": "cancelled"}
        if not cancel and method == "GET":
            return 200, {**_lightcone_click(), "id": response_id}
        if not cancel and method == "DELETE":
            return 200, {"id": response_id, "deleted": True, "object": "response.deleted"}
        return _error(405, f"Method {method} not allowed", "method_not_allowed")

    def _make_handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                record = Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=raw,
                )
                with server._lock:
                    server._requests.append(record)
                try:
                    parsed = json.loads(raw) if raw else None
                except json.JSONDecodeError:
                    parsed = None
                status, payload = server.answer(self.command, self.path.split("?")[0], parsed)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-request-id", f"req_{len(server._requests)}")
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the recording is the log

        return Handler
