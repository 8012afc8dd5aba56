"""Writing a partition back to the store: profiles created or retired, records and identifiers
pointed at their profile, quarantined identifiers listed, merges recorded with their evidence.

Only what changed is written: the new state is diffed against the current one in DuckDB and the
difference goes through a temporary table and one ``UPDATE ... FROM`` per table, which is fast on
SQLite and PostgreSQL alike (and a re-run over unchanged data writes nothing).
"""

from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa
from sqlalchemy import Connection, bindparam, delete, insert, select, text, update

from omnicrm.identity.arrow_io import load_temp, read_table
from omnicrm.identity.partition import Partition, ResolutionInput
from omnicrm.identity.person import one_person
from omnicrm.identity.snapshot import RESOLVED_SOURCE
from omnicrm.store.schema import Customer, Merge, QuarantinedIdentifier, UtcDateTime

OWNERS_SCHEMA = pa.schema(
    [("node_type", pa.string()), ("node_id", pa.int64()), ("customer_id", pa.int64())]
)
IDENTS_SCHEMA = pa.schema(
    [("id", pa.int64()), ("kind", pa.string()), ("value", pa.string()), ("customer_id", pa.int64())]
)
ALIAS_SCHEMA = pa.schema([("customer_id", pa.int64()), ("merged_into_id", pa.int64())])
NOW = bindparam("now", type_=UtcDateTime())


@dataclass
class WriteStats:
    profiles_created: int = 0
    merges: int = 0
    records_moved: int = 0
    identifiers_written: int = 0
    quarantined: int = 0
    merge_ids: list[int] = field(default_factory=list)
    held_back: int = 0
    """Merges the circuit breaker held back for review instead (``resolve._write_guarded``)."""


