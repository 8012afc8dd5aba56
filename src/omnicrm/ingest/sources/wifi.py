"""``wifi`` — Wi-Fi radar sightings in a store: a hashed MAC seen from first to last time."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Event
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.spec import STAGE_EVENTS, Source


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Event:
    f = Fields(raw)
    store = f.store("store_code", catalog)
    mac = f.ident("mac", "mac_hash", required=True)
    first_seen = f.aware("first_seen")
    last_seen = f.aware("last_seen")
    rssi = f.integer("rssi", required=False, minimum=-150, maximum=0)
    if first_seen and last_seen and last_seen < first_seen:
        f.fail("last_seen", "is before first_seen")
    f.done()
    return Event(
        source="wifi",
        source_key=f"{raw['store_code']}/{mac.value}/{first_seen.isoformat()}",  # type: ignore[union-attr]
        kind="wifi_sighting",
        channel="store",
        occurred_at=first_seen,  # type: ignore[arg-type]
        identifiers=idents(mac),
        attrs={"last_seen": last_seen.isoformat(), "rssi": rssi},  # type: ignore[union-attr]
        store_id=store.id,  # type: ignore[union-attr]
    )


COLUMNS = (
    "store_code",
    "mac_hash",
    "first_seen",
    "last_seen",
    "rssi",
)

SOURCE = Source(
    name="wifi", file_stem="wifi_sightings", stage=STAGE_EVENTS, validate=validate, columns=COLUMNS
)
