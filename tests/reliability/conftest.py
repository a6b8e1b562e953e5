"""Fixtures: one real local engine for the whole suite, a fresh fault proxy and rig per test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.reliability.fault_proxy import FaultProxy
from tests.reliability.harness import Rig
from tests.unit.engine.helpers import RunningEngine, engine_in_thread


@pytest.fixture(scope="session")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEngine]:
    """The real engine (uvicorn on 127.0.0.1 in a thread): app, service, store and OCR."""
    with engine_in_thread(tmp_path_factory.mktemp("reliability-engine")) as running:
        yield running


@pytest.fixture
async def proxy(engine: RunningEngine) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(engine.base_url) as running:
        yield running
    assert not running.errors, f"the fault proxy failed: {running.errors!r}"


@pytest.fixture
async def make_rig(
    proxy: FaultProxy, engine: RunningEngine, tmp_path: Path
) -> AsyncIterator[Callable[..., Rig]]:
    """``make_rig(stream=..., answers=[...])`` → a `Rig` through ``proxy`` (closed after)."""
    rigs: list[Rig] = []

    def make(**options: Any) -> Rig:
        folder = tmp_path / f"rig{len(rigs)}"
        folder.mkdir()
        rig = Rig(proxy=proxy, token=engine.token, folder=folder, **options)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        await rig.close()
