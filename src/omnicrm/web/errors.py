"""How pages fail: a person not signed in goes to the sign-in page, a role without the right gets
a 403 page, a form with a stale CSRF token changes nothing; and domain errors raised under a page
(an unknown customer) render as pages, while the API keeps its JSON error shape."""

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from omnicrm.core.errors import OmnicrmError

PAGE_TAG = "pages"
"""Tag of every page route (they are left out of the OpenAPI schema)."""


class SignInRequired(Exception):
    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


class PageDenied(Exception):
    """The viewer's role lacks a permission."""


class FormExpired(Exception):
    """The form's CSRF token is missing or is not this session's."""


Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_page(request: Request) -> bool:
    """A request to a page, or a browser navigation outside the API that matched nothing."""
    route = request.scope.get("route")
    if route is not None:
        return PAGE_TAG in (getattr(route, "tags", None) or [])
    accepts_html = "text/html" in request.headers.get("accept", "")
    return accepts_html and not request.url.path.startswith("/api/")


def install(app: FastAPI, error_page: Callable[[Request, int, str], Response]) -> None:
    """Register the page handlers; ``error_page(request, status, message_id)`` renders one."""

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.path)}", status_code=303)

    @app.exception_handler(PageDenied)
    async def _denied(request: Request, _: PageDenied) -> Response:
        return error_page(request, 403, "Your role does not give access to this page")

    @app.exception_handler(FormExpired)
    async def _expired(request: Request, _: FormExpired) -> Response:
        return error_page(request, 403, "The form has expired. Go back, reload the page and retry")

    for exc_class in (OmnicrmError, HTTPException):
        _render_for_pages(app, exc_class, error_page)


def _render_for_pages(app: FastAPI, exc_class: type, error_page: Callable) -> None:
    """Wrap the API's handler of ``exc_class``: pages get an HTML page, the API its JSON."""
    api_handler: Handler = app.exception_handlers[exc_class]

    async def handler(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return await api_handler(request, exc)
        status = getattr(exc, "status", None) or getattr(exc, "status_code", 500)
        return error_page(request, status, "Not found" if status == 404 else "Request failed")

    app.add_exception_handler(exc_class, handler)
