"""The error statuses a route can answer, documented in its OpenAPI ``responses`` with the one
error shape (``api.errors``). Routes and routers pass ``responses=errors(404, 409)`` for what
their use cases raise; ``api.app`` adds what the shared machinery answers everywhere."""

from pydantic import BaseModel

from omnicrm.api.limits import MAX_BODY_BYTES


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail]


class ErrorOut(BaseModel):
    """Every 4xx answer: ``{"error": {"code", "message", "details": [{"field", "message"}]}}``."""

    error: ErrorInfo


DESCRIPTIONS = {
    400: "The request cannot be answered as asked (the message says why)",
    401: "No API key, or an unknown or revoked one (X-API-Key)",
    403: "The key lacks the scope, or the account's state forbids the operation",
    404: "Something the request names does not exist",
    409: "The request conflicts with what is stored (taken, already done, retried differently)",
    413: f"The request body is larger than {MAX_BODY_BYTES} bytes",
    422: "A parameter or field is invalid: out of its documented bounds, of the wrong type, or "
    "text with a control character; details name each field",
    429: "Too many requests; retry later",
}

AUTHENTICATED = (401, 403)
"""What a route behind an API key answers when the key is missing or lacks the scope."""
EVERY_REQUEST = (413, 422)
"""What ``api.limits`` answers for any request (body size, control characters)."""


def errors(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI ``responses`` for ``statuses``, each with the one error shape."""
    return {status: {"model": ErrorOut, "description": DESCRIPTIONS[status]} for status in statuses}
