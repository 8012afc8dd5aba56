"""The suppression list: keyed hashes of erased identifiers, and what ingest does with a record
that carries one.

Only ``HMAC-SHA256(key, kind:value)`` of the normalised value is kept: the list must be able to
recognise the person without holding their phone or e-mail in clear, and a plain hash of a
phone number is reversed by trying every number.
"""

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import replace

from omnicrm.core.settings import get_settings
from omnicrm.ingest.canonical import Canonical, Event, Ident, Member, Order, Return
from omnicrm.ingest.sinks import Sink

PERSONAL_ATTRS = frozenset(
    {"comment", "query", "url", "address", "name", "email", "phone", "text", "user_agent"}
)
"""Event attributes that may hold what a person typed or where they are; the rest (campaign,
score, topic, durations) are facts analytics counts."""


def digest(kind: str, value: str, key: str | None = None) -> str:
    secret = (key or get_settings().privacy_key).encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def suppressed_among(sink: Sink, idents: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (kind, value) pairs are on the list; one indexed read, none if it is
    empty (the usual case, kept cheap for the bulk path)."""
    if sink.conn.exec_driver_sql("SELECT 1 FROM privacy_suppressions LIMIT 1").first() is None:
        return set()
    by_digest = {digest(kind, value): (kind, value) for kind, value in set(idents)}
    found = sink.select_in(
        "SELECT digest FROM privacy_suppressions WHERE digest IN ({in})", sorted(by_digest)
    )
    return {by_digest[d] for (d,) in found}


def strip_record(record: Canonical, suppressed: set[tuple[str, str]]) -> tuple[Canonical, int]:
    """The record without the suppressed identifiers and, when it had any, without its free
    text (contact name, delivery address, personal event attributes): it stays as an anonymous
    fact. Also the number of identifiers taken off."""
    idents: Sequence[Ident] = getattr(record, "identifiers", ())
    kept = tuple(i for i in idents if (i.kind, i.value) not in suppressed)
    taken = len(idents) - len(kept)
    if not taken:
        return record, 0
    if isinstance(record, Order):
        fulfilment = replace(record.fulfilment, address=None)
        return replace(record, identifiers=kept, contact_name=None, fulfilment=fulfilment), taken
    if isinstance(record, Event):
        return replace(record, identifiers=kept, attrs=anonymous_attrs(record.attrs)), taken
    if isinstance(record, Return | Member):
        return replace(record, identifiers=kept), taken
    return record, 0


def anonymous_attrs(attrs: dict) -> dict:
    return {k: v for k, v in attrs.items() if k not in PERSONAL_ATTRS}
