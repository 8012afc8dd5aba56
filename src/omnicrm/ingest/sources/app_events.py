"""``app_events`` — mobile app events with the device id; phone and card when the user is known.
Times are epoch milliseconds."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Event
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.spec import STAGE_EVENTS, Source

TYPES = frozenset(
    {"app_open", "product_view", "search", "add_to_cart", "remove_from_cart", "push_open"}
)


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Event:
    f = Fields(raw)
    event_id = f.text("event_id", max_len=200)
    ts = f.epoch_ms("ts")
    device = f.ident("device", "device_id", required=True)
    phone = f.ident("phone", "phone")
    card = f.ident("card", "card_no")
    kind = f.choice("type", TYPES)
    product_id = f.product("sku", catalog) if f.get("sku") is not None else None
    query = f.text("query", required=False, max_len=2000)
    f.done()
    return Event(
        source="app_events",
        source_key=event_id,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        channel="app",
        occurred_at=ts,  # type: ignore[arg-type]
        identifiers=idents(device, phone, card),
        attrs={"query": query} if query else {},
        product_id=product_id,
    )


COLUMNS = (
    "event_id",
    "ts",
    "device_id",
    "type",
    "sku",
    "query",
    "phone",
    "card_no",
)

SOURCE = Source(
    name="app_events",
    file_stem="app_events",
    stage=STAGE_EVENTS,
    validate=validate,
    columns=COLUMNS,
)
