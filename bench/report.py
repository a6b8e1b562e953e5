"""Worker results → the table, the targets (PASS/MISS) and the JSON's top-level numbers."""

from __future__ import annotations

import statistics
from typing import Any

from bench.stats import Figure, fmt, render_table

NAIVE_LABEL = (
    "naive: pyautogui.screenshot() [pyscreeze → PIL.ImageGrab.grab(), XCB] → PNG (Pillow "
    "defaults) → base64, 1920×1080"
)
TARGETS = (
    # key, what, limit, unit
    ("overhead_ratio", "console overhead p50 ≤ 1/5 of the naive pipeline", 0.2, "×"),
    ("gui_stall_ms_max", "GUI stall (steady state of auto-approved runs) ≤ 20 ms", 20.0, "ms"),
    ("upload_bytes_per_step", "upload per step at 1280×720 (JPEG, chained) ≤ 200 kB", 200_000, "B"),
    ("rss_growth_mb_500", "RSS growth over 500 steps ≤ 30 MB", 30.0, "MB"),
    ("history_open_ms", "history open with 10,000 responses ≤ 300 ms", 300.0, "ms"),
    ("approve_to_request_ms_p50", "approval given → next request p50 ≤ 120 ms", 120.0, "ms"),
    ("ocr_cold_ms_p50_app", "engine OCR step, target app, first sight ≤ 400 ms", 400.0, "ms"),
    (
        "ocr_cold_ms_p50_text",
        "engine OCR step, text-dense screen, first sight ≤ 1500 ms",
        1500.0,
        "ms",
    ),
    (
        "ocr_changed_ms_p50",
        "engine OCR step, text-dense screen, a tenth changed ≤ 300 ms",
        300.0,
        "ms",
    ),
    ("ocr_unchanged_ms_p50", "engine OCR step, the same screen again ≤ 50 ms", 50.0, "ms"),
    (
        "engine_ready_ms",
        "engine ready (launch → answering with OCR loaded) ≤ 1500 ms",
        1500.0,
        "ms",
    ),
)
ENGINE_KEYS = {
    # top-level key: (per-run key, baseline key)
    "ocr_cold_ms_p50_app": ("ocr_cold_ms_app", "ocr_cold_ms_app"),
    "ocr_cold_ms_p50_text": ("ocr_cold_ms_text", "ocr_cold_ms_text"),
    "ocr_changed_ms_p50": ("ocr_changed_ms_p50", "ocr_changed_ms"),
    "ocr_unchanged_ms_p50": ("ocr_unchanged_ms_p50", "ocr_unchanged_ms"),
    "engine_ready_ms": ("engine_ready_ms", "engine_ready_ms"),
}
STAGE_LABELS = {
    "capture": "capture+scale+encode (worker thread)",
    "request": "request build (loop thread)",
    "parse": "response parse (JSON, pydantic, normalise)",
    "overlay": "overlay render (GUI thread: canvas paint)",
    "execute": "execute (press shift: plan + XTest, input thread)",
}


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


class Table:
    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def add(self, section: str, name: str, unit: str, values: list[float], note: str = "") -> None:
        values = [float(v) for v in values if v is not None]
        if values:
            self.figures.append(Figure(section, name, unit, values, note))


