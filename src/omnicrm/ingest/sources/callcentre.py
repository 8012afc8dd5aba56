"""``callcentre`` — orders taken by phone, one CSV row per line; the caller number is the PBX's."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Order, StatusChange
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.order_parts import parse_fulfilment, parse_lines
from omnicrm.ingest.sources.postal import PARTS, order_address
from omnicrm.ingest.sources.spec import STAGE_ORDERS, Source


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Order:
    f = Fields(raw)
    order_ref = f.text("order_ref", max_len=128)
    created_at = f.aware("created_at")
    phone = f.ident("phone", "caller_number")
    name = f.text("customer_name", required=False)
    fulfilment = parse_fulfilment(f, catalog, kind="delivery_type", pickup_point=None)
    address = order_address(f, fulfilment.address if fulfilment else None)
    lines = parse_lines(f.items("lines"), catalog)
    f.done()
    return Order(
        source="callcentre",
        source_key=order_ref,  # type: ignore[arg-type]
        channel="call_centre",
        placed_at=created_at,  # type: ignore[arg-type]
        status="created",
        lines=tuple(lines),  # type: ignore[arg-type]
        fulfilment=fulfilment,  # type: ignore[arg-type]
        status_history=(StatusChange("created", created_at),),  # type: ignore[arg-type]
        identifiers=idents(phone),
        contact_name=name,
        address=address,
    )


COLUMNS = (
    "order_ref",
    "created_at",
    "caller_number",
    "customer_name",
    "delivery_type",
    "store_code",
    "address",
    "line_no",
    "sku",
    "qty",
    "price_minor",
    "discount_minor",
)

SOURCE = Source(
    name="callcentre",
    file_stem="call_centre_orders",
    stage=STAGE_ORDERS,
    validate=validate,
    group_by=("order_ref",),
    line_fields=("line_no", "sku", "qty", "price_minor", "discount_minor"),
    columns=COLUMNS,
    optional_columns=PARTS,
)
