"""``marketplace`` — postings from the marketplace, `;`-delimited, one row per line. Prices are
rubles written ``1 234,50``; times are Moscow wall time; the buyer's phone comes masked."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Order, StatusChange
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.order_parts import parse_fulfilment, parse_lines
from omnicrm.ingest.sources.spec import STAGE_ORDERS, Source

MARKETPLACE_ZONE = "Europe/Moscow"
STATUSES = frozenset({"delivered", "cancelled", "returned", "awaiting_delivery"})
PRIORITY = ("awaiting_delivery", "delivered", "returned", "cancelled")


def posting_status(line_statuses: set[str]) -> str:
    """A posting's status from its lines' (the marketplace reports status per line): the common
    one, ``partially_returned`` when some delivered lines came back, else the liveliest."""
    if len(line_statuses) == 1:
        return next(iter(line_statuses))
    if line_statuses == {"delivered", "returned"}:
        return "partially_returned"
    return next(status for status in PRIORITY if status in line_statuses)


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Order:
    f = Fields(raw)
    posting = f.text("posting_number", max_len=128)
    placed_at = f.local("order_date", MARKETPLACE_ZONE, fmt="%d.%m.%Y %H:%M")
    buyer = f.ident("mp_buyer", "buyer_id", required=True)
    mask = f.ident("phone_mask", "buyer_phone")
    name = f.text("buyer_name", required=False)
    fulfilment = parse_fulfilment(f, catalog, kind="delivery_type", store=None, address=None)
    items = f.items("lines")
    statuses = {item.choice("status", STATUSES) for item in items}
    lines = parse_lines(items, catalog, sku="offer_id", price="price", discount=None, major=True)
    f.done()
    return Order(
        source="marketplace",
        source_key=posting,  # type: ignore[arg-type]
        channel="marketplace",
        placed_at=placed_at,  # type: ignore[arg-type]
        status=posting_status(statuses),  # type: ignore[arg-type]
        lines=tuple(lines),  # type: ignore[arg-type]
        fulfilment=fulfilment,  # type: ignore[arg-type]
        status_history=(StatusChange("created", placed_at),),  # type: ignore[arg-type]
        identifiers=idents(buyer, mask),
        contact_name=name,
    )


COLUMNS = (
    "posting_number",
    "order_date",
    "buyer_id",
    "buyer_phone",
    "buyer_name",
    "delivery_type",
    "pickup_point",
    "line_no",
    "offer_id",
    "qty",
    "price",
    "status",
)

SOURCE = Source(
    name="marketplace",
    file_stem="marketplace_orders",
    stage=STAGE_ORDERS,
    validate=validate,
    group_by=("posting_number",),
    line_fields=("line_no", "offer_id", "qty", "price", "status"),
    delimiter=";",
    columns=COLUMNS,
)
