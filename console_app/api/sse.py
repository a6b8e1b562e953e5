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
    """One dispatched event. ``complete`` is false for an event the stream ended in the middle
    of (no blank line after it): the caller may use it if it parses, but must treat a parse
    failure as a cut stream, not as a malformed server answer."""

    event: str
    data: str
    id: str | None = None
    retry: int | None = None
    complete: bool = True


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
        (marked ``complete=False``) if it has data, so a server that forgets the final blank
        line still works — and a stream cut inside an event can be told apart by the caller."""
        if self._data:
            event = self.feed("")
            if event is not None:
                return ServerSentEvent(event.event, event.data, event.id, event.retry, False)
        return None


async def iter_lines(chunks: AsyncIterator[bytes]) -> AsyncIterator[str]:
    """Split a byte stream into lines on ``\\n``, ``\\r\\n`` or ``\\r`` (decoding UTF-8).

    A ``\\r`` at the very end of a chunk is held back until the next chunk shows whether a
    ``\\n`` follows, so a CRLF split across two reads is one line end, not two. Lines are cut
    by offset and the buffer is trimmed once per chunk, so a large chunk of many lines costs
    linear time.
    """
    buffer = b""
    async for chunk in chunks:
        buffer += chunk
        start = 0
        while (cut := _first_line_end(buffer, start, final=False)) is not None:
            end, width = cut
            yield buffer[start:end].decode("utf-8", errors="replace")
            start = end + width
        buffer = buffer[start:]
    start = 0
    while (cut := _first_line_end(buffer, start, final=True)) is not None:
        end, width = cut
        yield buffer[start:end].decode("utf-8", errors="replace")
        start = end + width
    if start < len(buffer):
        yield buffer[start:].decode("utf-8", errors="replace")


def _first_line_end(buffer: bytes, start: int, *, final: bool) -> tuple[int, int] | None:
    lf = buffer.find(b"\n", start)
    cr = buffer.find(b"\r", start, lf if lf != -1 else len(buffer))
    if cr == -1 and lf == -1:
        return None
    if cr == -1:
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
