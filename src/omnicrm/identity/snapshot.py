"""Reading the input of resolution from the store: the replayable log.

The input is what records carried (``record_identifiers``), what registry records say about their
person, and the manual rules; nothing resolution itself wrote is read back as evidence, so running
it twice, or on the records in another order, gives the same profiles.
"""

from sqlalchemy import Connection, select, text

from omnicrm.identity.arrow_io import read_table
from omnicrm.identity.partition import (
    ANCHORS_SCHEMA,
    LINKS_SCHEMA,
    VISITS_SCHEMA,
    ResolutionInput,
)
from omnicrm.identity.person import PersonFacts
from omnicrm.identity.translit import split_full_name
from omnicrm.store.schema import Customer, LinkRule, QuarantinedIdentifier

REGISTRY_TYPES = ("customer", "member")
"""``record_identifiers.record_type`` of a registry record: the identifiers a member registered."""
RESOLVED_SOURCE = "identity"
"""``customers.source`` of a profile resolution created (keyed by its anchor identifier)."""


def freeze_registry_identifiers(conn: Connection) -> None:
    """Copy each registry customer's identifiers into ``record_identifiers`` once, before any
    merge re-points ``identifiers.customer_id``: a member record's own identifiers are input."""
    conn.execute(
        text(
            """INSERT INTO record_identifiers (record_type, record_id, kind, value, raw)
               SELECT 'customer', i.customer_id, i.kind, i.value, NULL
               FROM identifiers i JOIN customers c ON c.id = i.customer_id
               WHERE c.source <> :resolved AND c.merged_into_id IS NULL
                 AND NOT EXISTS (SELECT 1 FROM record_identifiers r
                                 WHERE r.record_type IN ('customer', 'member')
                                   AND r.record_id = c.id)"""
        ),
        {"resolved": RESOLVED_SOURCE},
    )


def _day(conn: Connection) -> str:
    if conn.dialect.name == "postgresql":
        return "to_char(o.placed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return "substr(o.placed_at, 1, 10)"


def _epoch(conn: Connection, column: str) -> str:
    if conn.dialect.name == "postgresql":
        return f"CAST(extract(epoch FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def _till(conn: Connection) -> str:
    """The terminal of a store receipt: the middle of its POS key ``store/terminal/receipt``."""
    if conn.dialect.name == "postgresql":
        middle = "split_part(o.source_key, '/', 2)"
    else:
        rest = "substr(o.source_key, instr(o.source_key, '/') + 1)"
        middle = f"substr({rest}, 1, instr({rest}, '/') - 1)"
    return f"CASE WHEN o.source = 'pos' THEN NULLIF({middle}, '') END"


def _visits_sql(conn: Connection, orders: str = "", events: str = "") -> str:
    """Receipts and sensor sightings with their store, till and time: the evidence that
    corroborates a MAC or a face (``partition.attach_corroborated``) and that shows a card at
    two tills at once (``housecards``)."""
    return f"""SELECT 'order', o.id, o.store_id, {_epoch(conn, "o.placed_at")}, {_till(conn)}
               FROM orders o WHERE o.store_id IS NOT NULL {orders}
               UNION ALL
               SELECT 'event', e.id, e.store_id, {_epoch(conn, "e.occurred_at")}, NULL
               FROM events e WHERE e.store_id IS NOT NULL {events}"""


def _links_sql(conn: Connection, scope: str = "") -> str:
    return f"""SELECT CASE WHEN ri.record_type = 'member' THEN 'customer' ELSE ri.record_type END,
                      ri.record_id, ri.kind, ri.value, {_day(conn)}
               FROM record_identifiers ri
               LEFT JOIN orders o ON ri.record_type = 'order' AND o.id = ri.record_id
               WHERE ri.record_type IN ('order', 'event', 'customer', 'member') {scope}
               {{chunk}}"""


def _people(conn: Connection, where: str = "") -> dict[int, PersonFacts]:
    rows = conn.execute(
        select(
            Customer.id,
            Customer.first_name,
            Customer.last_name,
            Customer.birth_date,
            Customer.gender,
        ).where(Customer.source != RESOLVED_SOURCE, text(where or "1=1"))
    )
    return {
        cid: PersonFacts(first, last, birth, gender) for cid, first, last, birth, gender in rows
    }


