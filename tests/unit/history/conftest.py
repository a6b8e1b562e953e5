"""Fixtures for the history store tests: a store in the test's own folder, real JPEGs."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from console_app.core.records import StepRecord
from console_app.history.store import HistoryStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "history.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[HistoryStore]:
    opened = HistoryStore(db_path)
    yield opened
    opened.close()


def jpeg(seed: int, size: tuple[int, int] = (320, 200)) -> bytes:
    """A small real JPEG, different for every seed."""
    image = Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 200))
    ImageDraw.Draw(image).text((10, 10), f"screen {seed}", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def step(run_id: str, index: int, **fields: Any) -> StepRecord:
    values: dict[str, Any] = {
        "action_type": "click",
        "action": {"type": "click", "x": 10 * index + 5, "y": 20},
        "summary": f"click at ({10 * index + 5}, 20)",
        "decision": "approved",
        "execution": "pending",
        "upload_bytes": 1000,
        "input_tokens": 100,
        "output_tokens": 10,
    }
    values.update(fields)
    return StepRecord(run_id=run_id, index=index, **values)
