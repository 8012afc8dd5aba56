"""Persistence of the loyalty domain: programs in force, accounts (found, locked), lots and the
append-only entries. Moves from ``ledger`` are written here together with the caches they change,
in the caller's transaction."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import NotFound
from omnicrm.identity.aliases import alias_ids, live_id
from omnicrm.loyalty.ledger import Lot, Move, repay_debt
from omnicrm.loyalty.programs import Program, checksum
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLot,
    LoyaltyMembership,
    LoyaltyOperation,
    LoyaltyProgram,
    LoyaltyRegistryEntry,
)

_PARSED: dict[str, Program] = {}
"""Parsed programs by checksum: the content names the entry, so two databases (or one emptied
and refilled) holding different programs under the same id never share one."""


def save_program(session: Session, program: Program) -> tuple[int, bool]:
    """Store ``program`` as a new version unless it equals the one in force; (version, changed)."""
    digest = checksum(program)
    latest = session.execute(
        select(LoyaltyProgram.version, LoyaltyProgram.checksum)
        .where(LoyaltyProgram.code == program.code)
        .order_by(LoyaltyProgram.version.desc())
        .limit(1)
    ).first()
    if latest is not None and latest.checksum == digest:
        return latest.version, False
    version = 1 if latest is None else latest.version + 1
    session.add(
        LoyaltyProgram(
            code=program.code,
            version=version,
            name=program.name,
            config=program.model_dump(mode="json"),
            checksum=digest,
            loaded_at=utcnow(),
        )
    )
    session.flush()
    return version, True


def program_in_force(session: Session, code: str | None) -> tuple[Program, int]:
    """The newest version of program ``code`` (None: the first program loaded)."""
    query = select(LoyaltyProgram.id, LoyaltyProgram.version, LoyaltyProgram.checksum)
    if code is None:
        first = session.scalar(select(LoyaltyProgram.code).order_by(LoyaltyProgram.id).limit(1))
        if first is None:
            raise NotFound("no loyalty program is configured")
        code = first
    row = session.execute(
        query.where(LoyaltyProgram.code == code).order_by(LoyaltyProgram.version.desc()).limit(1)
    ).first()
    if row is None:
        raise NotFound(f"no loyalty program {code!r}")
    return _parsed(session, row.id, row.checksum), row.version


def program_version(session: Session, code: str, version: int) -> Program:
    row = session.execute(
        select(LoyaltyProgram.id, LoyaltyProgram.checksum).where(
            LoyaltyProgram.code == code, LoyaltyProgram.version == version
        )
    ).first()
    if row is None:
        raise NotFound(f"no version {version} of loyalty program {code!r}")
    return _parsed(session, row.id, row.checksum)


def _parsed(session: Session, row_id: int, digest: str) -> Program:
    program = _PARSED.get(digest)
    if program is None:
        config = session.scalar(select(LoyaltyProgram.config).where(LoyaltyProgram.id == row_id))
        program = _PARSED[digest] = Program.model_validate(config)
    return program


def lock_accounts(session: Session, ids: Iterable[int]) -> dict[int, LoyaltyAccount]:
    """Lock accounts ``FOR UPDATE`` in primary-key order (SQLite: the writer already holds the
    database lock) and return them fresh from the database."""
    wanted = sorted(set(ids))
    found = {}
    for account_id in wanted:  # one statement each keeps the lock order explicit
        account = session.scalar(
            select(LoyaltyAccount)
            .where(LoyaltyAccount.id == account_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if account is None:
            raise NotFound(f"no loyalty account {account_id}")
        found[account_id] = account
    return found


def get_account(session: Session, account_id: int) -> LoyaltyAccount:
    account = session.get(LoyaltyAccount, account_id)
    if account is None:
        raise NotFound(f"no loyalty account {account_id}")
    return account


def account_of_customer(
    session: Session, customer_id: int, program_code: str, card: str | None = None
) -> int | None:
    """The account of the person behind ``customer_id``: accounts stay on the profile that
    opened them, so after a merge the survivor's person may hold several (a second card the
    old registry issued); the one opened with ``card`` wins, else the oldest."""
    live = live_id(session, customer_id)
    rows = session.execute(
        select(LoyaltyAccount.id, LoyaltyRegistryEntry.card)
        .outerjoin(LoyaltyRegistryEntry, LoyaltyRegistryEntry.account_id == LoyaltyAccount.id)
        .where(
            LoyaltyAccount.customer_id.in_(alias_ids(session, live)),
            LoyaltyAccount.program_code == program_code,
        )
        .order_by(LoyaltyAccount.id)
    ).all()
    for account_id, opened_with in rows:
        if card is not None and opened_with == card:
            return account_id
    return rows[0][0] if rows else None


def holding_lots(session: Session, account_id: int, also: Sequence[int] = ()) -> list[LoyaltyLot]:
    """The account's lots that still hold points, plus the lots ``also`` named."""
    condition = LoyaltyLot.remaining > 0
    if also:
        condition = condition | LoyaltyLot.id.in_(also)
    return list(
        session.scalars(
            select(LoyaltyLot).where(LoyaltyLot.account_id == account_id, condition)
        ).all()
    )


