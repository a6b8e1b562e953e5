"""A server-sent events decoder (the WHATWG algorithm, on raw bytes).

Why our own: it must tolerate what real servers send — comments (``: keep-alive``), ``\\r\\n``
or ``\\r`` line ends, multi-line ``data``, events without a ``[DONE]`` sentinel — and it must be
possible to tell a stream that *ended* from one that was *cut*; the caller decides that from
whether a terminal event arrived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSentEvent:
    event: str
    data: str
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Feed it lines (without their line end); it returns an event at each blank line."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self._retry: int | None = None

    def feed(self, line: str) -> ServerSentEvent | None:
        if line == "":
            if not self._data and not self._event:
                return None
            event = ServerSentEvent(
                event=self._event or "message",
                data="\n".join(self._data),
                id=self._id,
                retry=self._retry,
            )
            self._event, self._data, self._retry = "", [], None
            return event
        if line.startswith(":"):
            return None  # comment / keep-alive
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def flush(self) -> ServerSentEvent | None:
        """An event still pending when the stream ends is dropped by the spec; we return it
        only if it has data, so a server that forgets the final blank line still works."""
        if self._data:
            return self.feed("")
        return None


async def iter_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """Split a byte stream into lines on ``\\n``, ``\\r\\n`` or ``\\r`` (decoding UTF-8).

    A ``\\r`` at the very end of a chunk is held back until the next chunk shows whether a
    ``\\n`` follows, so a CRLF split across two reads is one line end, not two.
    """
    buffer = b""
    async for chunk in chunks:
        buffer += chunk
        while (cut := _first_line_end(buffer, final=False)) is not None:
            end, width = cut
            yield buffer[:end].decode("utf-8", errors="replace")
            buffer = buffer[end + width :]
    while (cut := _first_line_end(buffer, final=True)) is not None:
        end, width = cut
        yield buffer[:end].decode("utf-8", errors="replace")
        buffer = buffer[end + width :]
    if buffer:
        yield buffer.decode("utf-8", errors="replace")


def _first_line_end(buffer: bytes, *, final: bool) -> tuple[int, int] | None:
    lf = buffer.find(b"\n")
    cr = buffer.find(b"\r")
    if cr == -1 and lf == -1:
        return None
    if cr == -1 or (lf != -1 and lf < cr):
        return lf, 1
    if cr + 1 < len(buffer):
        return (cr, 2) if buffer[cr + 1 : cr + 2] == b"\n" else (cr, 1)
    return (cr, 1) if final else None


async def iter_events(chunks: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
    decoder = SSEDecoder()
    async for line in iter_lines(chunks):
        event = decoder.feed(line)
        if event is not None:
            yield event
    last = decoder.flush()
    if last is not None:
        yield last
