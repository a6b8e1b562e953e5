"""The real console window supervising long auto-approved runs: GUI stalls and memory.

What runs: `ui.main.build_console` (the window, its controllers, the session manager) with a
real `HistoryStore`, the local profile with ``Policy(default="auto")``; the console starts the
local engine itself, as it does for a user. The window sits on the right of the screen (the
scene's `CONSOLE_GEOMETRY`), the task is many ``press shift`` steps (no OCR), started with a
click on Start. Nothing in the console is replaced or stubbed.

* **GUI stalls**: a ``Qt.PreciseTimer`` ticks every `TICK_MS` on the GUI thread; a stall is a
  gap between ticks minus the interval: the time the window could not have answered input.
  Reported apart: *start-up* (the session opening: the engine start, the client), *run
  start* (Start → the first step recorded) and the *steady state* (the rest of the run).
* **RSS** of the console process (psutil) when step 0, 100 and 500 are recorded (the
  ``--marks``), i.e. with everything the window keeps about the run.

``--trace`` also samples the GUI thread's Python stack during stalls (a watchdog thread) and
prints the stacks of the longest ones: where the time went.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import ctypes
import gc
import sys
import tempfile
import threading
import time
import traceback
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import auto_profile, cheap_task, worker_main
from bench.scene import CONSOLE_GEOMETRY

TICK_MS = 5


@dataclass
class Stall:
    ms: float
    phase: str
    label: str
    stack: str = ""


@dataclass
class StallMeter:
    """Largest gap (minus the interval) between ticks of a precise timer on the GUI thread."""

    label: Any = None
    phase: str = "idle"
    stalls: list[Stall] = field(default_factory=list)
    worst: dict[str, float] = field(default_factory=dict)
    over_20: dict[str, int] = field(default_factory=dict)
    trace: bool = False

    def __post_init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self._main = threading.main_thread().ident
        self._samples: collections.deque[tuple[float, str]] = collections.deque(maxlen=400)
        self._watchdog: threading.Thread | None = None
        self._running = False
        self.gc_pauses: list[tuple[float, float, int]] = []  # (end, ms, generation)
        self._gc_started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if threading.get_ident() != self._main:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            now = time.perf_counter()
            self.gc_pauses.append((now, (now - self._gc_started) * 1000, info["generation"]))

    def start(self) -> None:
        self.last = time.perf_counter()
        self._running = True
        self.timer.start()
        if self.trace:
            self._watchdog = threading.Thread(target=self._watch, daemon=True)
            self._watchdog.start()

    def stop(self) -> None:
        self.timer.stop()
        self._running = False
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def set_phase(self, phase: str) -> None:
        self._tick()  # a stall before the switch belongs to the phase it happened in
        self.phase = phase

    def _tick(self) -> None:
        now = time.perf_counter()
        stall = (now - self.last) * 1000 - TICK_MS
        self.last = now
        if stall > self.worst.get(self.phase, 0.0):
            self.worst[self.phase] = stall
        if stall > 20:
            self.over_20[self.phase] = self.over_20.get(self.phase, 0) + 1
        if stall > 10:
            label = self.label() if self.label else ""
            start = now - stall / 1000 - TICK_MS / 1000
            gcs = [(ms, gen) for end, ms, gen in self.gc_pauses[-20:] if start <= end <= now]
            if gcs:
                label += " [gc: " + ", ".join(f"gen{g} {ms:.0f} ms" for ms, g in gcs) + "]"
            stack = self._stack_between(now - stall / 1000 - TICK_MS / 1000, now)
            self.stalls.append(Stall(stall, self.phase, label, stack))

    # -- the watchdog: samples the GUI thread's stack while it has not ticked for a while ----
    def _watch(self) -> None:
        while self._running:
            time.sleep(0.002)
            if time.perf_counter() - self.last > (TICK_MS + 4) / 1000:
                frame = sys._current_frames().get(self._main)  # type: ignore[arg-type]
                if frame is not None:
                    stack = "".join(traceback.format_stack(frame, limit=14))
                    self._samples.append((time.perf_counter(), stack))

    def _stack_between(self, start: float, end: float) -> str:
        if not self.trace:
            return ""
        counts = collections.Counter(s for t, s in self._samples if start <= t <= end)
        if not counts:
            return "(no sample: the GUI thread held the GIL or ran native code throughout)"
        stack, seen = counts.most_common(1)[0]
        return f"[{seen} of {sum(counts.values())} samples]\n{stack}"


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
            "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


def malloc_mb() -> dict[str, float]:
    """glibc's view of the heap: in use, free but kept, and mmapped (diagnostics)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    mb = 1024 * 1024
    return {
        "in_use": info.uordblks / mb,
        "free_kept": info.fordblks / mb,
        "mmapped": info.hblkhd / mb,
        "arena": info.arena / mb,
    }


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / (1024 * 1024)


