"""A loopback replay server: answers ``POST /v1/responses`` with recorded payloads, in order,
and records every request.

The recorded payloads come from other people's screens, so their points would land anywhere on
ours. Each turn may name, per computer action, a widget of the target window: the server moves
that action's point onto the widget's centre, in the viewport the console declared (the
tool's display size, else the size of the screenshot it sent). Every other field is replayed
as recorded. A turn given as a list of output items (a fixture that is only a call) is put in
a minimal response envelope (``id``, ``object``, ``status``, ``output``).
"""

from __future__ import annotations

import base64
import copy
import io
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

Point = tuple[int, int]


@dataclass
class Turn:
    payload: dict[str, Any] | list[dict[str, Any]]
    targets: list[Point | None] = field(default_factory=list)
    """Global screen points, one per computer action in output order (None: as recorded)."""


def viewport_of(body: dict[str, Any]) -> tuple[int, int]:
    for tool in body.get("tools") or []:
        if tool.get("display_width") and tool.get("display_height"):
            return int(tool["display_width"]), int(tool["display_height"])
    for url in _image_urls(body.get("input")):
        data = base64.b64decode(url.split(",", 1)[1])
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    raise AssertionError("the request says nothing about the viewport")


def _image_urls(value: Any) -> list[str]:
    found: list[str] = []
    if isinstance(value, dict):
        url = value.get("image_url")
        if isinstance(url, str) and url.startswith("data:"):
            found.append(url)
        for child in value.values():
            found.extend(_image_urls(child))
    elif isinstance(value, list):
        for child in value:
            found.extend(_image_urls(child))
    return found


def retarget(
    turn: Turn, body: dict[str, Any], screen: tuple[int, int], index: int
) -> dict[str, Any]:
    payload = copy.deepcopy(turn.payload)
    response = (
        {
            "id": f"resp_replay_{index}",
            "object": "response",
            "status": "completed",
            "output": payload,
        }
        if isinstance(payload, list)
        else payload
    )
    if not any(turn.targets):
        return response
    vw, vh = viewport_of(body)
    actions: list[dict[str, Any]] = []
    for item in response["output"]:
        if item.get("type") == "computer_call":
            actions.extend(item["actions"] if "actions" in item else [item["action"]])
    assert len(actions) == len(turn.targets), (actions, turn.targets)
    for action, point in zip(actions, turn.targets, strict=True):
        if point is not None:
            action["x"] = round(point[0] * vw / screen[0])
            action["y"] = round(point[1] * vh / screen[1])
    return response


class ReplayServer:
    def __init__(self, turns: list[Turn], screen: tuple[int, int]) -> None:
        self.turns = list(turns)
        self.screen = screen
        self.requests: list[dict[str, Any]] = []
        self.errors: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                try:
                    body = json.loads(self.rfile.read(length))
                    reply = server.answer(self.path, body)
                except Exception as exc:  # shown by the test through `errors`
                    server.errors.append(f"{type(exc).__name__}: {exc}")
                    reply = {"error": {"message": "the replay server failed"}}
                data = json.dumps(reply).encode()
                self.send_response(500 if "id" not in reply else 200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/v1"

    def answer(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if path != "/v1/responses":
                self.errors.append(f"unexpected path {path}")
                return {"error": {"message": f"no route {path}"}}
            index = len(self.requests)
            self.requests.append(body)
            if index >= len(self.turns):
                self.errors.append("more requests than recorded turns")
                return {"error": {"message": "the recording has no more turns"}}
            return retarget(self.turns[index], body, self.screen, index)

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()


Check = Callable[[dict[str, Any]], None]