def _pipeline(table: Table, results: list[dict[str, Any]], top: dict[str, Any]) -> None:
    runs = [run for result in results for run in result["runs"]]
    if not runs:
        return
    section = f"per-step overhead, p50 over {runs[0]['steps']} steps"
    for stage, label in STAGE_LABELS.items():
        table.add(section, label, "ms", [r["console"][stage] for r in runs])
        if stage == "capture":
            for part, what in (
                ("grab", "grab (mss)"),
                ("scale", "scale (mask, BGRA→BGR, area filter)"),
                ("encode", "encode (JPEG q80)"),
            ):
                table.add(section, f"  · {what}", "ms", [r["capture_split"][part] for r in runs])
    table.add(section, "console total (sum of the five, per step)", "ms",
              [r["console_total"] for r in runs])  # fmt: skip
    table.add(section, "  view decode (image-loader thread; not in the total)", "ms",
              [r["decode_worker"] for r in runs])  # fmt: skip
    table.add(section, NAIVE_LABEL, "ms", [r["naive_total"] for r in runs])
    for part in ("grab", "png", "base64"):
        table.add(section, f"  · naive {part}", "ms", [r["naive"][part] for r in runs])
    table.add(section, "overhead ratio: console p50 / naive p50", "×", [r["ratio"] for r in runs])
    table.add(section, "console image per step (JPEG 1280×720)", "bytes",
              [r["shot_bytes"] for r in runs])  # fmt: skip
    table.add(section, "naive image per step (PNG data URL, 1920×1080)", "bytes",
              [r["naive_bytes"] for r in runs])  # fmt: skip
    overhead = _median([r["console_total"] for r in runs])
    naive = _median([r["naive_total"] for r in runs])
    top["overhead_p50_ms"] = overhead
    top["naive_p50_ms"] = naive
    top["overhead_ratio"] = overhead / naive if overhead is not None and naive else None


def _console(table: Table, results: list[dict[str, Any]], top: dict[str, Any]) -> None:
    if not results:
        return
    stall_results = [r for r in results if r["steps"] == 100]
    if not stall_results:  # quick mode: the long run is the stall run too
        stall_results = results
    stall_runs = [run for r in stall_results for run in r["runs"]]
    steps = stall_results[0]["steps"]
    section = "GUI thread stalls (5 ms precise timer)"
    table.add(section, f"largest stall, steady state ({steps}-step auto-approved run)", "ms",
              [r["stall_steady_ms"] for r in stall_runs])  # fmt: skip
    long_runs = [run for r in results if r not in stall_results for run in r["runs"]]
    if long_runs:
        table.add(section, f"largest stall, steady state ({long_runs[0]['steps'] - 1}-step runs)",
                  "ms", [r["stall_steady_ms"] for r in long_runs])  # fmt: skip
    table.add(section, "largest stall, run start (Start → first step done)", "ms",
              [r["stall_run_start_ms"] for r in stall_runs])  # fmt: skip
    table.add(section, "largest stall, start-up (session open: engine start, client)", "ms",
              [r["stall_startup_ms"] for r in results])  # fmt: skip
    table.add(section, "engine start as seen by the console", "s",
              [r["startup_s"] for r in results])  # fmt: skip
    all_runs = [run for r in results for run in r["runs"]]
    table.add(section, "steps per second (console, auto-approved, press shift)", "1/s",
              [r["steps_per_second"] for r in all_runs])  # fmt: skip
    top["gui_stall_ms_max"] = max(r["stall_steady_ms"] for r in stall_runs) if stall_runs else None
    top["gui_stall_ms_median"] = _median([r["stall_steady_ms"] for r in stall_runs])

    rss_runs = [run for r in results for run in r["runs"] if "500" in run["rss_mb"]]
    section = "memory (RSS of the console process)"
    for mark in ("0", "100", "500"):
        table.add(section, f"RSS at step {mark}", "MB", [r["rss_mb"][mark] for r in rss_runs])
    growth = [r["rss_mb"]["500"] - r["rss_mb"]["0"] for r in rss_runs]
    table.add(section, "RSS growth, step 0 → 500", "MB", growth)
    top["rss_growth_mb_500"] = _median(growth)


def _upload(table: Table, results: list[dict[str, Any]], top: dict[str, Any]) -> None:
    section = "upload per step (1280×720, previous_response_id chaining)"
    for result in results:
        for entry in result["formats"]:
            name = {"jpeg": "JPEG q80", "png": "PNG", "webp": "WebP q80"}[entry["format"]]
            values = [r["chained_bytes_p50"] for r in entry["runs"]]
            table.add(section, f"{name}: request body per chained step", "bytes", values)
            if entry["format"] == "jpeg":
                top["upload_bytes_per_step"] = _median(values)
            top.setdefault("upload_bytes_per_step_by_format", {})[entry["format"]] = _median(values)


