"""Errors the engine answers with: always ``{"error": {"message", "type", "code", "param"}}``.

Why one exception type: every refusal (bad JSON, a wrong type, an unknown id, an image that
does not decode, a body that is too large) must reach the client as a 4xx JSON body with a
message a person can act on — never as a 500 or an HTML page. Handlers raise `EngineError`;
the app turns it into the envelope.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from console_app.api.types import ErrorBody, ErrorEnvelope


class EngineError(Exception):
    """A request the engine refuses, with the HTTP status to answer."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str,
        error_type: str = "invalid_request_error",
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.error_type = error_type
        self.param = param

    def envelope(self) -> dict[str, Any]:
        body = ErrorBody(
            message=self.message, type=self.error_type, code=self.code, param=self.param
        )
        return ErrorEnvelope(error=body).model_dump(mode="json")


def bad_request(message: str, *, code: str, param: str | None = None) -> EngineError:
    return EngineError(400, message, code=code, param=param)


def not_found(response_id: str) -> EngineError:
    return EngineError(
        404,
        f"No response with id {response_id!r} (it never existed or was deleted).",
        code="response_not_found",
        error_type="not_found_error",
    )


def from_validation(exc: ValidationError) -> EngineError:
    """A pydantic error → 400 naming the first offending field (the body is never echoed)."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0] if errors else {"loc": (), "msg": "invalid body"}
    where = ".".join(str(part) for part in first["loc"])
    message = f"{where}: {first['msg']}" if where else str(first["msg"])
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    return bad_request(
        f"Invalid request body: {message}{more}", code="invalid_type", param=where or None
    )
