"""The engine's OpenAPI 3.1 document, generated from the shared pydantic models.

Why generated: the request and response models in ``api/types`` are the single definition of
the protocol (the console's client parses with them, the engine validates with them), so the
document cannot drift from what the server accepts. It is served at ``GET /openapi.json``
(without auth: it holds no data) and shipped as ``console_app/engine/openapi.json``;
``python -m console_app.engine.openapi`` rewrites that file and a test checks it is current.

Unions are written as ``anyOf``: the models pick a branch by ``type`` (with a catch-all for
unknown types), so a value may match more than one branch, which ``oneOf`` would forbid.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from console_app import __version__
from console_app.api.types import CreateParams, DeleteResult, ErrorEnvelope, Response

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")
_REF = "#/components/schemas/{model}"


def _any_of(node: Any) -> Any:
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_any_of(v) for v in node]
    return node


_SSE_EVENT: dict[str, Any] = {
    "description": "One server-sent event (OpenAPI 3.1: the schema describes each event). "
    "`data` is the JSON event object; its `type` repeats `event` and it carries a "
    "`sequence_number`; the terminal event's `response` is the full Response.",
    "type": "object",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string"},
        "data": {"type": "string", "contentMediaType": "application/json"},
        "id": {"type": "string"},
        "retry": {"type": "integer"},
    },
}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "Malformed JSON, a wrong type, an unknown previous_response_id, an undecodable "
        "image, an unknown model",
        401: "Missing or wrong bearer token",
        404: "No such response (never existed or deleted)",
        409: "The response is not in_progress, so it cannot be cancelled",
        413: "The body is larger than 20 MB",
    }
    return {
        str(s): {"description": reasons[s], "content": _json("ErrorEnvelope")} for s in statuses
    }


def _id_parameter() -> list[dict[str, Any]]:
    return [{"name": "response_id", "in": "path", "required": True, "schema": {"type": "string"}}]


def build_openapi() -> dict[str, Any]:
    _, defs = models_json_schema(
        [
            (CreateParams, "validation"),
            (Response, "serialization"),
            (DeleteResult, "serialization"),
            (ErrorEnvelope, "serialization"),
        ],
        ref_template=_REF,
    )
    schemas = _any_of(defs["$defs"])
    response_ok = {
        "description": "The response object (Lightcone shape)",
        "content": _json("Response"),
    }
    paths: dict[str, Any] = {
        "/health": {
            "get": {
                "operationId": "health",
                "summary": "Liveness check used by the console's launcher",
                "responses": {
                    "200": {
                        "description": "The engine is up",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **_errors(401),
                },
            }
        },
        "/v1/responses": {
            "post": {
                "operationId": "createResponse",
                "summary": "Create a response: the next action of the command-language task",
                "requestBody": {"required": True, "content": _json("CreateParams")},
                "responses": {
                    "200": {
                        "description": "The response (JSON), or server-sent events when "
                        "stream=true",
                        "content": {
                            **_json("Response"),
                            "text/event-stream": {"schema": _SSE_EVENT},
                        },
                    },
                    **_errors(400, 401, 413),
                },
            }
        },
        "/v1/responses/{response_id}": {
            "parameters": _id_parameter(),
            "get": {
                "operationId": "retrieveResponse",
                "summary": "Retrieve a response",
                "parameters": [
                    {"name": "stream", "in": "query", "schema": {"type": "boolean"}},
                    {"name": "starting_after", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": response_ok, **_errors(400, 401, 404)},
            },
            "delete": {
                "operationId": "deleteResponse",
                "summary": "Delete a response",
                "responses": {
                    "200": {"description": "Deleted", "content": _json("DeleteResult")},
                    **_errors(401, 404),
                },
            },
        },
        "/v1/responses/{response_id}/cancel": {
            "parameters": _id_parameter(),
            "post": {
                "operationId": "cancelResponse",
                "summary": "Cancel an in_progress response",
                "responses": {"200": response_ok, **_errors(401, 404, 409)},
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Operator Console local engine",
            "version": __version__,
            "description": "A loopback Responses API server (Lightcone dialect) whose model is "
            "a deterministic, OCR-grounded instruction follower. Every path except "
            "/openapi.json needs Authorization: Bearer <token>.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def render() -> str:
    return json.dumps(build_openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    DOCUMENT_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
