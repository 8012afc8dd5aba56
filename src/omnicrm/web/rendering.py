"""Jinja2 pages: the layout gets the viewer, their menu, language, CSRF token and messages; filters
format money, numbers and times for the viewer's language; every page carries headers that keep
personal data out of caches and other sites' frames (with ``headers.SecurityHeaders``)."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from omnicrm.web import formatting
from omnicrm.web.config import get_web_settings
from omnicrm.web.i18n import LANGUAGES, label, problem, translate
from omnicrm.web.navigation import menu_for
from omnicrm.web.sessions import CSRF_FIELD, Viewer, csrf_token, lang_of, pop_flashes

TEMPLATES = Jinja2Templates(directory=Path(__file__).with_name("templates"))

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _lang(ctx: Context) -> str:
    return ctx["lang"]


@pass_context
def _translate(ctx: Context, message: str, **params: Any) -> str:
    return translate(_lang(ctx), message, **params)


@pass_context
def _label(ctx: Context, group: str, value: str | None) -> str:
    return label(_lang(ctx), group, value)


@pass_context
def _problem(ctx: Context, message: str) -> str:
    return problem(_lang(ctx), message)


@pass_context
def _money(ctx: Context, minor: int | None, currency: str = "RUB") -> str:
    return formatting.money(minor, _lang(ctx), currency)


@pass_context
def _number(ctx: Context, value: float, decimals: int = 0) -> str:
    return formatting.number(value, _lang(ctx), decimals)


@pass_context
def _percent(ctx: Context, share: float | None, decimals: int = 1) -> str:
    return formatting.percent(share, _lang(ctx), decimals)


@pass_context
def _rate(ctx: Context, pct: Any) -> str:
    return formatting.rate(pct, _lang(ctx))


@pass_context
def _day(ctx: Context, value: Any) -> str:
    return formatting.day(value, _lang(ctx))


@pass_context
def _moment(ctx: Context, value: Any) -> str:
    return formatting.moment(value, _lang(ctx), get_web_settings().zone)


TEMPLATES.env.globals.update(_=_translate, label=_label, problem=_problem, CSRF_FIELD=CSRF_FIELD)
TEMPLATES.env.filters.update(
    money=_money, num=_number, pct=_percent, rate=_rate, day=_day, moment=_moment
)


def _here(request: Request) -> str:
    """This page's path and query: where the language switch comes back to."""
    query = request.url.query
    return f"{request.url.path}?{query}" if query else request.url.path


def render(
    request: Request, name: str, viewer: Viewer | None, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """Render page ``name`` for ``viewer`` (None on the sign-in and error pages)."""
    base = {
        "viewer": viewer,
        "menu": menu_for(viewer.role) if viewer else [],
        "lang": lang_of(request),
        "languages": LANGUAGES,
        "csrf_token": csrf_token(request),
        "flashes": pop_flashes(request),
        "path": request.url.path,
        "here": _here(request),
    }
    return TEMPLATES.TemplateResponse(
        request, name, {**base, **context}, status_code=status, headers=HEADERS
    )


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", None, status=status, code=status, message=message)
