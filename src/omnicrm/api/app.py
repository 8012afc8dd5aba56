"""The FastAPI application: one app, versioned routes under /api/v1, docs at /docs."""

from fastapi import FastAPI
from sqlalchemy import Engine

from omnicrm import __version__
from omnicrm.api import docs, errors
from omnicrm.customers.journeys_router import router as journeys_router
from omnicrm.customers.router import router as customers_router
from omnicrm.identity.router import router as identity_router
from omnicrm.ingest.router import router as ingest_router
from omnicrm.loyalty.router import router as loyalty_router
from omnicrm.store.db import get_engine

API_PREFIX = "/api/v1"


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
    for router in (
        customers_router,
        identity_router,
        ingest_router,
        journeys_router,
        loyalty_router,
    ):
        app.include_router(router, prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/health", tags=["system"])
    def health() -> dict:
        return {"status": "ok", "version": __version__}

    return app
