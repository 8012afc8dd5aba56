"""Headers every response carries, API and pages alike: no framing by other sites, no MIME
sniffing, and HSTS when the request came over HTTPS (behind a proxy, run uvicorn with
``--proxy-headers`` so the scheme is the client's)."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=31536000; includeSubDomains"
ALWAYS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}


class SecurityHeaders:
    """A pure ASGI middleware (no per-request task, unlike ``BaseHTTPMiddleware``: the till's
    hot path goes through it too)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers.setdefault(name, value)
                if secure:
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
