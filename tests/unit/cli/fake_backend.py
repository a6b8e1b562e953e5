"""A tiny Responses API server on a loopback port, for tests that need real HTTP.

It is deliberately indiscreet: it echoes the ``Authorization`` header it received into
response text, raw actions and error messages, so a test can prove that nothing it sends back
carries the key into logs, the history database or exports.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class SeenRequest:
    method: str
    path: str
    authorization: str | None
    body: Any


@dataclass
class FakeBackend:
    required_key: str | None = None  # answer 401 unless "Bearer <required_key>" is sent
    delete_supported: bool = True  # False: DELETE answers 405 (an SDK 2.34+ style backend)
    retrieve_supported: bool = True  # False: GET /v1/responses/{id} answers 405
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    seen: list[SeenRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _counter: int = 0

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeBackend:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep pytest output clean
                pass

            def do_GET(self) -> None:
                backend._handle(self, "GET")

            def do_POST(self) -> None:
                backend._handle(self, "POST")

            def do_DELETE(self) -> None:
                backend._handle(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def add(self, response_id: str, status: str = "completed", model: str = "fake-model") -> None:
        self.responses[response_id] = self._response(response_id, status, model, "added", None)

    # ------------------------------------------------------------------ internals

    def _response(
        self, rid: str, status: str, model: str, text: str, auth: str | None
    ) -> dict[str, Any]:
        return {
            "id": rid,
            "object": "response",
            "created_at": int(time.time()),
            "model": model,
            "status": status,
            "output": [
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": f"{text}; you sent {auth}"}],
                },
                {
                    "type": "computer_call",
                    "call_id": f"call_{rid}",
                    "action": {
                        "type": "click",
                        "x": 100,
                        "y": 120,
                        "headers": {"Authorization": auth},
                        "note": f"Authorization: {auth}",
                    },
                },
            ],
            "usage": {"input_tokens": 50, "output_tokens": 7},
        }

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        auth = request.headers.get("Authorization")
        path = request.path.split("?", 1)[0]
        self.seen.append(SeenRequest(method, path, auth, body))
        if self.required_key is not None and auth != f"Bearer {self.required_key}":
            return _send(request, 401, _error(f"invalid key: you sent {auth}", "auth"))
        parts = [p for p in path.split("/") if p]
        if parts[:2] != ["v1", "responses"]:
            return _send(request, 404, _error(f"no route {path}", "not_found"))
        if method == "POST" and len(parts) == 2:
            self._counter += 1
            rid = f"resp_fake{self._counter:04d}"
            model = (body or {}).get("model") or "fake-model"
            self.responses[rid] = self._response(rid, "completed", model, "created", auth)
            return _send(request, 200, self.responses[rid])
        rid = parts[2] if len(parts) > 2 else ""
        if method == "GET" and len(parts) == 3 and not self.retrieve_supported:
            return _send(request, 405, _error("retrieving responses is not supported", "method"))
        known = self.responses.get(rid)
        if known is None:
            return _send(request, 404, _error(f"no response {rid} (auth was {auth})", "not_found"))
        if method == "GET" and len(parts) == 3:
            return _send(request, 200, known)
        if method == "POST" and parts[3:] == ["cancel"]:
            if known["status"] != "in_progress":
                return _send(
                    request, 409, _error(f"{rid} is already {known['status']}", "conflict")
                )
            known["status"] = "cancelled"
            return _send(request, 200, known)
        if method == "DELETE" and len(parts) == 3:
            if not self.delete_supported:
                return _send(request, 405, _error("DELETE is not supported here", "method"))
            del self.responses[rid]
            return _send(request, 200, {"id": rid, "deleted": True, "object": "response"})
        return _send(request, 404, _error(f"no route {method} {path}", "not_found"))


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": kind}}


def _send(request: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    request.send_header("x-request-id", f"req_{status}")
    request.end_headers()
    request.wfile.write(data)
