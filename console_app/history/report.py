"""Export one run as a self-contained HTML report and a JSON file.

The HTML needs nothing but a browser: styles are inline, each screenshot is a ``data:`` URL,
and each action is an inline SVG drawn over its screenshot (``overlay.py``: the console's shapes
and wording). Per step it shows what the model proposed, the decision, feedback, execution
result, timings, tokens and upload size; the run's final result is at the top. The JSON
carries the same facts for scripts (images are named by their SHA-256, not embedded).

Neither file can carry a key: every value is scrubbed again on the way out (``scrub.py``), on
top of the scrubbing the store already did on the way in, and auth-looking fields are dropped;
typed secrets (API-key shapes, card numbers, the user's patterns) become ``[SECRET]``.

``include_screenshots=False`` (``runs export --no-screenshots``) leaves every screenshot out:
the HTML says where one was, the JSON names no image.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from console_app import __version__
from console_app.history.models import HistoryError, RunSummary, StoredStep
from console_app.history.overlay import overlay_svg
from console_app.history.scrub import scrub, scrub_obj
from console_app.history.store import HistoryStore

REPORT_FORMAT = "operator-console-run-report"
REPORT_VERSION = 1

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1c1c1e}
h1{margin:0 0 4px}h2{font-size:17px;margin:0 0 8px}.task{font-size:16px;margin:4px 0 16px}
table.meta{border-collapse:collapse;margin-bottom:16px}
table.meta td{padding:2px 14px 2px 0;vertical-align:top}table.meta td:first-child{color:#6c6c70}
.result{background:#f2f2f7;border-radius:8px;padding:12px 16px;margin-bottom:24px}
.step{border-top:1px solid #d1d1d6;padding:18px 0}
.shot{position:relative;display:inline-block;max-width:100%;line-height:0}
.shot img{max-width:100%;height:auto;display:block;border:1px solid #d1d1d6}
.shot svg.overlay{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none}
.overlay line,.overlay circle,.overlay polyline,.overlay rect{vector-effect:non-scaling-stroke}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:10px 0}
dt{color:#6c6c70}dd{margin:0;white-space:pre-wrap}
.badge{font-size:12px;border-radius:10px;padding:1px 8px;margin-left:6px;color:white;
background:#8e8e93}.ok{background:#34c759}.no{background:#ff3b30}.warn{background:#ff9500}
pre{background:#f2f2f7;padding:8px;overflow:auto;font-size:12px;white-space:pre-wrap}
footer{color:#6c6c70;font-size:12px;margin-top:24px}
"""
_BADGE = {
    "approved": "ok", "auto_approved": "ok", "edited": "warn", "final": "ok", "done": "ok",
    "succeeded": "ok", "rejected": "no", "blocked": "no", "invalid": "no", "failed": "no",
    "refused": "no", "error": "no", "interrupted": "warn", "stopped": "warn", "skipped": "warn",
    "stale": "warn",
}  # fmt: skip


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    json: Path


