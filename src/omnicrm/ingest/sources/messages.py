"""``messages`` — engagement from the sending platform (sent, delivered, opened, clicked,
unsubscribed) per e-mail, SMS, push or messenger message."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Event
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.spec import STAGE_EVENTS, Source

ADDRESS_KIND = {"email": "email", "sms": "phone", "push": "device", "messenger": "phone"}
"""What the address of a message on each channel is."""
EVENTS = frozenset({"sent", "delivered", "opened", "clicked", "unsubscribed"})


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Event:
    f = Fields(raw)
    message_id = f.text("message_id", max_len=150)
    channel = f.choice("channel", ADDRESS_KIND)
    address = f.ident(ADDRESS_KIND[channel], "address", required=True) if channel else None
    campaign = f.text("campaign", required=False, max_len=100)
    event = f.choice("event", EVENTS)
    at = f.aware("at")
    f.done()
    return Event(
        source="messages",
        source_key=f"{message_id}/{event}",
        kind=f"message_{event}",
        channel=channel,  # type: ignore[arg-type]
        occurred_at=at,  # type: ignore[arg-type]
        identifiers=idents(address),
        attrs={"message_id": message_id, "campaign": campaign},
    )


COLUMNS = (
    "message_id",
    "channel",
    "address",
    "campaign",
    "event",
    "at",
)

SOURCE = Source(
    name="messages", file_stem="messages", stage=STAGE_EVENTS, validate=validate, columns=COLUMNS
)