def _create_profiles(conn: Connection, db: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """New profiles for qualifying clusters no existing profile stands for, keyed by anchor."""
    new = db.execute(
        """SELECT c.cluster, c.anchor_kind || ':' || c.anchor_value AS source_key
           FROM clusters c WHERE c.qualifies AND c.anchor_kind IS NOT NULL
             AND c.cluster NOT IN (SELECT cluster FROM members) ORDER BY source_key"""
    ).to_arrow_table()
    if new.num_rows == 0:
        db.execute("CREATE TEMP TABLE created (cluster BIGINT, customer_id BIGINT)")
        return 0
    load_temp(conn, "t_new_profiles", [("cluster", "BIGINT"), ("source_key", "VARCHAR(200)")], new)
    conn.execute(
        text(
            f"""INSERT INTO customers (created_at, source, source_key)
               SELECT :now, '{RESOLVED_SOURCE}', t.source_key FROM t_new_profiles t
               WHERE NOT EXISTS (SELECT 1 FROM customers c
                                 WHERE c.source = '{RESOLVED_SOURCE}'
                                   AND c.source_key = t.source_key)
               ORDER BY t.source_key"""
        ).bindparams(NOW),
        {"now": now},
    )
    created = read_table(
        conn,
        f"""SELECT t.cluster, c.id FROM t_new_profiles t JOIN customers c
            ON c.source = '{RESOLVED_SOURCE}' AND c.source_key = t.source_key""",
        pa.schema([("cluster", pa.int64()), ("customer_id", pa.int64())]),
    )
    db.register("created_in", created)
    db.execute("CREATE TEMP TABLE created AS SELECT * FROM created_in")
    return created.num_rows


def _update_owner(conn: Connection, table: str, rows: pa.Table) -> int:
    if rows.num_rows == 0:
        return 0
    name = f"t_owner_{table}"
    load_temp(conn, name, [("id", "BIGINT"), ("customer_id", "BIGINT")], rows)
    conn.exec_driver_sql(
        f"UPDATE {table} SET customer_id = t.customer_id FROM {name} t WHERE {table}.id = t.id"
    )
    return rows.num_rows


def _write_identifiers(conn: Connection, db: duckdb.DuckDBPyConnection, now: datetime) -> int:
    changed = db.execute(
        """SELECT i.id, v.customer_id FROM value_owner v JOIN idents i USING (kind, value)
           WHERE i.customer_id IS DISTINCT FROM v.customer_id
           UNION ALL
           SELECT i.id, NULL FROM idents i JOIN q USING (kind, value)
           WHERE i.customer_id IS NOT NULL"""
    ).to_arrow_table()
    _update_owner(conn, "identifiers", changed)
    fresh = db.execute(
        """SELECT v.kind, v.value, v.customer_id FROM value_owner v
           ANTI JOIN idents i USING (kind, value) WHERE v.customer_id IS NOT NULL"""
    ).to_arrow_table()
    if fresh.num_rows:
        load_temp(
            conn,
            "t_new_idents",
            [("kind", "VARCHAR(20)"), ("value", "VARCHAR(200)"), ("customer_id", "BIGINT")],
            fresh,
        )
        conn.execute(
            text(
                """INSERT INTO identifiers (kind, value, customer_id, first_seen_at)
                   SELECT kind, value, customer_id, :now FROM t_new_idents"""
            ).bindparams(NOW),
            {"now": now},
        )
    return changed.num_rows + fresh.num_rows


def _merge_evidence(inp: ResolutionInput, survivor: int, absorbed: int, shared: list[str]) -> dict:
    people = [inp.people[c] for c in (survivor, absorbed) if c in inp.people]
    pair = (min(survivor, absorbed), max(survivor, absorbed))
    if pair in inp.scores:
        return {"rule": "probabilistic", "score": inp.scores[pair], "identifiers": shared[:20]}
    if pair in inp.always_link:
        rule = "always_link"
    elif len(people) == 2 and one_person(people):
        rule = "duplicate_card"
    else:
        rule = "shared_identifier"
    return {"rule": rule, "identifiers": shared[:20]}


def _write_aliases(
    conn: Connection, db: duckdb.DuckDBPyConnection, inp: ResolutionInput, now: datetime
) -> list[int]:
    """Point every absorbed profile at its survivor; record a merge for each new pairing and close
    the merges that no longer hold."""
    changes = db.execute(
        """SELECT m.customer_id, m.target, a.merged_into_id FROM member_target m
           JOIN aliases a USING (customer_id)
           WHERE m.target IS DISTINCT FROM a.merged_into_id ORDER BY m.customer_id"""
    ).fetchall()
    if not changes:
        return []
    shared = dict(
        db.execute(
            """SELECT m.customer_id,
                      list(DISTINCT v.kind || ':' || v.value ORDER BY v.kind || ':' || v.value)
               FROM member_target m JOIN clusters_of_member cm USING (customer_id)
               JOIN value_owner v ON v.cluster = cm.cluster
               WHERE m.target IS NOT NULL GROUP BY m.customer_id"""
        ).fetchall()
    )
    moved = [c for c, _, old in changes if old is not None]
    if moved:
        conn.execute(
            update(Merge)
            .where(Merge.absorbed_id.in_(moved), Merge.undone_at.is_(None))
            .values(undone_at=now, undone_reason="re-resolved")
        )
    for customer_id, target, _ in changes:
        conn.execute(
            update(Customer).where(Customer.id == customer_id).values(merged_into_id=target)
        )

    def method(pair: tuple[int, int]) -> str:
        if pair in inp.scores:
            return "probabilistic"
        return "manual" if pair in inp.always_link else "deterministic"

    merges = [
        {
            "survivor_id": target,
            "absorbed_id": customer_id,
            "method": method((min(customer_id, target), max(customer_id, target))),
            "score": inp.scores.get((min(customer_id, target), max(customer_id, target))),
            "evidence": _merge_evidence(inp, target, customer_id, shared.get(customer_id, [])),
            "created_at": now,
        }
        for customer_id, target, _ in changes
        if target is not None
    ]
    if not merges:
        return []
    first = conn.execute(select(text("coalesce(max(id), 0)")).select_from(Merge)).scalar_one()
    conn.execute(insert(Merge), merges)
    return list(conn.execute(select(Merge.id).where(Merge.id > first).order_by(Merge.id)).scalars())


def _write_quarantine(conn: Connection, part: Partition, now: datetime, *, replace: bool) -> int:
    if replace:
        conn.execute(delete(QuarantinedIdentifier))
        rows = part.quarantine
    else:
        known = set(
            conn.execute(select(QuarantinedIdentifier.kind, QuarantinedIdentifier.value)).all()
        )
        rows = [q for q in part.quarantine if (q.kind, q.value) not in known]
    if rows:
        conn.execute(
            insert(QuarantinedIdentifier),
            [
                {
                    "kind": q.kind,
                    "value": q.value,
                    "reason": q.reason,
                    "evidence": q.evidence,
                    "detected_at": now,
                }
                for q in rows
            ],
        )
    return len(rows)


def apply_partition(
    conn: Connection, inp: ResolutionInput, part: Partition, now: datetime, *, full: bool
) -> WriteStats:
    """Make the store say what ``part`` says. ``full`` for a bulk run over every record (the
    quarantine list is then replaced, not extended)."""
    stats = WriteStats()
    db = duckdb.connect()
    db.register("clusters", part.clusters)
    db.register("members", part.members)
    db.execute(
        """CREATE TEMP TABLE survivors AS
           SELECT cluster, min(customer_id) AS customer_id FROM members GROUP BY cluster"""
    )
    stats.profiles_created = _create_profiles(conn, db, now)
    db.execute(
        """CREATE TEMP TABLE profile AS
           SELECT cluster, customer_id FROM survivors
           UNION ALL SELECT cluster, customer_id FROM created"""
    )
    db.register("records", part.records)
    db.register("vals", part.values)
    quarantined = sorted({(x.kind, x.value) for x in part.quarantine} | set(inp.quarantined))
    db.register(
        "q",
        pa.table(
            {"kind": [k for k, _ in quarantined], "value": [v for _, v in quarantined]},
            schema=pa.schema([("kind", pa.string()), ("value", pa.string())]),
        ),
    )

    ids = None if full else part.records.column("node_id").to_pylist()
    owners = _current_owners(conn, ids)
    db.register("owners", owners)
    for node_type, table in (("order", "orders"), ("event", "events")):
        changed = db.execute(
            f"""SELECT r.node_id AS id, p.customer_id FROM records r
                LEFT JOIN profile p USING (cluster)
                LEFT JOIN owners o ON o.node_type = r.node_type AND o.node_id = r.node_id
                WHERE r.node_type = '{node_type}'
                  AND p.customer_id IS DISTINCT FROM o.customer_id"""
        ).to_arrow_table()
        stats.records_moved += _update_owner(conn, table, changed)

    db.register(
        "idents",
        read_table(conn, "SELECT id, kind, value, customer_id FROM identifiers", IDENTS_SCHEMA),
    )
    db.execute(
        """CREATE TEMP TABLE value_owner AS SELECT v.kind, v.value, v.cluster, p.customer_id
           FROM vals v LEFT JOIN profile p USING (cluster)"""
    )
    stats.identifiers_written = _write_identifiers(conn, db, now)

    db.execute("CREATE TEMP TABLE clusters_of_member AS SELECT customer_id, cluster FROM members")
    db.execute(
        """CREATE TEMP TABLE member_target AS
           SELECT m.customer_id,
                  CASE WHEN s.customer_id = m.customer_id THEN NULL ELSE s.customer_id END AS target
           FROM members m JOIN survivors s USING (cluster)"""
    )
    listed = ",".join(str(int(c)) for c in part.members.column("customer_id").to_pylist())
    scope = "" if full else f"WHERE id IN ({listed or 'NULL'})"
    db.register(
        "aliases",
        read_table(conn, f"SELECT id, merged_into_id FROM customers {scope}", ALIAS_SCHEMA),
    )
    stats.merge_ids = _write_aliases(conn, db, inp, now)
    stats.merges = len(stats.merge_ids)
    stats.quarantined = _write_quarantine(conn, part, now, replace=full)
    return stats


def _current_owners(conn: Connection, ids: list[int] | None) -> pa.Table:
    if ids is None:
        return read_table(
            conn,
            """SELECT 'order', id, customer_id FROM orders WHERE customer_id IS NOT NULL
               UNION ALL
               SELECT 'event', id, customer_id FROM events WHERE customer_id IS NOT NULL""",
            OWNERS_SCHEMA,
        )
    listed = ",".join(str(int(i)) for i in ids) or "NULL"
    return read_table(
        conn,
        f"""SELECT 'order', id, customer_id FROM orders WHERE id IN ({listed})
            UNION ALL SELECT 'event', id, customer_id FROM events WHERE id IN ({listed})""",
        OWNERS_SCHEMA,
    )