def export_run(
    store: HistoryStore, run_id: str, out_dir: Path, *, include_screenshots: bool = True
) -> ReportFiles:
    """Write ``<run_id>.html`` and ``<run_id>.json`` into ``out_dir``; returns their paths."""
    run = store.get_run(run_id)
    if run is None:
        raise HistoryError(f"no run {run_id!r} in the history")
    steps = store.steps_of(run_id)
    images = (
        {step.index: store.load_screenshot(step) for step in steps} if include_screenshots else {}
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    files = ReportFiles(
        out_dir / f"{_safe_name(run_id)}.html", out_dir / f"{_safe_name(run_id)}.json"
    )
    files.html.write_text(
        render_html(run, steps, images, include_screenshots=include_screenshots),
        encoding="utf-8",
    )
    data = report_data(run, steps, include_screenshots=include_screenshots)
    files.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return files


def report_data(
    run: RunSummary, steps: list[StoredStep], *, include_screenshots: bool = True
) -> dict[str, Any]:
    """The JSON report (already scrubbed)."""
    left_out = {"screenshot", "screenshot_path"}
    if not include_screenshots:
        left_out |= {"screenshot_sha256", "screenshot_mime"}
    step_dicts = [step.model_dump(mode="json", exclude=left_out) for step in steps]
    data = {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "exported_at": datetime.now(UTC).isoformat(),
        "exported_by": f"operator-console {__version__}",
        "run": {**run.model_dump(mode="json"), "duration_s": run.duration_s},
        "final_result": run.result,
        "screenshots_included": include_screenshots,
        "steps": step_dicts,
    }
    cleaned: dict[str, Any] = scrub_obj(data)
    return cleaned


def render_html(
    run: RunSummary,
    steps: list[StoredStep],
    images: dict[int, bytes | None],
    *,
    include_screenshots: bool = True,
) -> str:
    """The HTML report (every text value scrubbed and escaped)."""
    tokens = f"{run.input_tokens} in / {run.output_tokens} out"
    meta = [
        ("Run", run.run_id), ("Status", run.status), ("Profile", run.profile),
        ("Backend", run.backend), ("Model", run.model or "—"),
        ("Started", _time(run.started_at)), ("Ended", _time(run.ended_at)),
        ("Duration", _seconds(run.duration_s)), ("Steps", str(run.step_count)),
        ("Tokens", tokens), ("Uploaded", _bytes(run.upload_bytes)),
    ]  # fmt: skip
    rows = "".join(f"<tr><td>{_t(k)}</td><td>{_t(v)}</td></tr>" for k, v in meta)
    body = [
        "<header><h1>Run report</h1>",
        f'<p class="task">{_t(run.task)}</p><table class="meta">{rows}</table></header>',
        '<section class="result"><h2>Final result'
        f"{_badge(run.status)}</h2><p>{_t(run.result or 'no result recorded')}</p></section>",
        '<section class="steps">',
        *(_step_html(run, step, images.get(step.index), include_screenshots) for step in steps),
        "</section>",
        f"<footer>Exported by Operator Console {_t(__version__)} on "
        f"{_t(_time(datetime.now(UTC)))}. API keys, tokens and auth headers are never included."
        "</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Run {_t(run.run_id)} — {_t(run.task[:80])}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _step_html(
    run: RunSummary, step: StoredStep, image: bytes | None, include_screenshots: bool = True
) -> str:
    action = scrub_obj(step.action) if step.action else None
    edited = scrub_obj(step.edited_action) if step.edited_action else None
    title = step.summary or step.action_type or "step"
    parts = [
        f'<article class="step" id="step-{step.index}">',
        f"<h2>Step {step.index + 1}: {_t(title)}{_badge(step.decision)}</h2>",
    ]
    if not include_screenshots:
        parts.append('<p class="noshot">Screenshot left out of this export.</p>')
    elif image:
        size = step.viewport or _image_size(image)
        mime = step.screenshot_mime or "image/jpeg"
        data_url = f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"
        svg = (
            overlay_svg(
                action,
                size,
                normalized=run.coordinates == "normalized",
                edited=edited,
            )
            if size
            else ""
        )
        dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
        parts.append(
            f'<div class="shot"><img src="{data_url}" alt="Screen sent with step '
            f'{step.index + 1}"{dims}>{svg}</div>'
        )
    t = step.timings
    facts = [
        ("Decision", step.decision),
        ("Feedback", step.feedback),
        ("Execution", f"{step.execution}: {step.execution_detail}".rstrip(": ")),
        ("Not executable", step.action_error),
        ("Safety checks acknowledged", ", ".join(step.acknowledged_safety_checks) or None),
        ("Timings", " · ".join(
            f"{name} {_ms(value)}"
            for name, value in (("capture", t.capture_ms), ("encode", t.encode_ms),
                                ("model", t.model_ms), ("decision", t.decision_ms),
                                ("execute", t.execute_ms), ("settle", t.settle_ms))
            if value is not None
        ) or None),
        ("Tokens", _tokens(step)),
        ("Uploaded", _bytes(step.upload_bytes) if step.upload_bytes else None),
        ("Response", step.response_id), ("Call", step.call_id),
        ("Model said", step.message or None), ("Reasoning", step.reasoning or None),
    ]  # fmt: skip
    items = "".join(f"<dt>{_t(k)}</dt><dd>{_t(v)}</dd>" for k, v in facts if v)
    parts.append(f"<dl>{items}</dl>")
    for label, value in (
        ("Proposed action", action),
        ("Edited action (what ran)", edited),
        ("Raw action from the server", scrub_obj(step.raw_action) if step.raw_action else None),
    ):
        if value:
            text = json.dumps(value, indent=2, ensure_ascii=False)
            parts.append(f"<details><summary>{_t(label)}</summary><pre>{_t(text)}</pre></details>")
    parts.append("</article>")
    return "".join(parts)


def _image_size(image: bytes) -> tuple[int, int] | None:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(image)) as img:
            return int(img.width), int(img.height)
    except Exception:  # an unreadable image is still shown, just without overlay
        return None


def _t(value: object) -> str:
    return html.escape(scrub(str(value)))


def _badge(value: str) -> str:
    return f'<span class="badge {_BADGE.get(value, "")}">{_t(value.replace("_", " "))}</span>'


def _time(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} s"


def _ms(value: float) -> str:
    return f"{value:.0f} ms"


def _bytes(value: int) -> str:
    return f"{value / 1024:.1f} KiB" if value >= 1024 else f"{value} B"


def _tokens(step: StoredStep) -> str | None:
    if step.input_tokens is None and step.output_tokens is None:
        return None
    return f"{step.input_tokens or 0} in / {step.output_tokens or 0} out"


def _safe_name(run_id: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in run_id) or "run"
