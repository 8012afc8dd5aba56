"""Limits every request meets before any route sees it: a body size (413) and text without control
characters in the path, the query and JSON or form bodies (422 naming the field), both in the one
error shape. A middleware, so routes added later (any package's) are covered with no code of
their own."""

import json
import re
from collections.abc import Iterator
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnicrm.api.errors import error_body
from omnicrm.core.bounds import text_problem, text_problems

MAX_BODY_BYTES = 16 * 1024 * 1024
"""The largest request body taken: room for a full offline upload (1000 receipts) or an ingest
batch (1000 records), far below what would strain a worker."""

_MAYBE_CONTROL = re.compile(rb"\\[ubf]|[\x7f]|\xc2[\x80-\x9f]")
"""What a JSON body must contain to hold a control character or a lone surrogate in a string
(raw control bytes are not valid JSON): bodies without it, such as nearly every till call,
skip the second parse."""


def _query_problems(scope: Scope) -> Iterator[tuple[str, str]]:
    path_problem = text_problem(scope["path"])
    if path_problem is not None:
        yield "path", path_problem
    query = scope.get("query_string", b"").decode("utf-8", "replace")
    for name, value in parse_qsl(query, keep_blank_values=True):
        for text in (name, value):
            if (problem := text_problem(text)) is not None:
                yield f"query.{name}", problem


def _body_problems(content_type: str, body: bytes) -> Iterator[tuple[str, str]]:
    if content_type.startswith("application/json"):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:  # FastAPI would answer a bare 400
            yield "body", f"not UTF-8: byte {exc.start}"
            return
        if _MAYBE_CONTROL.search(body):
            try:
                parsed = json.loads(body)
            except ValueError:
                return  # the route's own validation names the broken JSON
            yield from text_problems(parsed)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
            for text in (name, value):
                if (problem := text_problem(text)) is not None:
                    yield name, problem


def _invalid(problems: list[tuple[str, str]]) -> JSONResponse:
    details = [{"field": field, "message": message} for field, message in problems]
    return JSONResponse(error_body("invalid_request", "request is not valid", details), 422)


def _too_large(limit: int) -> JSONResponse:
    message = f"request body is larger than {limit} bytes"
    return JSONResponse(
        error_body("payload_too_large", message, [{"field": "body", "message": message}]), 413
    )


class RequestLimits:
    """ASGI middleware enforcing :data:`MAX_BODY_BYTES` and text without control characters."""

    def __init__(self, app: ASGIApp, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problems = list(_query_problems(scope))
        if problems:
            await _invalid(problems)(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await _too_large(self.max_body_bytes)(scope, receive, send)
            return
        body, more = bytearray(), True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message]), send)
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body_bytes:
                await _too_large(self.max_body_bytes)(scope, receive, send)
                return
        problems = list(_body_problems(headers.get("content-type", ""), bytes(body)))
        if problems:
            await _invalid(problems)(scope, receive, send)
            return
        await self.app(
            scope, _replay([{"type": "http.request", "body": bytes(body)}], receive), send
        )


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A ``receive`` giving ``messages`` first, then (for disconnects) ``then``'s."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()

    return receive