def _history(table: Table, results: list[dict[str, Any]], top: dict[str, Any]) -> None:
    section = "history view"
    times = [t for r in results for t in r["open_ms"]]
    count = results[0]["responses"] if results else 0
    table.add(section, f"open with {count:,} responses (show → first page painted)", "ms", times)
    table.add(section, "  first history window of the process", "ms",
              [r["first_open_ms"] for r in results])  # fmt: skip
    top["history_open_ms"] = _median(times)


def _engine(table: Table, results: list[dict[str, Any]], top: dict[str, Any]) -> None:
    runs = [run for r in results for run in r["runs"]]
    if not runs:
        return
    section = "local engine (one keep-alive connection, sequential)"
    table.add(section, "creates/s without OCR (wait 0, text only)", "1/s",
              [r["creates_per_s"] for r in runs])  # fmt: skip
    table.add(section, "creates/s without OCR (wait 0 + a 1280×720 JPEG)", "1/s",
              [r["creates_per_s_image"] for r in runs])  # fmt: skip
    section = "local engine OCR step (click OK, 1280×720 JPEG; baseline: previous OCR path)"
    labels = {
        "engine_ready_ms": "engine ready: launch → /health with OCR loaded",
        "ocr_cold_ms_p50_app": "first sight, target app alone (fresh engine)",
        "ocr_cold_ms_p50_text": "first sight, text-dense screen (fresh engine)",
        "ocr_changed_ms_p50": "text-dense, a new dialog (a tenth of it) opened: p50",
        "ocr_unchanged_ms_p50": "text-dense, the same screen again (a clock ticked): p50",
    }
    baselines = [r["baseline"] for r in results if "baseline" in r]
    for key, (run_key, base_key) in ENGINE_KEYS.items():
        values = [r[run_key] for r in runs]
        table.add(section, labels[key], "ms", values)
        base = [b[base_key] for b in baselines]
        table.add(section, "  baseline: " + labels[key].split(":")[0], "ms", base)
        top[key] = _median(values)
        top[f"{key}_baseline"] = _median(base)
        if top[key] is not None and top[f"{key}_baseline"]:
            top[f"{key}_ratio"] = top[key] / top[f"{key}_baseline"]
    table.add(section, "text-dense, a dialog closed (the screen behind it seen before): p50",
              "ms", [r["ocr_closed_ms_p50"] for r in runs if "ocr_closed_ms_p50" in r])  # fmt: skip
    identity = [r["cache_identity"]["identical"] for r in results if "cache_identity" in r]
    top["ocr_cache_identical"] = all(identity) if identity else None
    accuracy = [r["ocr_accuracy"] for r in results if "ocr_accuracy" in r]
    if accuracy:
        top["ocr_error_rate"] = accuracy[-1]["int8"]["error_rate"]
        top["ocr_error_rate_float"] = accuracy[-1]["float"]["error_rate"]
    top["engine_creates_per_s"] = _median([r["creates_per_s"] for r in runs])
    top["engine_load_average"] = results[-1].get("load_average")
    speed = [r["yardstick"] for r in results if "yardstick" in r]
    if speed:
        section = "this machine (one thread, fixed synthetic input: compares machines)"
        table.add(section, "recognise a 400-px line, 8-bit", "ms",
                  [m["rec_line_ms"] for m in speed])  # fmt: skip
        table.add(section, "recognise a 400-px line, float", "ms",
                  [m["rec_line_float_ms"] for m in speed])  # fmt: skip
        table.add(section, "detect a 256×256 tile", "ms", [m["det_tile_ms"] for m in speed])
        top["yardstick_rec_line_ms"] = _median([m["rec_line_ms"] for m in speed])
        top["yardstick_det_tile_ms"] = _median([m["det_tile_ms"] for m in speed])