def run(args: argparse.Namespace) -> dict[str, Any]:
    import qasync
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from console_app.agent.events import RunFinished, StepRecorded
    from console_app.core.settings import Settings
    from console_app.history.store import HistoryStore
    from console_app.ui.main import build_console, freeze_startup_objects

    marks = sorted({int(m) for m in args.marks.split(",") if m}) if args.marks else []
    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    workdir = Path(tempfile.mkdtemp(prefix="bench-console-"))
    history = HistoryStore(workdir / "history.sqlite3")
    profile = auto_profile(max_steps=args.steps + 10)
    settings = Settings(active_profile=profile.name, profiles=[profile])
    rss_before = rss_mb()
    console = build_console(recorder=history, settings=settings, global_hotkey=False)
    freeze_startup_objects()  # as ui.main.run_console does
    window = console.window
    window.setGeometry(*CONSOLE_GEOMETRY)
    window.show()
    controller = console.controller
    meter = StallMeter(trace=args.trace)
    progress = {"step": -1}
    meter.label = lambda: f"{controller.state.value} step {progress['step']}"
    runs: list[dict[str, Any]] = []
    snapshots: list[tuple[int, Any]] = []
    if args.tracemalloc:
        tracemalloc.start(6)

    async def until(predicate: Any, seconds: float, what: str) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {seconds} s waiting for {what}")
            await asyncio.sleep(0.01)

    async def one_run(index: int) -> dict[str, Any]:
        rss: dict[str, float] = {}
        heap: dict[str, dict[str, float]] = {}
        first_step = asyncio.Event()
        real_on_event = controller.on_event

        def on_event(event: Any) -> None:
            real_on_event(event)
            if isinstance(event, StepRecorded) and event.step.execution == "done":
                progress["step"] = event.step.index
                if event.step.index == 0:
                    first_step.set()
                    meter.set_phase("steady")
                done = event.step.index + 1  # steps done; "step 0" is the first step done
                for mark in marks:
                    if done == max(mark, 1) and str(mark) not in rss:
                        rss[str(mark)] = rss_mb()
                        heap[str(mark)] = malloc_mb()
                        if args.tracemalloc:
                            snapshots.append((mark, tracemalloc.take_snapshot()))
            elif isinstance(event, RunFinished):
                meter.set_phase("finishing")

        controller.on_event = on_event  # observe (the loop is made with this callback)
        window.task_box.setPlainText(cheap_task(args.steps))
        meter.set_phase("run_start")
        started = time.perf_counter()
        QTest.mouseClick(window.start_button, Qt.MouseButton.LeftButton)
        await until(lambda: controller.task is not None, 5, "the run to start")
        result = await asyncio.wait_for(controller.task, args.steps * 2 + 60)
        elapsed = time.perf_counter() - started
        meter.set_phase("idle")
        controller.on_event = real_on_event
        if result is None or result.status != "succeeded":
            raise RuntimeError(f"the bench run did not succeed: {result}")
        await asyncio.sleep(0.3)  # thumbnails and decodes in flight land
        return {
            "run": index,
            "steps": result.steps,
            "seconds": round(elapsed, 2),
            "steps_per_second": result.steps / elapsed,
            "stall_run_start_ms": meter.worst.pop("run_start", 0.0),
            "stall_steady_ms": meter.worst.pop("steady", 0.0),
            "stall_finishing_ms": meter.worst.pop("finishing", 0.0),
            "stalls_over_20ms_steady": meter.over_20.pop("steady", 0),
            "gc_max_ms": max((ms for _, ms, _ in meter.gc_pauses), default=0.0),
            "rss_mb": rss,
            "malloc_mb": heap,
            "rss_after_mb": rss_mb(),
        }

    async def scenario() -> dict[str, Any]:
        meter.start()
        meter.set_phase("startup")
        started = time.perf_counter()
        console.profiles.open_current()
        await until(lambda: console.sessions.session is not None, 90, "the local engine")
        startup_s = time.perf_counter() - started
        await asyncio.sleep(0.5)
        startup_stall = meter.worst.pop("startup", 0.0)
        meter.set_phase("idle")
        rss_ready = rss_mb()
        for index in range(args.runs):
            runs.append(await one_run(index))
        meter.stop()
        return {
            "startup_s": startup_s,
            "stall_startup_ms": startup_stall,
            "rss_ready_mb": rss_ready,
        }

    try:
        summary = loop.run_until_complete(scenario())
    finally:
        loop.run_until_complete(console.aclose())
        window.allow_close = True
        window.close()
        history.close()
        loop.close()  # joins the executor's threads before Qt goes away
        asyncio.set_event_loop(None)
    worst = sorted(meter.stalls, key=lambda s: -s.ms)[:12]
    if len(snapshots) >= 2:
        (first, before), (last, after) = snapshots[0], snapshots[-1]
        print(f"--- Python allocations that grew from step {first} to step {last}:")
        for stat in after.compare_to(before, "traceback")[:12]:
            print(f"{stat.size_diff / 1024:+10.0f} kB {stat.count_diff:+7d} blocks")
            print("\n".join("      " + line for line in stat.traceback.format()[-6:]))
    if args.trace:
        for stall in worst:
            print(f"--- {stall.ms:.1f} ms in {stall.phase} ({stall.label})\n{stall.stack}")
    return {
        **summary,
        "rss_before_console_mb": rss_before,
        "runs": runs,
        "steps": args.steps,
        "worst_stalls": [{"ms": round(s.ms, 1), "phase": s.phase, "label": s.label} for s in worst],
    }


def add_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--marks", default="", help="read RSS after N steps, e.g. 0,100,500 (0: the first step)"
    )
    parser.add_argument("--trace", action="store_true", help="sample stacks during stalls")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="print the Python allocations that grew"
    )


if __name__ == "__main__":
    worker_main(run, add_args)
