"""The FastAPI application: one app, versioned routes under /api/v1, docs at /docs."""

from fastapi import FastAPI
from sqlalchemy import Engine

from omnicrm import __version__, web
from omnicrm.analytics.router import router as analytics_router
from omnicrm.api import docs, errors
from omnicrm.api.deps import requires
from omnicrm.campaigns.outbox_router import receipts_router
from omnicrm.campaigns.outbox_router import router as outbox_router
from omnicrm.customers.journeys_router import router as journeys_router
from omnicrm.customers.router import router as customers_router
from omnicrm.identity.router import router as identity_router
from omnicrm.ingest.router import router as ingest_router
from omnicrm.loyalty.router import router as loyalty_router
from omnicrm.promotions.router import router as promotions_router
from omnicrm.store.db import get_engine

API_PREFIX = "/api/v1"

# Each router with the scope a system's key needs for it. Ingest and loyalty check finer scopes
# per source and per till operation themselves.
ROUTERS = (
    (analytics_router, "analytics:read"),
    (outbox_router, "campaigns:manage"),
    (receipts_router, "campaigns:receipts"),
    (customers_router, "customers:read"),
    (identity_router, "identity:manage"),
    (ingest_router, None),
    (journeys_router, "customers:read"),
    (loyalty_router, None),
    (promotions_router, "promotions:manage"),
)


def create_app(engine: Engine | None = None) -> FastAPI:
    """Assemble the app over ``engine`` (default: the configured database)."""
    app = FastAPI(
        title="omnicrm",
        version=__version__,
        description="Omnichannel CRM and loyalty for retail chains.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.engine = engine or get_engine()
    errors.install(app)
    docs.install(app)
    for router, scope in ROUTERS:
        guards = [requires(scope)] if scope else []
        app.include_router(router, prefix=API_PREFIX, dependencies=guards)
    web.install(app)

    @app.get(f"{API_PREFIX}/health", tags=["system"])
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    return app
