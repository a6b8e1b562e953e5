"""Fixtures for the console's GUI tests: a qasync event loop over pytest-qt's QApplication, and
the real console window wired to a `FakeLoop`.

Tests are plain functions that drive a scenario coroutine with ``drive(coro)``: the qasync loop
runs Qt's event loop and asyncio together, exactly as in the application.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import pytest
import qasync

from console_app.agent.events import RunResult
from console_app.core.settings import Settings
from console_app.ui.main import Console, build_console
from tests.gui.fakes import FakeLoop, FakeShot, Turn, make_shot


@pytest.fixture(scope="session")
def aloop(qapp: Any) -> Any:
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()  # joins the executor's worker threads before Qt is torn down
    asyncio.set_event_loop(None)


@pytest.fixture
def drive(aloop: Any) -> Callable[..., Any]:
    """``drive(coro, timeout=10)``: run a scenario on the qasync loop and return its result."""

    def run(coro: Coroutine[Any, Any, Any], timeout: float = 10.0) -> Any:
        return aloop.run_until_complete(asyncio.wait_for(coro, timeout))

    return run


async def until(predicate: Callable[[], Any], timeout: float = 5.0, what: str = "") -> None:
    """Let Qt and asyncio run until ``predicate()`` is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.01)


@dataclass
class Script:
    """What the next run's fake loop plays; ``loop`` is the loop of the last run."""

    turns: list[Turn] = field(default_factory=list)
    shot: FakeShot | None = None
    final: RunResult | None = None
    loop: FakeLoop | None = None
    made: int = 0


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def console(qtbot: Any, aloop: Any, script: Script) -> Any:
    async def make_loop(*, model: str | None = None, **hooks: Any) -> FakeLoop:
        script.made += 1
        script.loop = FakeLoop(
            script.turns, shot=script.shot or make_shot(), final=script.final, model=model, **hooks
        )
        return script.loop

    built: Console = build_console(make_loop=make_loop, settings=Settings(), global_hotkey=False)
    window = built.window
    qtbot.addWidget(window)
    window.resize(1600, 1000)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    yield built
    aloop.run_until_complete(built.aclose())  # also waits for screenshot decodes in flight
    aloop.run_until_complete(asyncio.sleep(0.02))  # deliver their results
    window.allow_close = True
