"""Helpers shared by the loyalty tests (a module, so tests can import it; conftest cannot be)."""

from datetime import UTC, datetime

from fastapi import FastAPI
from sqlalchemy import Engine

T0 = datetime(2025, 3, 3, 10, tzinfo=UTC)


def make_app(engine: Engine) -> FastAPI:
    """The product's app; while a sibling router is still missing from the checkout, an app with
    the same error handling and the loyalty router only."""
    try:
        from omnicrm.api.app import create_app

        return create_app(engine)
    except ImportError:  # pragma: no cover - only while the app cannot be assembled
        from omnicrm.api import errors
        from omnicrm.loyalty.router import router

        app = FastAPI()
        app.state.engine = engine
        errors.install(app)
        app.include_router(router, prefix="/api/v1")
        return app


def receipt(
    receipt_id: str,
    account_id: int,
    lines: list[tuple[str, str, int, int]],
    *,
    spend: int = 0,
    terminal: str = "T1",
    at: datetime | None = None,
    **extra,
) -> dict:
    """A receipt body: lines as (sku, category, qty, unit price in minor units)."""
    body = {
        "terminal": terminal,
        "receipt_id": receipt_id,
        "identify": {"kind": "account", "value": str(account_id)},
        "lines": [
            {"line_no": i, "sku": sku, "category": cat, "qty": qty, "price_minor": price}
            for i, (sku, cat, qty, price) in enumerate(lines, start=1)
        ],
        "points_to_spend": spend,
        **extra,
    }
    if at is not None:
        body["occurred_at"] = at.isoformat()
    return body
