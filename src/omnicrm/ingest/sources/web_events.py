"""``web_events`` — site clickstream: views, searches, carts, checkouts, with the cookie (and the
e-mail when signed in), the traffic source, and optionally the client's address (kept only as a
keyed hash, ``ingest.network``) and user agent."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Event
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.network import ip_identifier
from omnicrm.ingest.sources.spec import STAGE_EVENTS, Source

TYPES = frozenset(
    {"page_view", "product_view", "search", "add_to_cart", "remove_from_cart", "checkout"}
)
ATTRS = ("url", "query", "utm_source", "utm_medium", "utm_campaign")


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Event:
    f = Fields(raw)
    event_id = f.text("event_id", max_len=200)
    ts = f.aware("ts")
    cookie = f.ident("cookie", "cookie", required=True)
    email = f.ident("email", "email")
    kind = f.choice("type", TYPES)
    product_id = f.product("sku", catalog) if f.get("sku") is not None else None
    attrs = {name: value for name in ATTRS if (value := f.text(name, required=False, max_len=2000))}
    agent = f.text("user_agent", required=False, max_len=1000)
    if agent:
        attrs["user_agent"] = agent
    ip = None
    raw_ip = f.text("ip", required=False, max_len=64)
    if raw_ip:
        try:
            ip = ip_identifier(raw_ip)
        except ValueError as exc:
            f.fail("ip", str(exc))
    f.done()
    return Event(
        source="web_events",
        source_key=event_id,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        channel="web",
        occurred_at=ts,  # type: ignore[arg-type]
        identifiers=idents(cookie, email, ip),
        attrs=attrs,
        product_id=product_id,
    )


COLUMNS = (
    "event_id",
    "ts",
    "cookie",
    "type",
    "url",
    "sku",
    "query",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "email",
)

SOURCE = Source(
    name="web_events",
    file_stem="web_events",
    stage=STAGE_EVENTS,
    validate=validate,
    columns=COLUMNS,
    optional_columns=("ip", "user_agent"),
)
