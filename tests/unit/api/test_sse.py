"""The SSE decoder on its own: the WHATWG rules real servers rely on, and chunking invariance."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from console_app.api.sse import ServerSentEvent, SSEDecoder, iter_events, iter_lines


async def _chunks(parts: Sequence[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


def lines(parts: Sequence[bytes]) -> list[str]:
    async def run() -> list[str]:
        return [line async for line in iter_lines(_chunks(parts))]

    return asyncio.run(run())


def events(parts: Sequence[bytes]) -> list[ServerSentEvent]:
    async def run() -> list[ServerSentEvent]:
        return [event async for event in iter_events(_chunks(parts))]

    return asyncio.run(run())


def test_line_ends_lf_crlf_cr_and_a_crlf_split_across_chunks() -> None:
    assert lines([b"a\nb\r\nc\rd"]) == ["a", "b", "c", "d"]
    assert lines([b"a\r", b"\nb\r", b"c"]) == ["a", "b", "c"]  # one CRLF, then a lone CR
    assert lines([b"a\r", b"", b"\n"]) == ["a"]
    assert lines([b"a\r"]) == ["a"]  # a CR at the very end is a line end
    assert lines([b"\n\n"]) == ["", ""]


def test_utf8_split_inside_a_character() -> None:
    raw = "data: café ☕\n".encode()
    cut = raw.index("☕".encode()) + 1
    assert lines([raw[:cut], raw[cut:]]) == ["data: café ☕"]


def test_fields_comments_and_multiline_data() -> None:
    stream = (
        b": comment\n"
        b"event: update\n"
        b"id: 7\n"
        b"retry: 1500\n"
        b"data: first\n"
        b"data:second\n"
        b"data\n"
        b"ignored-field: x\n"
        b"\n"
        b'data: {"a": 1}\n\n'
    )
    first, second = events([stream])
    assert first == ServerSentEvent(event="update", data="first\nsecond\n", id="7", retry=1500)
    # The event name resets after each event; the last id carries over (as the spec says).
    assert second == ServerSentEvent(event="message", data='{"a": 1}', id="7", retry=None)


def test_blank_lines_alone_dispatch_nothing() -> None:
    assert events([b"\n\n\r\n: ping\n\n"]) == []


def test_an_event_without_its_final_blank_line_is_flagged_incomplete() -> None:
    [complete, tail] = events([b'data: one\n\ndata: {"partial": '])
    assert complete.complete and complete.data == "one"
    assert not tail.complete and tail.data == '{"partial": '


def test_the_decoder_feeds_line_by_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed("event: e") is None
    assert decoder.feed("data: d") is None
    assert decoder.feed("") == ServerSentEvent(event="e", data="d")
    assert decoder.flush() is None


STREAM = (
    ": keep-alive\r\n\r\n"
    'event: response.created\r\ndata: {"type": "response.created"}\r\n\r\n'
    "data: line one\ndata: line two\n\n"
    "retry: 10\rid: x\rdata: é☕ unicode\r\r"
    'event: response.completed\ndata: {"type": "response.completed"}\n\n'
).encode()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(STREAM)), max_size=20))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    points = sorted(set(cuts))
    parts = [STREAM[a:b] for a, b in zip([0, *points], [*points, len(STREAM)], strict=True)]
    assert events(parts) == events([STREAM])
    assert [e.data for e in events(parts)] == [
        '{"type": "response.created"}',
        "line one\nline two",
        "é☕ unicode",
        '{"type": "response.completed"}',
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.characters(exclude_characters="\r\n", exclude_categories=["Cs"]),
            max_size=8,
        ),
        max_size=6,
    ),
    st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_any_line_ending_gives_the_same_lines(texts: list[str], newline: str) -> None:
    raw = "".join(t + newline for t in texts).encode()
    assert lines([raw]) == texts
    assert lines([bytes([b]) for b in raw]) == texts  # one byte at a time


def test_a_large_chunk_of_many_lines_is_linear() -> None:
    """Regression guard for the old quadratic buffer slicing: 200 000 lines in one chunk."""
    import time

    raw = b"data: x\n\n" * 100_000
    started = time.perf_counter()
    assert len(events([raw])) == 100_000
    assert time.perf_counter() - started < 3.0