def as_lots(rows: Iterable[LoyaltyLot]) -> list[Lot]:
    return [Lot(r.id, r.remaining, r.available_at, r.expires_at) for r in rows]


def apply_moves(
    session: Session,
    account: LoyaltyAccount,
    operation: LoyaltyOperation,
    lots: dict[int, LoyaltyLot],
    moves: Iterable[Move],
    kind: str,
    rule: str,
    at: datetime,
    debt_kind: str = "debt",
) -> int:
    """Write ``moves`` as entries and update the lots', balance and debt caches; the net points."""
    net = 0
    for move in moves:
        if move.points == 0:
            continue
        if move.lot_id is None:
            account.debt -= move.points
        else:
            lots[move.lot_id].remaining += move.points
        account.balance += move.points
        net += move.points
        session.add(
            LoyaltyEntry(
                account_id=account.id,
                operation_id=operation.id,
                lot_id=move.lot_id,
                kind=debt_kind if move.lot_id is None else kind,
                points=move.points,
                rule=rule,
                at=at,
            )
        )
    return net


def memberships_in_force(session: Session, account_id: int, now: datetime) -> dict[str, set[str]]:
    rows = session.execute(
        select(LoyaltyMembership.kind, LoyaltyMembership.plan, LoyaltyMembership.expires_at).where(
            LoyaltyMembership.account_id == account_id
        )
    ).all()
    found: dict[str, set[str]] = {"club": set(), "paid": set(), "cobrand": set()}
    for kind, plan, expires_at in rows:
        if expires_at is None or expires_at > now:
            found[kind].add(plan)
    return found


def qualifying_spend(session: Session, account_id: int, since: datetime | None) -> int:
    query = select(func.coalesce(func.sum(LoyaltyOperation.net_minor), 0)).where(
        LoyaltyOperation.account_id == account_id
    )
    if since is not None:
        query = query.where(LoyaltyOperation.occurred_at >= since)
    return int(session.scalar(query) or 0)


def earning_spend(
    session: Session, account_id: int, since: datetime | None, until: datetime
) -> int:
    """Net spend of the purchases made in [since, until], their returns and cancels taken off
    whenever those happened (an undo counts at the time of the purchase it undoes)."""
    original = aliased(LoyaltyOperation)
    bought_at = func.coalesce(original.occurred_at, LoyaltyOperation.occurred_at)
    query = (
        select(func.coalesce(func.sum(LoyaltyOperation.net_minor), 0))
        .outerjoin(original, original.id == LoyaltyOperation.original_id)
        .where(LoyaltyOperation.account_id == account_id, bought_at <= until)
    )
    if since is not None:
        query = query.where(bought_at >= since)
    return int(session.scalar(query) or 0)


def settle_debt(
    session: Session,
    account: LoyaltyAccount,
    operation: LoyaltyOperation,
    lots: dict[int, LoyaltyLot],
    at: datetime,
) -> None:
    """Repay an outstanding debt from ``lots`` (new or refunded points)."""
    if account.debt > 0:
        moves = repay_debt(account.debt, as_lots(lots.values()))
        apply_moves(
            session,
            account,
            operation,
            lots,
            moves,
            "debt_repay",
            "debt:repay",
            at,
            debt_kind="debt_repay",
        )
