"""What the store holds about one person: every row of every table that is theirs, found from
the live profile and every profile merged into it. Export shows it; erasure rewrites it.

One list of (table, condition) so that a table added to a person's graph is added once, for
both rights.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, or_, select, tuple_
from sqlalchemy.orm import Session

from omnicrm.identity.aliases import alias_ids, live_id
from omnicrm.store.schema import Base

T = Base.metadata.tables


@dataclass(slots=True)
class Holdings:
    customer_id: int
    """The live profile."""
    profile_ids: list[int]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def ids(self, table: str, column: str = "id") -> list[int]:
        return sorted({row[column] for row in self.tables.get(table, ())})


Condition = Callable[[Table, Holdings], ColumnElement[bool]]


def _of(column: str, table: str, key: str = "id") -> Condition:
    return lambda t, h: t.c[column].in_(h.ids(table, key))


def _profiles(column: str) -> Condition:
    return lambda t, h: t.c[column].in_(h.profile_ids)


def _record_identifiers(t: Table, h: Holdings) -> ColumnElement[bool]:
    records = [
        (kind, record_id)
        for kind, table in (("order", "orders"), ("event", "events"), ("return", "returns"))
        for record_id in h.ids(table)
    ]
    records += [(kind, i) for kind in ("member", "customer") for i in h.profile_ids]
    return tuple_(t.c.record_type, t.c.record_id).in_(records) if records else t.c.kind.is_(None)


def _audit(t: Table, h: Holdings) -> ColumnElement[bool]:
    return t.c.subject.in_([f"customer:{i}" for i in h.profile_ids])


def _merges(t: Table, h: Holdings) -> ColumnElement[bool]:
    return or_(t.c.survivor_id.in_(h.profile_ids), t.c.absorbed_id.in_(h.profile_ids))


def _pairs(t: Table, h: Holdings) -> ColumnElement[bool]:
    return or_(t.c.left_id.in_(h.profile_ids), t.c.right_id.in_(h.profile_ids))


def _returns(t: Table, h: Holdings) -> ColumnElement[bool]:
    return t.c.id.in_(h.ids("return_lines", "return_id"))


GRAPH: tuple[tuple[str, Condition], ...] = (
    ("customers", _profiles("id")),
    ("identifiers", _profiles("customer_id")),
    ("consents", _profiles("customer_id")),
    ("orders", _profiles("customer_id")),
    ("order_lines", _of("order_id", "orders")),
    ("payments", _of("order_id", "orders")),
    ("fulfilments", _of("order_id", "orders")),
    ("order_status_history", _of("order_id", "orders")),
    ("return_lines", _of("order_id", "orders")),
    ("returns", _returns),
    ("events", _profiles("customer_id")),
    ("record_identifiers", _record_identifiers),
    ("record_addresses", _record_identifiers),  # keyed by record the same way
    ("loyalty_registry", _profiles("customer_id")),
    ("customer_predictions", _profiles("customer_id")),
    ("loyalty_accounts", _profiles("customer_id")),
    ("loyalty_operations", _of("account_id", "loyalty_accounts")),
    ("loyalty_lots", _of("account_id", "loyalty_accounts")),
    ("loyalty_entries", _of("account_id", "loyalty_accounts")),
    ("loyalty_level_changes", _of("account_id", "loyalty_accounts")),
    ("loyalty_memberships", _of("account_id", "loyalty_accounts")),
    ("loyalty_badges", _of("account_id", "loyalty_accounts")),
    ("loyalty_tokens", _of("account_id", "loyalty_accounts")),
    ("identity_merges", _merges),
    ("identity_review_queue", _pairs),
    ("identity_rules", _pairs),
    ("staff_audit", _audit),
    ("privacy_erasures", _profiles("customer_id")),
)
"""Tables in the order their conditions need them (a table's rows may select the next one's)."""


def holdings(session: Session, customer_id: int) -> Holdings:
    """Every row held about the person behind ``customer_id`` (any of their ids), by table."""
    live = live_id(session, customer_id)
    found = Holdings(live, alias_ids(session, live))
    for name, condition in GRAPH:
        table = T[name]
        query = select(table).where(condition(table, found))
        if "id" in table.c:
            query = query.order_by(table.c.id)
        found.tables[name] = [dict(row._mapping) for row in session.execute(query)]
    return found
