"""Audiences: validate a rule (``audience_rules``), count and list its members in the analytics
snapshot (DuckDB), save it, and freeze its members as a dated snapshot that a campaign sends to
and is measured on.

What changes by the minute (consents, balances, points about to expire) is not in the snapshot:
the rules that need it get it read from the store at evaluation (``live_tables``), as Arrow
registered beside the snapshot's tables."""

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from omnicrm.analytics.segments import segment_table
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.analytics.steps import run_steps, used_params
from omnicrm.campaigns import audience_rules as rules
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, FieldError, InvalidRecord, NotFound
from omnicrm.core.settings import get_settings
from omnicrm.promotions.validation import Catalogue, field_path
from omnicrm.store.db import read_session
from omnicrm.store.schema import Consent, Customer
from omnicrm.store.schema.campaigns import Audience, AudienceSnapshot
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyLot
from omnicrm.store.schema.predictions import CustomerPrediction, PredictionModel

_RULE = TypeAdapter(rules.Rule)


def _loc(loc: tuple) -> tuple:
    """Drop the union tags pydantic puts at the root and after ``rule`` (``field_path`` drops the
    ones after a list index)."""
    out = []
    for i, part in enumerate(loc):
        if part in rules.TAGS and (i == 0 or loc[i - 1] == "rule"):
            continue
        out.append(part)
    return tuple(out)


def parse_rule(data: object, at: str = "rules") -> rules.Rule:
    """The rule's shape; InvalidRecord names every bad field (``rules.rules[1].within_days``)."""
    try:
        return _RULE.validate_python(data)
    except ValidationError as exc:
        raise InvalidRecord(
            [
                FieldError(f"{at}.{field_path(_loc(e['loc']), rules.TAGS)}".rstrip("."), e["msg"])
                for e in exc.errors()
            ]
        ) from None


def check_references(rule: rules.Rule, catalogue: Catalogue, at: str = "rules") -> list[FieldError]:
    """Levels, categories and SKUs the rule names that the store does not know."""
    if isinstance(rule, rules.All | rules.AnyOf):
        return [
            e
            for i, r in enumerate(rule.rules)
            for e in check_references(r, catalogue, f"{at}.rules[{i}]")
        ]
    if isinstance(rule, rules.Not):
        return check_references(rule.rule, catalogue, f"{at}.rule")
    lists = {
        rules.Level: (("levels", catalogue.levels, "level"),),
        rules.Purchased: (
            ("categories", catalogue.categories, "category"),
            ("skus", catalogue.skus, "sku"),
        ),
    }.get(type(rule), ())
    return [
        FieldError(f"{at}.{name}[{j}]", f"unknown {what} {value!r}")
        for name, known, what in lists
        for j, value in enumerate(getattr(rule, name))
        if value not in known
    ]


def validate(data: object, catalogue: Catalogue) -> rules.Rule:
    rule = parse_rule(data)
    errors = check_references(rule, catalogue)
    if errors:
        raise InvalidRecord(errors)
    return rule


# --- evaluation -----------------------------------------------------------------------------


AMONG_READ_MAX = 5_000
"""Candidates up to this many: the live tables are read for them (and the profiles merged into
them) only; more, and reading every row costs less than the list."""


def _profiles(conn: Connection, ids: Sequence[int]) -> list[int]:
    """``ids`` and every profile merged into them (live tables are keyed by raw profile id)."""
    found, frontier = set(ids), list(ids)
    while frontier:
        frontier = [
            i
            for (i,) in conn.execute(
                select(Customer.id).where(Customer.merged_into_id.in_(frontier))
            )
            if i not in found
        ]
        found.update(frontier)
    return sorted(found)