def _screen_truth(table: Table, results: list[dict[str, Any]], top: dict[str, Any]) -> None:
    runs = [run for r in results for run in r["runs"]]
    section = "screen truth (local engine, settle defaults, stale guard on)"
    table.add(section, "approval given → next request handed to httpx: p50", "ms",
              [r["approve_to_request_ms_p50"] for r in runs])  # fmt: skip
    table.add(section, "settle wait after typing one character: p50", "ms",
              [r["settle_ms_p50"] for r in runs])  # fmt: skip
    table.add(section, "settle wait after a step with no visible effect: p50", "ms",
              [r["settle_ms_p50_no_reaction"] for r in runs],
              "press shift: the reaction time passes")  # fmt: skip
    top["approve_to_request_ms_p50"] = _median([r["approve_to_request_ms_p50"] for r in runs])
    top["settle_ms_p50"] = _median([r["settle_ms_p50"] for r in runs])
    top["settle_ms_p50_no_reaction"] = _median([r["settle_ms_p50_no_reaction"] for r in runs])


def _targets(top: dict[str, Any]) -> list[dict[str, Any]]:
    targets = []
    for key, what, limit, unit in TARGETS:
        value = top.get(key)
        targets.append(
            {
                "key": key,
                "target": what,
                "limit": limit,
                "unit": unit,
                "value": value,
                "pass": value is not None and value <= limit,
                "baseline": top.get(f"{key}_baseline"),
            }
        )
    return targets


def _target_lines(targets: list[dict[str, Any]]) -> list[str]:
    lines = []
    for t in targets:
        if t["value"] is None:
            lines.append(f"  ----  {t['target']}: not measured")
            continue
        value = t["value"]
        shown = f"{value / 1000:.1f} kB" if t["unit"] == "B" else f"{fmt(value, '')} {t['unit']}"
        verdict = "PASS" if t["pass"] else "MISS"
        base = t.get("baseline")
        against = ""
        if base:
            against = f" ({value / base:.2g}× the previous OCR path's {fmt(base, '')} {t['unit']})"
        lines.append(f"  {verdict}  {t['target']}: {shown}{against}")
    return lines


def _identity_line(top: dict[str, Any]) -> list[str]:
    identical = top.get("ocr_cache_identical")
    if identical is None:
        return []
    verdict = "PASS" if identical else "FAIL"
    lines = [f"  {verdict}  engine OCR with and without its caches identical on the bench screens"]
    rate, float_rate = top.get("ocr_error_rate"), top.get("ocr_error_rate_float")
    if rate is not None and float_rate is not None:
        # Scored on the same screens in one process: a few characters either way is noise.
        verdict = "PASS" if rate <= float_rate * 1.10 else "FAIL"
        lines.append(
            f"  {verdict}  engine OCR (8-bit recogniser) reads the bench screens as well as the "
            f"float one: {rate:.2%} character errors vs {float_rate:.2%}"
        )
    return lines


def build_report(results: dict[str, list[dict[str, Any]]], *, quick: bool) -> dict[str, Any]:
    table = Table()
    top: dict[str, Any] = {}
    _pipeline(table, results.get("pipeline", []), top)
    _console(table, results.get("console_run", []), top)
    _upload(table, results.get("upload", []), top)
    _history(table, results.get("history_open", []), top)
    _engine(table, results.get("engine_load", []), top)
    _screen_truth(table, results.get("screen_truth", []), top)
    targets = _targets(top)
    mode = "quick (CI-sized)" if quick else "full"
    text = "\n".join(
        [
            f"Operator Console bench — {mode}; min / median / max over the runs",
            "",
            render_table(table.figures),
            "",
            "Targets:",
            *_target_lines(targets),
            *_identity_line(top),
        ]
    )
    return {
        "mode": "quick" if quick else "full",
        **{key: top.get(key) for key, *_ in TARGETS},
        "overhead_p50_ms": top.get("overhead_p50_ms"),
        "naive_p50_ms": top.get("naive_p50_ms"),
        "settle_ms_p50": top.get("settle_ms_p50"),
        "extra": {k: v for k, v in top.items() if k not in {t[0] for t in TARGETS}},
        "targets": targets,
        "table": [f.as_dict() for f in table.figures],
        "text": text,
        "workers": results,
    }
