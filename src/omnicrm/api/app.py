"""The FastAPI application: one app, versioned routes under /api/v1, docs at /docs."""

from fastapi import FastAPI
from sqlalchemy import Engine

from omnicrm import __version__, web
from omnicrm.access.key_cache import KeyCache
from omnicrm.access.ratelimit import RateLimits
from omnicrm.analytics.router import router as analytics_router
from omnicrm.api import docs, errors
from omnicrm.api.deps import AUDITED_READ, requires_by_method
from omnicrm.api.limits import RequestLimits
from omnicrm.api.responses import AUTHENTICATED, EVERY_REQUEST
from omnicrm.api.responses import errors as error_responses
from omnicrm.campaigns import unsubscribe_page
from omnicrm.campaigns.outbox_router import receipts_router
from omnicrm.campaigns.outbox_router import router as outbox_router
from omnicrm.campaigns.policy_router import router as policy_router
from omnicrm.campaigns.router import router as campaigns_router
from omnicrm.campaigns.triggers_router import router as triggers_router
from omnicrm.core.settings import get_settings
from omnicrm.customers.journeys_router import router as journeys_router
from omnicrm.customers.router import router as customers_router
from omnicrm.identity.router import router as identity_router
from omnicrm.ingest.router import router as ingest_router
from omnicrm.loyalty.router import router as loyalty_router
from omnicrm.predict.router import router as predict_router
from omnicrm.privacy.router import router as privacy_router
from omnicrm.promotions.router import router as promotions_router
from omnicrm.store.db import get_engine
from omnicrm.surveys import page as survey_page
from omnicrm.surveys.router import router as surveys_router
from omnicrm.wiring import wire

API_PREFIX = "/api/v1"

# Each router with the scopes a system's key needs to read (GET) and to change anything (POST,
# PUT, PATCH, DELETE; None: nothing to change there). Ingest and loyalty check finer scopes per
# source and per till or member operation themselves. Every route of these routers is behind a
# key and behind ``RequestLimits``: both sets of statuses are documented on each; routers and
# routes add what their use cases raise with ``api.responses.errors``.
ROUTERS = (
    (analytics_router, ("analytics:read", "analytics:write")),
    # before the campaigns router: its /campaigns/{code} would take /campaigns/messages
    (outbox_router, ("campaigns:manage", "campaigns:manage")),
    (receipts_router, ("campaigns:receipts", "campaigns:receipts")),
    (policy_router, ("campaigns:read", "campaigns:manage")),  # before /campaigns/{code} too
    (triggers_router, None),  # before campaigns too (/campaigns/triggers); read / write per route
    (campaigns_router, None),  # campaigns:read / campaigns:write per route
    (customers_router, ("customers:read", None)),
    (identity_router, ("identity:manage", "identity:manage")),
    (ingest_router, None),
    (journeys_router, ("customers:read", None)),
    (loyalty_router, None),
    (predict_router, ("predict:read", "predict:write")),
    (privacy_router, ("privacy:manage", "privacy:manage")),
    (promotions_router, ("promotions:manage", "promotions:manage")),
    (surveys_router, None),  # surveys:read / surveys:write, the till's till:survey, per route
)


def create_app(engine: Engine | None = None) -> FastAPI:
    """Assemble the app over ``engine`` (default: the configured database)."""
    app = FastAPI(
        title="omnicrm",
        version=__version__,
        description="Omnichannel CRM and loyalty for retail chains. Every number has documented "
        "bounds, text may hold no control characters, a body is at most 16 MiB; every error "
        "answers in one shape (see the 4xx responses).",
        docs_url=None,
        redoc_url=None,
    )
    wire()
    app.state.engine = engine or get_engine()
    app.state.rate_limits = RateLimits.from_settings(get_settings())
    app.state.keys = KeyCache(get_settings().api_key_cache_seconds)
    errors.install(app)
    docs.install(app)
    shared = error_responses(*AUTHENTICATED, *EVERY_REQUEST)
    for router, scopes in ROUTERS:
        guards = [requires_by_method(*scopes)] if scopes else []
        if router in (customers_router, privacy_router):  # personal data: reads are audited
            guards.append(AUDITED_READ)
        app.include_router(router, prefix=API_PREFIX, dependencies=guards, responses=shared)
    app.include_router(unsubscribe_page.router)  # public: the signed token is the key
    app.include_router(survey_page.router)  # public likewise
    web.install(app)
    app.add_middleware(RequestLimits)

    @app.get(f"{API_PREFIX}/health", tags=["system"], responses=error_responses(*EVERY_REQUEST))
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    return app
