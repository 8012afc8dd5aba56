"""``stores`` — the store list; reference data, upserted by store code."""

from collections.abc import Mapping
from typing import Any

from omnicrm.core.clock import zone
from omnicrm.ingest.canonical import StoreRecord
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields
from omnicrm.ingest.sources.spec import STAGE_REFERENCE, Source

KINDS = frozenset({"store", "pickup_point", "warehouse"})


def validate(raw: Mapping[str, Any], catalog: Catalog) -> StoreRecord:
    f = Fields(raw)
    code = f.text("store_code", max_len=32)
    name = f.text("name")
    city = f.text("city", max_len=100)
    region = f.text("region", max_len=100)
    timezone = f.text("timezone", max_len=64)
    if timezone is not None:
        try:
            zone(timezone)
        except ValueError as exc:
            f.fail("timezone", str(exc))
    kind = f.choice("kind", KINDS)
    opened_on = f.day("opened_on")
    f.done()
    return StoreRecord(code, name, city, region, timezone, kind, opened_on)  # type: ignore[arg-type]


COLUMNS = (
    "store_code",
    "name",
    "city",
    "region",
    "timezone",
    "kind",
    "opened_on",
)

SOURCE = Source(
    name="stores", file_stem="stores", stage=STAGE_REFERENCE, validate=validate, columns=COLUMNS
)
