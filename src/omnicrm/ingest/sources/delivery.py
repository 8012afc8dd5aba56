"""``delivery`` — the logistics system's status feed for orders placed on the site, in the app or
by phone. Each row appends to its order's status history; an unknown order is an error."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import StatusUpdate
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields
from omnicrm.ingest.sources.order_parts import ORDER_STATUSES
from omnicrm.ingest.sources.spec import STAGE_AFTER_ORDERS, Source

ORDER_SOURCES = ("web", "app", "callcentre")


def validate(raw: Mapping[str, Any], catalog: Catalog) -> StatusUpdate:
    f = Fields(raw)
    order_ref = f.text("order_ref", max_len=128)
    status = f.choice("status", ORDER_STATUSES)
    at = f.aware("at")
    f.text("carrier", required=False, max_len=100)
    f.text("pickup_point", required=False, max_len=64)
    f.done()
    return StatusUpdate(
        source="delivery",
        source_key=f"{order_ref}/{status}/{at.isoformat()}",  # type: ignore[union-attr]
        order_ref=order_ref,  # type: ignore[arg-type]
        order_sources=ORDER_SOURCES,
        status=status,  # type: ignore[arg-type]
        at=at,  # type: ignore[arg-type]
    )


COLUMNS = (
    "order_ref",
    "status",
    "at",
    "carrier",
    "pickup_point",
)

SOURCE = Source(
    name="delivery",
    file_stem="delivery_status",
    stage=STAGE_AFTER_ORDERS,
    validate=validate,
    columns=COLUMNS,
)
