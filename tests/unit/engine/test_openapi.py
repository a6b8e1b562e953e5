"""The shipped OpenAPI document is current and matches what the server serves and routes."""

from __future__ import annotations

import json

import httpx

from console_app.engine.openapi import DOCUMENT_PATH, build_openapi, render
from tests.unit.engine.helpers import RunningEngine


def test_the_shipped_document_is_current() -> None:
    assert DOCUMENT_PATH.read_text(encoding="utf-8") == render(), (
        "console_app/engine/openapi.json is stale: run python -m console_app.engine.openapi"
    )


def test_served_without_auth_and_equal_to_the_shipped_file(engine: RunningEngine) -> None:
    served = httpx.get(f"{engine.base_url}/openapi.json").json()
    assert served == json.loads(DOCUMENT_PATH.read_text(encoding="utf-8"))


def test_the_document_covers_every_route_and_the_shared_models() -> None:
    document = build_openapi()
    assert set(document["paths"]) == {
        "/health",
        "/v1/responses",
        "/v1/responses/{response_id}",
        "/v1/responses/{response_id}/cancel",
    }
    operations = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    assert operations == {
        ("/health", "get"),
        ("/v1/responses", "post"),
        ("/v1/responses/{response_id}", "get"),
        ("/v1/responses/{response_id}", "delete"),
        ("/v1/responses/{response_id}/cancel", "post"),
    }
    schemas = document["components"]["schemas"]
    for name in ("CreateParams", "Response", "DeleteResult", "ErrorEnvelope", "ComputerTool"):
        assert name in schemas
    assert document["security"] == [{"bearer": []}]
    assert "oneOf" not in json.dumps(document)
