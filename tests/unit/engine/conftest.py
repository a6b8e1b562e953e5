"""One real engine (uvicorn on 127.0.0.1, in a thread) shared by the HTTP tests of a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.engine.helpers import RunningEngine, engine_in_thread


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningEngine]:
    with engine_in_thread(tmp_path_factory.mktemp("engine")) as running:
        yield running
