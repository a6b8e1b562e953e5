"""``python -m bench --quick`` runs end to end, so the benchmark cannot rot.

The bench starts its own 1920×1080 Xvfb screen, the target app and text windows, the console
and the local engine, and measures; this test checks that it finished, that the JSON carries
every top-level number the issue asks for, and that the numbers are plausible. The performance
targets themselves are not asserted here (they depend on the machine): the bench prints
PASS/MISS for each.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL = {
    "overhead_ratio": (0.001, 5.0),
    "overhead_p50_ms": (0.5, 2_000.0),
    "naive_p50_ms": (1.0, 10_000.0),
    "gui_stall_ms_max": (0.0, 10_000.0),
    "upload_bytes_per_step": (5_000.0, 5_000_000.0),
    "rss_growth_mb_500": (-200.0, 2_000.0),
    "history_open_ms": (1.0, 60_000.0),
    # the settle wait's minimum is 50 ms; approval → request includes it
    "settle_ms_p50": (50.0, 3_100.0),
    "approve_to_request_ms_p50": (50.0, 10_000.0),
    "ocr_cold_ms_p50_app": (1.0, 300_000.0),
    "ocr_cold_ms_p50_text": (1.0, 300_000.0),
    "ocr_changed_ms_p50": (0.5, 300_000.0),
    "ocr_unchanged_ms_p50": (0.5, 300_000.0),
    "engine_ready_ms": (10.0, 300_000.0),
}


@pytest.mark.timeout(900)
def test_the_quick_bench_runs_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "latest.json"
    completed = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=840,
    )
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    report = json.loads(out.read_text())

    assert report["mode"] == "quick"
    assert report["failed_workers"] == []
    for key, (low, high) in TOP_LEVEL.items():
        value = report[key]
        assert isinstance(value, (int, float)) and math.isfinite(value), (key, value)
        assert low <= value <= high, (key, value)
    # The engine's OCR gives the same result with its caches as without, on the bench screens.
    assert report["extra"]["ocr_cache_identical"] is True
    # Its 8-bit recogniser reads the bench screens as well as the float one it was made from,
    # scored against the text drawn on them.
    rate, float_rate = report["extra"]["ocr_error_rate"], report["extra"]["ocr_error_rate_float"]
    assert 0 < float_rate < 0.10 and rate <= float_rate * 1.10, (rate, float_rate)
    for key in ("ocr_cold_ms_p50_app", "ocr_changed_ms_p50", "engine_ready_ms"):
        assert report["extra"][f"{key}_baseline"] > 0, key
    # How fast this machine runs the networks (fixed input): what tells machines apart.
    for key in ("yardstick_rec_line_ms", "yardstick_det_tile_ms"):
        assert 0.1 < report["extra"][key] < 10_000, (key, report["extra"][key])
    assert report["overhead_ratio"] == pytest.approx(
        report["overhead_p50_ms"] / report["naive_p50_ms"]
    )

    # Every section of the table is there, each row with min ≤ median ≤ max over its runs.
    sections = {row["section"] for row in report["table"]}
    parts = ("per-step overhead", "GUI thread stalls", "memory", "upload", "history", "engine",
             "screen truth", "this machine")  # fmt: skip
    for part in parts:
        assert any(part in section for section in sections), (part, sections)
    for row in report["table"]:
        assert row["runs"] == len(row["values"]) >= 1, row
        assert row["min"] <= row["median"] <= row["max"], row
    names = " ".join(row["name"] for row in report["table"])
    for stage in ("capture", "request build", "response parse", "overlay render", "execute"):
        assert stage in names
    for image_format in ("JPEG", "PNG", "WebP"):
        assert f"{image_format}" in names
    assert "pyautogui.screenshot()" in names  # the naive baseline is labelled as measured

    # One verdict per target, printed too.
    assert [t["key"] for t in report["targets"]] == [
        "overhead_ratio",
        "gui_stall_ms_max",
        "upload_bytes_per_step",
        "rss_growth_mb_500",
        "history_open_ms",
        "approve_to_request_ms_p50",
        "ocr_cold_ms_p50_app",
        "ocr_cold_ms_p50_text",
        "ocr_changed_ms_p50",
        "ocr_unchanged_ms_p50",
        "engine_ready_ms",
    ]
    for target in report["targets"]:
        assert target["pass"] == (target["value"] <= target["limit"])
        assert ("PASS  " if target["pass"] else "MISS  ") + target["target"] in completed.stdout
        if target["key"].startswith(("ocr_", "engine_")):  # with the previous path's figure
            assert target["baseline"] > 0, target
    assert "the previous OCR path's" in completed.stdout
    assert "| per-step overhead" in completed.stdout
