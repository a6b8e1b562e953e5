"""The self-test's OCR check says why the engine gave no answer (not just "status failed")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from console_app.api.types.response import Response
from console_app.ui.self_test import _ocr_check


class FailingEngine:
    async def create(self, **_: Any) -> Response:
        return Response.model_validate(
            {
                "id": "resp_1",
                "status": "failed",
                "output": [],
                "error": {"message": "the OCR models could not be loaded (missing file)"},
            }
        )


def test_a_failed_response_names_the_engine_error() -> None:
    with pytest.raises(RuntimeError) as raised:
        asyncio.run(_ocr_check(FailingEngine(), "data:image/png;base64,", "OPERATOR"))  # type: ignore[arg-type]
    message = str(raised.value)
    assert "status failed" in message
    assert "the OCR models could not be loaded (missing file)" in message
