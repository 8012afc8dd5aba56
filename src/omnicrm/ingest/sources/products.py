"""``products`` — the catalogue; reference data, upserted by sku. The category path builds the
category tree."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import ProductRecord
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields
from omnicrm.ingest.sources.spec import STAGE_REFERENCE, Source


def validate(raw: Mapping[str, Any], catalog: Catalog) -> ProductRecord:
    f = Fields(raw)
    sku = f.text("sku", max_len=64)
    name = f.text("name", max_len=300)
    path = f.text("category_path", max_len=600)
    parts = tuple(part.strip() for part in (path or "").split("/"))
    if path is not None and not all(parts):
        f.fail("category_path", f"has an empty level: {path!r}")
    brand = f.text("brand", required=False)
    price = f.minor("price_minor")
    currency = f.text("currency", required=False, max_len=3) or "RUB"
    f.done()
    return ProductRecord(sku, name, parts, brand, price, currency)  # type: ignore[arg-type]


COLUMNS = (
    "sku",
    "name",
    "category_path",
    "brand",
    "price_minor",
    "currency",
)

SOURCE = Source(
    name="products", file_stem="products", stage=STAGE_REFERENCE, validate=validate, columns=COLUMNS
)
