"""Errors of the Responses client: a small tree, so callers catch what they can act on.

::

    APIError                         anything that went wrong talking to the API
    ├── APIConnectionError           no (complete) answer: refused, reset, DNS, cut stream
    │   ├── APITimeoutError          connect or read timed out
    │   └── APIStreamIncompleteError the SSE stream ended before a terminal event
    ├── APIStatusError               the server answered with a non-2xx status
    │   ├── BadRequestError          400
    │   ├── AuthenticationError      401
    │   ├── PermissionDeniedError    403
    │   ├── NotFoundError            404
    │   ├── MethodNotAllowedError    405 (e.g. a backend without DELETE)
    │   ├── ConflictError            409 (e.g. cancel of a finished response)
    │   ├── PayloadTooLargeError     413
    │   ├── UnprocessableEntityError 422
    │   ├── RateLimitError           429
    │   └── ServerError              5xx
    ├── APIStreamError               the server sent an ``error`` event in a stream
    └── APIResponseValidationError   a 2xx body that is not a response we can read

Why: the agent loop pauses on connection trouble but stops on authentication errors; history
offers local removal on 404/405; the UI shows ``message`` in plain words and the request id
one click away. Every message passes through `redact`, so no error text can carry the API key.
"""

from __future__ import annotations

from typing import Any

from console_app.core.redact import redact


class APIError(Exception):
    """Base of every client error. ``message`` is safe to show (secrets redacted)."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        self.message = redact(message)
        # A request id comes from a response header: a server could echo anything there.
        self.request_id = redact(request_id) if request_id else request_id
        super().__init__(self.message)

    def user_text(self) -> str:
        """A sentence for the message bar."""
        return self.message


class APIConnectionError(APIError):
    def user_text(self) -> str:
        return f"Could not reach the API: {self.message}"


class APITimeoutError(APIConnectionError):
    def user_text(self) -> str:
        return f"The API did not answer in time: {self.message}"


class APIStreamIncompleteError(APIConnectionError):
    def user_text(self) -> str:
        return f"The response stream ended early: {self.message}"


class APIStreamError(APIError):
    def __init__(self, message: str, *, code: Any = None, request_id: str | None = None):
        super().__init__(message, request_id=request_id)
        self.code = code

    def user_text(self) -> str:
        return f"The server reported an error while streaming: {self.message}"


class APIResponseValidationError(APIError):
    def user_text(self) -> str:
        return f"The API sent a response the console cannot read: {self.message}"


class APIStatusError(APIError):
    """The server answered, with an error status. ``body`` is the parsed JSON (redacted)."""

    status_code: int = 0

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None = None,
        body: Any = None,
        error_type: str | None = None,
        code: Any = None,
    ) -> None:
        super().__init__(message, request_id=request_id)
        self.status_code = status_code
        self.body = body
        self.error_type = error_type
        self.code = code

    def user_text(self) -> str:
        return f"The API refused the request ({self.status_code}): {self.message}"


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    def user_text(self) -> str:
        return f"The API key was not accepted ({self.status_code}): {self.message}"


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class MethodNotAllowedError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class PayloadTooLargeError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    def user_text(self) -> str:
        return f"The API is rate limiting requests ({self.status_code}): {self.message}"


class ServerError(APIStatusError):
    def user_text(self) -> str:
        return f"The API had an internal error ({self.status_code}): {self.message}"


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status_code: int) -> type[APIStatusError]:
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, APIStatusError)
