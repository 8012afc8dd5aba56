"""Migrating an existing program: each registry member gets an account in the program in force,
with the card state, level and balance the old system reports.

The opening balance is never a silent edit of the account: it enters the ledger as one recorded
``migration`` operation per account (terminal ``registry``, keyed by the card) with one lot and
its earning entry, so it is audited like any other points and expires by the lot's date. The
qualifying spend the old system counted in the current level period rides on that operation
(``net_minor``), so the next level review judges the member on it instead of on nothing and
does not downgrade a migrated level at its first purchase. The registry row keeps what the old
system said and, once opened, the account's id: opening only takes rows without one, so running
it again (or re-importing the file) changes nothing.

Accounts are opened in the import's own transaction through the bulk sink (a million members
must not take a million ORM round trips); rows imported before any program was loaded wait and
are opened by ``open_pending_accounts`` when one is."""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import NotFound
from omnicrm.ingest.sinks import Sink, open_sink
from omnicrm.loyalty import repository
from omnicrm.loyalty.programs import Program
from omnicrm.store.schema.loyalty import LoyaltyRegistryEntry

TERMINAL = "registry"
RULE = "migration"
REGISTRY_COLUMNS = (
    "customer_id",
    "card",
    "card_state",
    "points_balance",
    "period_spend_minor",
    "level",
    "level_since",
    "points_expire_at",
    "enrolled_channel",
    "enrolled_at",
    "account_id",
)
ACCOUNT_COLUMNS = (
    "id",
    "customer_id",
    "program_code",
    "card_state",
    "balance",
    "debt",
    "level",
    "level_since",
    "stamps",
    "referral_code",
    "referral_rewarded",
    "enrolled_channel",
    "created_at",
)
OPERATION_COLUMNS = (
    "id",
    "account_id",
    "kind",
    "terminal",
    "op_key",
    "request_hash",
    "status",
    "program_version",
    "net_minor",
    "points_earned",
    "points_spent",
    "occurred_at",
    "recorded_at",
    "response",
)
LOT_COLUMNS = (
    "id",
    "account_id",
    "operation_id",
    "rule",
    "points",
    "remaining",
    "earned_at",
    "available_at",
    "expires_at",
)
ENTRY_COLUMNS = ("account_id", "operation_id", "lot_id", "kind", "points", "rule", "at")
LEVEL_COLUMNS = ("account_id", "operation_id", "from_level", "to_level", "reason", "at")
BATCH = 5000


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """One member as the old system reported it (a ``loyalty_registry`` row)."""

    customer_id: int
    card: str
    card_state: str
    points_balance: int
    period_spend_minor: int
    level: str | None
    level_since: datetime | None
    points_expire_at: datetime | None
    channel: str
    enrolled_at: datetime

    def stored(self, account_id: int | None) -> tuple:
        return (
            self.customer_id,
            self.card,
            self.card_state,
            self.points_balance,
            self.period_spend_minor,
            self.level,
            self.level_since,
            self.points_expire_at,
            self.channel,
            self.enrolled_at,
            account_id,
        )


@dataclass(frozen=True, slots=True)
class Opening:
    """The account a registry row opens: its level and when the migrated points expire."""

    level: str | None
    level_since: datetime | None
    expires_at: datetime | None


def opening(program: Program, row: RegistryRow, now: datetime) -> Opening:
    """The reported level (the first tier when none is reported or the program lacks it) and
    the reported expiry of the points, else the program's lifetime counted from the migration:
    the old system's lot dates are not in a registry export."""
    level = None
    if program.levels is not None:
        level = row.level if program.tier(row.level) is not None else program.levels.tiers[0].code
    lifetime = program.points.lifetime_days
    expires = row.points_expire_at
    if expires is None and lifetime:
        expires = now + timedelta(days=lifetime)
    return Opening(level, (row.level_since or row.enrolled_at) if level else None, expires)


def program_in_force(conn: Connection) -> tuple[Program, int] | None:
    """The program a registry migrates into (``repository.program_in_force``: the newest
    version of the first program loaded, parsed once), on the caller's connection; None when
    no program is loaded."""
    with Session(bind=conn) as session:
        try:
            return repository.program_in_force(session, None)
        except NotFound:
            return None