def live_tables(
    conn: Connection,
    needs: frozenset[str] | set[str],
    now: datetime,
    among: Sequence[int] | None = None,
) -> dict[str, pa.Table]:
    """The store's live state a rule needs, keyed by raw profile id (see ``rules.LIVE``);
    ``among``: only what concerns those customers."""
    queries = {
        "consents": select(
            Consent.customer_id, Consent.channel, Consent.granted, Consent.recorded_at
        ),
        "balances": select(LoyaltyAccount.customer_id, LoyaltyAccount.balance),
        "expiring": (
            select(
                LoyaltyAccount.customer_id,
                LoyaltyLot.remaining.label("points"),
                LoyaltyLot.expires_at,
            )
            .join(LoyaltyLot, LoyaltyLot.account_id == LoyaltyAccount.id)
            .where(
                LoyaltyLot.remaining > 0,
                LoyaltyLot.expires_at > now,
                LoyaltyLot.available_at <= now,
            )
        ),
    }
    scored = CustomerPrediction.__table__.c
    for kind in ("clv", "churn", "clusters"):  # the version in force: the only one with scores
        queries[kind] = (
            select(scored.customer_id, scored.score, scored.amount_minor, scored.label)
            .join(PredictionModel, PredictionModel.id == scored.model_id)
            .where(PredictionModel.kind == kind)
        )
    account = LoyaltyAccount.customer_id
    keys = {"consents": Consent.customer_id, "balances": account, "expiring": account}
    keys |= dict.fromkeys(("clv", "churn", "clusters"), scored.customer_id)
    narrow = among is not None and len(among) <= AMONG_READ_MAX
    profiles = _profiles(conn, among) if narrow else None  # type: ignore[arg-type]
    out = {}
    for name in sorted(needs):
        query = queries[name]
        if profiles is not None:
            query = query.where(keys[name].in_(profiles))
        result = conn.execute(query)
        columns = list(result.keys())
        rows = result.all()
        out[name] = (
            pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
            if rows
            else _empty(name)
        )
    return out


PREDICTED_FIELDS = [
    ("customer_id", pa.int64()),
    ("score", pa.float64()),
    ("amount_minor", pa.int64()),
    ("label", pa.string()),
]


def _empty(name: str) -> pa.Table:
    ts = pa.timestamp("us", tz="UTC")
    fields = {
        "consents": [
            ("customer_id", pa.int64()),
            ("channel", pa.string()),
            ("granted", pa.bool_()),
            ("recorded_at", ts),
        ],
        "balances": [("customer_id", pa.int64()), ("balance", pa.int64())],
        "expiring": [("customer_id", pa.int64()), ("points", pa.int64()), ("expires_at", ts)],
    }.get(name, PREDICTED_FIELDS)
    return pa.schema(fields).empty_table()


def members(
    db: duckdb.DuckDBPyConnection,
    rule: rules.Rule,
    now: datetime,
    live: Mapping[str, pa.Table],
    among: Sequence[int] | None = None,
) -> np.ndarray:
    """The ids (resolved people of the snapshot) the rule selects at ``now``, ascending;
    ``among``: which of those customers it selects (the per-event check of a trigger)."""
    compiled = rules.compile_rule(
        rule,
        now,
        timedelta(minutes=get_settings().cart_abandon_after_minutes),
        among=among is not None,
    )
    missing = compiled.live - live.keys()
    if missing:
        raise ValueError(f"live tables not given: {sorted(missing)}")
    for name in compiled.live:
        db.register(f"live_{name}", live[name])
    if compiled.steps:
        db.register("rfm_grid", segment_table())
    if among is not None:
        db.register(rules.AMONG, pa.table({"customer": pa.array(among, pa.int64())}))
    try:
        for steps, params in compiled.steps:
            run_steps(db, steps, params)
        result = db.execute(compiled.sql, used_params(compiled.sql, compiled.params))
        return result.fetchnumpy()["customer"].astype(np.int64)
    finally:
        for name in compiled.live:
            db.unregister(f"live_{name}")
        if among is not None:
            db.unregister(rules.AMONG)


def needs(rule: rules.Rule) -> set[str]:
    """The live tables evaluating ``rule`` reads."""
    return rules.compile_rule(rule, utcnow(), timedelta(0)).live


