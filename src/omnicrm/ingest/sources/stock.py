"""``stock`` — the inventory system's stock on hand: units of a SKU a store or warehouse held at
the end of a day. A fact like a receipt: a count already stored is a duplicate (a correction is
a count of another day)."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import StockCount
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields
from omnicrm.ingest.sources.spec import STAGE_AFTER_ORDERS, Source

MAX_QTY = 10**9


def validate(raw: Mapping[str, Any], catalog: Catalog) -> StockCount:
    f = Fields(raw)
    store = f.store("store_code", catalog)
    product_id = f.product("sku", catalog)
    on_date = f.day("date", required=True, past=True)
    qty = f.integer("qty_on_hand", minimum=0, maximum=MAX_QTY)
    f.done()
    return StockCount(
        source="stock",
        source_key=f"{raw['store_code']}/{raw['sku']}/{on_date.isoformat()}",  # type: ignore[union-attr]
        store_id=store.id,  # type: ignore[union-attr]
        product_id=product_id,  # type: ignore[arg-type]
        on_date=on_date,  # type: ignore[arg-type]
        qty_on_hand=qty,  # type: ignore[arg-type]
    )


COLUMNS = ("store_code", "sku", "date", "qty_on_hand")

SOURCE = Source(
    name="stock",
    file_stem="stock_levels",
    stage=STAGE_AFTER_ORDERS,
    validate=validate,
    columns=COLUMNS,
)
