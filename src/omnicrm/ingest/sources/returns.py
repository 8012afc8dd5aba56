"""``returns`` — online returns from the order management system, one row per returned line."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Return, ReturnLine
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields
from omnicrm.ingest.sources.spec import STAGE_AFTER_ORDERS, Source

ORDER_SOURCES = ("web", "app", "callcentre", "marketplace")


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Return:
    f = Fields(raw)
    return_id = f.text("return_id", max_len=128)
    order_ref = f.text("order_ref", max_len=128)
    returned_at = f.aware("returned_at")
    store = f.store("store_code", catalog, required=False)
    lines = []
    seen: set[int] = set()
    reasons: dict[str, None] = {}  # ordered and unique
    for item in f.items("lines"):
        reason = item.text("reason", required=False)
        if reason:
            reasons[reason] = None
        line_no = item.integer("line_no", minimum=1)
        qty = item.integer("qty", minimum=1)
        amount = item.minor("amount_minor")
        if line_no in seen:
            item.fail("line_no", f"order line {line_no} is returned twice in one return")
        seen.add(line_no)  # type: ignore[arg-type]
        lines.append(ReturnLine(len(lines) + 1, order_ref, line_no, qty, amount))  # type: ignore[arg-type]
    f.done()
    return Return(
        source="returns",
        source_key=return_id,  # type: ignore[arg-type]
        returned_at=returned_at,  # type: ignore[arg-type]
        lines=tuple(lines),
        order_sources=ORDER_SOURCES,
        store_id=store.id if store else None,
        reason="; ".join(reasons)[:200] or None,
    )


COLUMNS = (
    "return_id",
    "order_ref",
    "line_no",
    "qty",
    "amount_minor",
    "reason",
    "returned_at",
    "store_code",
)

SOURCE = Source(
    name="returns",
    file_stem="returns",
    stage=STAGE_AFTER_ORDERS,
    validate=validate,
    group_by=("return_id",),
    line_fields=("line_no", "qty", "amount_minor", "reason"),
    columns=COLUMNS,
)
