"""``python -m bench [--quick]``: the console's performance table (see docs/benchmarks.md).

Runs on its own Xvfb screen at 1920×1080 (it re-executes itself under ``xvfb-run``: the bench
moves no pointer but presses real keys, which must never reach a real desktop), shows the
scene (the target app and windows full of text), runs each measurement in a worker process,
prints the table with min / median / max over the repeated runs, PASS/MISS per target, and
saves everything to ``bench/results/latest.json``.

The exit code says whether every measurement ran, not whether the targets were met
(``--strict`` makes a MISS fail too).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.report import build_report
from bench.scene import ROOT, Scene

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
SCREEN = "1920x1080x24"
_MARKER = "BENCH_OWN_XVFB"

# (worker, full-mode arguments, quick-mode arguments); a worker listed twice runs twice.
PLAN: dict[str, tuple[list[list[str]], list[list[str]]]] = {
    "pipeline": ([["--runs", "5", "--steps", "40"]], [["--runs", "2", "--steps", "15"]]),
    "console_run": (
        [
            ["--runs", "3", "--steps", "100"],
            ["--runs", "1", "--steps", "500", "--marks", "0,100,500"],
            ["--runs", "1", "--steps", "500", "--marks", "0,100,500"],
        ],
        [["--runs", "1", "--steps", "500", "--marks", "0,100,500"]],
    ),
    "upload": ([["--runs", "3", "--steps", "10"]], [["--runs", "1", "--steps", "4"]]),
    "history_open": ([["--runs", "7"]], [["--runs", "3"]]),
    "screen_truth": ([["--runs", "3", "--steps", "30"]], [["--runs", "1", "--steps", "15"]]),
    "engine_load": (
        [["--runs", "3", "--creates", "300", "--ocr-steps", "5"]],
        [["--runs", "1", "--creates", "100", "--ocr-steps", "3"]],
    ),
}
WORKER_TIMEOUT_S = 900


def ensure_screen(argv: list[str]) -> None:
    """Re-run this command under its own Xvfb (1920×1080×24) unless already there."""
    if os.environ.get(_MARKER) == "1":
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        sys.exit("the bench needs xvfb-run (apt-get install xvfb)")
    env = dict(os.environ, **{_MARKER: "1"})
    command = [xvfb, "-a", "-s", f"-screen 0 {SCREEN} -nolisten tcp", sys.executable, "-m"]
    sys.exit(subprocess.call([*command, "bench", *argv], env=env, cwd=ROOT))


def isolated_env(home: Path) -> dict[str, str]:
    """No worker touches the user's history, settings, logs or keyring."""
    env = dict(os.environ)
    env.update(
        CONSOLE_APP_HOME=str(home),
        XDG_DATA_HOME=str(home / "xdg-data"),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        QT_QPA_PLATFORM="xcb",
        PYTHONPATH=str(ROOT),
    )
    for name in ("TZAFON_API_KEY", "LIGHTCONE_BASE_URL", "CONSOLE_ENGINE_TOKEN", "QT_SCALE_FACTOR"):
        env.pop(name, None)
    return env


def run_worker(name: str, args: list[str], env: dict[str, str], workdir: Path) -> dict[str, Any]:
    out = workdir / f"{name}-{time.monotonic_ns()}.json"
    command = [sys.executable, "-m", f"bench.{name}", "--out", str(out), *args]
    print(f"::: {name} {' '.join(args)}", flush=True)
    started = time.perf_counter()
    completed = subprocess.run(
        command, env=env, cwd=ROOT, timeout=WORKER_TIMEOUT_S, capture_output=True, text=True
    )
    if completed.stdout.strip():
        print(completed.stdout.rstrip(), flush=True)
    if completed.returncode != 0 or not out.exists():
        tail = completed.stderr[-4000:]
        raise RuntimeError(f"bench worker {name} failed (exit {completed.returncode}):\n{tail}")
    print(f"    done in {time.perf_counter() - started:.1f} s", flush=True)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="CI-sized: fewer repetitions")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {list(PLAN)}")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--trace", action="store_true", help="console run: stacks of stalls")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    ensure_screen(argv)

    only = [w.strip() for w in args.only.split(",") if w.strip()]
    unknown = set(only) - set(PLAN)
    if unknown:
        parser.error(f"unknown workers {sorted(unknown)}; choose from {list(PLAN)}")
    started = time.perf_counter()
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    env = isolated_env(workdir / "home")
    results: dict[str, list[dict[str, Any]]] = {}
    failures: list[str] = []
    with Scene(workdir / "scene"):
        for name, (full, quick) in PLAN.items():
            if only and name not in only:
                continue
            for worker_args in quick if args.quick else full:
                extra = ["--trace"] if args.trace and name == "console_run" else []
                try:
                    results.setdefault(name, []).append(
                        run_worker(name, worker_args + extra, env, workdir)
                    )
                except (RuntimeError, subprocess.TimeoutExpired) as exc:
                    print(f"!!! {exc}", file=sys.stderr, flush=True)
                    failures.append(name)
    report = build_report(results, quick=args.quick)
    report["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
        "screen": SCREEN,
    }
    report["created"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["seconds"] = round(time.perf_counter() - started, 1)
    report["failed_workers"] = failures
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print()
    print(report["text"])
    print(f"\nsaved to {args.out} ({report['seconds']} s)")
    if failures:
        print(f"FAILED: {', '.join(failures)}", file=sys.stderr)
        return 1
    if args.strict and any(not t["pass"] for t in report["targets"] if t["value"] is not None):
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