def _named_orders(conn: Connection, scope: str = "") -> dict[int, PersonFacts]:
    """Names buyers gave on orders, keyed by ``-order_id`` (registry customers use positive keys):
    two orders naming different people must not be joined by one phone."""
    rows = conn.execute(
        text(f"SELECT id, contact_name FROM orders WHERE contact_name IS NOT NULL {scope}")
    )
    return {-oid: PersonFacts(*split_full_name(name)) for oid, name in rows}


def _anchors(conn: Connection, where: str = "") -> list[tuple[int, str, str]]:
    rows = conn.execute(
        select(Customer.id, Customer.source_key).where(
            Customer.source == RESOLVED_SOURCE, text(where or "1=1")
        )
    )
    return [(cid, *key.split(":", 1)) for cid, key in rows]  # type: ignore[misc]


def _rules(conn: Connection) -> tuple[frozenset, frozenset, dict[tuple[int, int], float]]:
    rows = conn.execute(
        select(LinkRule.kind, LinkRule.left_id, LinkRule.right_id, LinkRule.reason)
    ).all()
    never = frozenset((a, b) for kind, a, b, _ in rows if kind == "never_link")
    always = frozenset((a, b) for kind, a, b, _ in rows if kind == "always_link")
    scores = {}
    for kind, a, b, reason in rows:
        words = (reason or "").split()
        if kind == "always_link" and len(words) == 2 and words[0] == "probabilistic":
            try:
                scores[(a, b)] = float(words[1])
            except ValueError:
                continue
    return never, always, scores


def _anchor_table(rows: list[tuple[int, str, str]]):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.table(
        {
            "customer_id": pa.array([r[0] for r in rows], pa.int64()),
            "kind": pa.array([r[1] for r in rows], pa.string()),
            "value": pa.array([r[2] for r in rows], pa.string()),
        },
        schema=ANCHORS_SCHEMA,
    )


def load_all(conn: Connection) -> ResolutionInput:
    """Everything: the input of a bulk run (earlier quarantines are recomputed, not read)."""
    never, always, scores = _rules(conn)
    return ResolutionInput(
        links=read_table(
            conn, _links_sql(conn), LINKS_SCHEMA, chunks=("record_identifiers", "ri.rowid")
        ),
        people=_people(conn) | _named_orders(conn),
        anchors=_anchor_table(_anchors(conn)),
        never_link=never,
        always_link=always,
        scores=scores,
        visits=read_table(conn, _visits_sql(conn), VISITS_SCHEMA),
    )


def load_profiles(conn: Connection, customer_ids: list[int]) -> ResolutionInput:
    """The records now on ``customer_ids`` (and their aliases): the input of re-resolving a few
    profiles after an unmerge or a new quarantine. Earlier quarantines stay in force."""
    ids = ",".join(str(int(c)) for c in sorted(set(customer_ids)))
    family = f"(id IN ({ids}) OR merged_into_id IN ({ids}))"
    scope = f"""AND ((ri.record_type = 'order' AND ri.record_id IN
                      (SELECT id FROM orders WHERE customer_id IN ({ids})))
                  OR (ri.record_type = 'event' AND ri.record_id IN
                      (SELECT id FROM events WHERE customer_id IN ({ids})))
                  OR (ri.record_type IN ('customer', 'member') AND ri.record_id IN
                      (SELECT id FROM customers WHERE {family})))"""
    never, always, scores = _rules(conn)
    owned = f"AND customer_id IN ({ids})"
    quarantined = frozenset(
        conn.execute(select(QuarantinedIdentifier.kind, QuarantinedIdentifier.value)).all()
    )
    return ResolutionInput(
        links=read_table(conn, _links_sql(conn, scope), LINKS_SCHEMA),
        people=_people(conn, family) | _named_orders(conn, owned),
        anchors=_anchor_table(_anchors(conn, family)),
        never_link=never,
        always_link=always,
        scores=scores,
        quarantined=quarantined,  # type: ignore[arg-type]
        visits=read_table(conn, _visits_sql(conn, owned, owned), VISITS_SCHEMA),
    )