def evaluate(
    conn: Connection,
    db: duckdb.DuckDBPyConnection,
    rule: rules.Rule,
    now: datetime,
    among: Sequence[int] | None = None,
) -> np.ndarray:
    """``members`` with the live tables the rule needs read from ``conn``: what the API, the
    workstation and a launch ask for, and a trigger for its customers (``among``)."""
    return members(db, rule, now, live_tables(conn, needs(rule), now, among), among)


def count(snapshot: Snapshot, engine: Engine, rule: rules.Rule, now: datetime) -> int:
    """The live count while a rule is edited (not saved): its members in the snapshot now."""
    db = snapshot.cursor()
    try:
        with read_session(engine) as session:
            return len(evaluate(session.connection(), db, rule, now))
    finally:
        db.close()


# --- persistence ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frozen:
    """A dated snapshot of an audience's members."""

    id: int
    audience: str
    taken_at: datetime
    size: int
    members: np.ndarray


def pack(ids: np.ndarray) -> bytes:
    """Ascending ids as compressed little-endian gaps (a million ids in a few hundred KiB)."""
    return zlib.compress(np.diff(ids, prepend=0).astype("<i8").tobytes(), 1)


def unpack(blob: bytes) -> np.ndarray:
    return np.cumsum(np.frombuffer(zlib.decompress(blob), dtype="<i8"))


def get(session: Session, code: str) -> Audience:
    found = session.scalar(select(Audience).where(Audience.code == code))
    if found is None:
        raise NotFound(f"no audience {code!r}")
    return found


def list_all(session: Session) -> list[Audience]:
    return list(session.scalars(select(Audience).order_by(Audience.code)))


def save(session: Session, code: str, name: str, rule: rules.Rule, now: datetime) -> Audience:
    """Create the audience ``code`` or replace its rule (snapshots already taken stay)."""
    found = session.scalar(select(Audience).where(Audience.code == code))
    data = rule.model_dump(mode="json", exclude_defaults=False)
    if found is None:
        found = Audience(code=code, name=name, rules=data, created_at=now, updated_at=now)
        session.add(found)
    else:
        found.name, found.rules, found.updated_at = name, data, now
    session.flush()
    return found


def rule_of(audience: Audience) -> rules.Rule:
    return parse_rule(audience.rules)


def take_snapshot(session: Session, audience: Audience, ids: np.ndarray, now: datetime) -> Frozen:
    if len(ids) and not bool(np.all(np.diff(ids) > 0)):
        raise Conflict("snapshot members must be unique and ascending")
    row = AudienceSnapshot(audience_id=audience.id, taken_at=now, size=len(ids), members=pack(ids))
    session.add(row)
    session.flush()
    return Frozen(row.id, audience.code, now, len(ids), ids)


def freeze(
    session: Session, db: duckdb.DuckDBPyConnection, audience: Audience, now: datetime
) -> Frozen:
    """Evaluate the saved audience now and keep its members as a dated snapshot."""
    ids = evaluate(session.connection(), db, rule_of(audience), now)
    return take_snapshot(session, audience, ids, now)


def load_snapshot(session: Session, snapshot_id: int) -> Frozen:
    row = session.get(AudienceSnapshot, snapshot_id)
    if row is None:
        raise NotFound(f"no audience snapshot {snapshot_id}")
    code = session.scalar(select(Audience.code).where(Audience.id == row.audience_id))
    return Frozen(row.id, str(code), row.taken_at, row.size, unpack(row.members))


def latest_snapshot(session: Session, audience: Audience) -> Frozen:
    snapshot_id = session.scalar(
        select(func.max(AudienceSnapshot.id)).where(AudienceSnapshot.audience_id == audience.id)
    )
    if snapshot_id is None:
        raise NotFound(f"audience {audience.code!r} has no snapshot yet")
    return load_snapshot(session, snapshot_id)
