"""The staff workstation: server-rendered pages over the same use cases as the API, with sign-in,
roles, CSRF-protected forms, Russian and English. ``install(app)`` adds it to the API app."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from omnicrm.core.settings import get_settings
from omnicrm.web import errors, headers
from omnicrm.web.config import check_production, get_web_settings
from omnicrm.web.pages import (
    admin,
    analytics,
    audiences,
    auth,
    campaign_operations,
    campaigns,
    customers,
    finance,
    identity,
    identity_controls,
    loyalty,
    predictions,
    privacy,
    promotions,
    sending_policy,
    surveys,
    triggers,
)
from omnicrm.web.rendering import error_page

STATIC = Path(__file__).with_name("static")
ROUTERS = (
    auth.router,
    customers.router,
    identity_controls.router,  # before identity: its /review/{id}/{decision} is broader
    identity.router,
    loyalty.router,
    finance.router,
    promotions.router,
    analytics.router,
    admin.router,
    privacy.router,
    surveys.router,
    predictions.router,
    audiences.router,
    sending_policy.router,  # before campaigns: its /campaigns/{code} would take /policy
    campaigns.router,
    campaign_operations.router,
    triggers.router,
)


def install(app: FastAPI) -> None:
    """Mount the pages, their static files and the session cookie on ``app``; in production,
    refuse to start with an unsafe session secret."""
    settings, production = get_web_settings(), get_settings().production
    check_production(settings, production)
    app.add_middleware(headers.SecurityHeaders)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret,
        session_cookie="omnicrm_session",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies or production,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)
    errors.install(app, error_page)
