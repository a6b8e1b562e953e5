"""HTTP/1.1 wire helpers shared by the test servers (tests/unit/api, tests/reliability)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping


async def read_request_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
    """The body after the head: by Content-Length, or chunked. ``headers`` keys lower-case."""
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() != "chunked":
        return b""
    parts = []
    while True:
        size = int((await reader.readuntil(b"\r\n")).strip(), 16)
        chunk = await reader.readexactly(size + 2)
        if size == 0:
            return b"".join(parts)
        parts.append(chunk[:-2])
