"""``calls`` — the telephony log: who called, about what, for how long."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Event
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.spec import STAGE_EVENTS, Source

TOPICS = frozenset({"order", "question", "complaint", "enrolment", "delivery"})


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Event:
    f = Fields(raw)
    call_id = f.text("call_id", max_len=200)
    started_at = f.aware("started_at")
    phone = f.ident("phone", "caller_number")
    agent = f.text("agent_id", required=False, max_len=64)
    topic = f.choice("topic", TOPICS)
    duration = f.integer("duration_s", minimum=0)
    order_ref = f.text("order_ref", required=False, max_len=128)
    f.done()
    return Event(
        source="calls",
        source_key=call_id,  # type: ignore[arg-type]
        kind="call",
        channel="call_centre",
        occurred_at=started_at,  # type: ignore[arg-type]
        identifiers=idents(phone),
        attrs={"topic": topic, "agent_id": agent, "duration_s": duration},
        order_ref=order_ref,
    )


COLUMNS = (
    "call_id",
    "started_at",
    "caller_number",
    "agent_id",
    "topic",
    "duration_s",
    "order_ref",
)

SOURCE = Source(
    name="calls", file_stem="call_log", stage=STAGE_EVENTS, validate=validate, columns=COLUMNS
)
