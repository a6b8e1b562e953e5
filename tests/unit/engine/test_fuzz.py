"""Fuzz the live engine: no 500s, documented statuses and shapes, and it stays up.

Two generators: schemathesis derives requests from the engine's own OpenAPI document (so
bodies are mostly *valid* shapes with odd values), and hypothesis throws arbitrary JSON at
``POST /v1/responses`` (mostly *invalid* shapes). Both run against the real server over HTTP.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from console_app.engine.openapi import build_openapi
from tests.unit.engine.helpers import RunningEngine

SCHEMA = schemathesis.openapi.from_dict(build_openapi())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@SCHEMA.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_openapi_operations(case: schemathesis.Case, engine: RunningEngine) -> None:
    response = case.call(base_url=engine.base_url, headers=engine.headers, timeout=30)
    case.validate_response(response, checks=CHECKS)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
field_names = st.sampled_from(
    [
        "input",
        "model",
        "instructions",
        "previous_response_id",
        "tools",
        "stream",
        "background",
        "metadata",
        "temperature",
        "top_p",
        "max_output_tokens",
        "truncation",
    ]
)
bodies = st.dictionaries(field_names, json_values, max_size=6) | json_values


@given(body=bodies)
@settings(
    max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)
def test_arbitrary_json_bodies_never_500(engine: RunningEngine, body: Any) -> None:
    with engine.client(timeout=30) as client:
        response = client.post(
            "/v1/responses",
            content=json.dumps(body).encode(),
            headers={"content-type": "application/json"},
        )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()["error"]) >= {"message", "type", "code"}


def test_the_server_is_still_healthy_after_fuzzing(engine: RunningEngine) -> None:
    with httpx.Client(base_url=engine.base_url, headers=engine.headers) as client:
        assert client.get("/health").status_code == 200
        assert client.post("/v1/responses", json={"input": "press enter"}).status_code == 200