def open_accounts(
    sink: Sink, program: Program, version: int, rows: Sequence[RegistryRow], now: datetime
) -> list[int]:
    """Open one account per row (their ids, in order) with its migration operation, the lot of
    its opening balance and the level it arrives with, in the sink's transaction."""
    account_ids = sink.reserve_ids("loyalty_accounts", len(rows))
    operation_ids = sink.reserve_ids("loyalty_operations", len(rows))
    funded = [i for i, row in enumerate(rows) if row.points_balance > 0]
    lot_ids = iter(sink.reserve_ids("loyalty_lots", len(funded)))
    accounts, operations, lots, entries, levels = [], [], [], [], []
    for row, account_id, operation_id in zip(rows, account_ids, operation_ids, strict=True):
        start = opening(program, row, now)
        points = row.points_balance
        accounts.append(
            (
                account_id,
                row.customer_id,
                program.code,
                row.card_state,
                points,
                0,
                start.level,
                start.level_since,
                {},
                secrets.token_hex(8).upper(),
                False,
                row.channel,
                row.enrolled_at,
            )
        )
        reported = {
            "card": row.card,
            "card_state": row.card_state,
            "points_balance": points,
            "period_spend_minor": row.period_spend_minor,
            "level": row.level,
        }
        operations.append(
            (
                operation_id,
                account_id,
                RULE,
                TERMINAL,
                row.card,
                hashlib.sha256(repr(sorted(reported.items())).encode()).hexdigest(),
                "done",
                version,
                row.period_spend_minor,
                points,
                0,
                now,
                now,
                reported,
            )
        )
        if points > 0:
            lot_id = next(lot_ids)
            lots.append(
                (lot_id, account_id, operation_id, RULE, points, points, now, now, start.expires_at)
            )
            entries.append((account_id, operation_id, lot_id, "earn", points, RULE, now))
        if start.level is not None:
            reason = "migrated from the previous program"
            if row.level is None:
                reason += " (no level reported: the first level)"
            elif row.level != start.level:
                reason += f" (its level {row.level!r} is not in the program: the first level)"
            levels.append((account_id, operation_id, None, start.level, reason, now))
    sink.insert("loyalty_accounts", ACCOUNT_COLUMNS, accounts)
    sink.insert("loyalty_operations", OPERATION_COLUMNS, operations)
    sink.insert("loyalty_lots", LOT_COLUMNS, lots)
    sink.insert("loyalty_entries", ENTRY_COLUMNS, entries)
    sink.insert("loyalty_level_changes", LEVEL_COLUMNS, levels)
    return list(account_ids)


def open_pending_accounts(engine: Engine, now: datetime | None = None) -> int:
    """Open the accounts of registry rows imported while no program was loaded, a batch per
    transaction; the number opened. Nothing to do (or no program yet) opens nothing."""
    now = now or utcnow()
    opened = 0
    while True:
        with engine.begin() as conn:
            found = program_in_force(conn)
            if found is None:
                return opened
            r = LoyaltyRegistryEntry
            pending = [
                RegistryRow(
                    x.customer_id,
                    x.card,
                    x.card_state,
                    x.points_balance,
                    x.period_spend_minor,
                    x.level,
                    x.level_since,
                    x.points_expire_at,
                    x.enrolled_channel,
                    x.enrolled_at,
                )
                for x in conn.execute(
                    select(r).where(r.account_id.is_(None)).order_by(r.customer_id).limit(BATCH)
                )
            ]
            if not pending:
                return opened
            ids = open_accounts(open_sink(conn), *found, pending, now)
            conn.execute(
                update(r)
                .where(r.customer_id == bindparam("cid"))
                .values(account_id=bindparam("aid")),
                [{"cid": p.customer_id, "aid": a} for p, a in zip(pending, ids, strict=True)],
            )
            opened += len(pending)


def load_program(engine: Engine, program: Program) -> tuple[int, bool, int]:
    """Store ``program`` as a new version if it changed, then open the registry accounts that
    were waiting for a program: (version, changed, accounts opened)."""
    from omnicrm.loyalty.repository import save_program
    from omnicrm.store.db import unit_of_work

    with unit_of_work(engine) as session:
        version, changed = save_program(session, program)
    return version, changed, open_pending_accounts(engine)
