"""The points liability report at the edge: one grouped statement over the ledger (entries with
their lots, of one program's accounts, up to ``as_of``) gives the ``liability.Flow`` rows; the
settlement with partners and co-brand issuers comes from ``reports``. Months are UTC."""

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, select
from sqlalchemy.orm import Session

from omnicrm.loyalty import liability, reports, repository
from omnicrm.loyalty.sale import month
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLot,
    LoyaltyProgram,
)


def _month(column: ColumnElement, dialect: str) -> ColumnElement:
    """``YYYY-MM`` of a UTC time column, in the store's dialect (SQLite keeps times as naive UTC
    text, ``YYYY-MM-DD HH:MM:SS``: its first seven characters, cheaper than ``strftime``)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.substr(column, 1, 7)


def flows(session: Session, program_code: str, as_of: datetime) -> list[liability.Flow]:
    """The program's ledger entries before ``as_of`` summed by month, lot cohort, lot expiry
    month, lot state at ``as_of`` and kind."""
    dialect = session.get_bind().dialect.name
    entry, lot = LoyaltyEntry, LoyaltyLot
    state = case(
        (entry.lot_id.is_(None), literal("debt")),
        (lot.available_at > as_of, literal("pending")),
        (and_(lot.expires_at.is_not(None), lot.expires_at <= as_of), literal("lapsed")),
        else_=literal("active"),
    )
    rows = (
        select(
            _month(entry.at, dialect).label("month"),
            _month(lot.earned_at, dialect).label("cohort"),
            _month(lot.expires_at, dialect).label("expiry"),
            state.label("state"),
            entry.kind.label("kind"),
            entry.points.label("points"),
        )
        .outerjoin(lot, lot.id == entry.lot_id)
        .where(entry.at < as_of)
    )
    if _several_programs(session):  # else every account is the program's: scan entries alone
        rows = rows.join(LoyaltyAccount, LoyaltyAccount.id == entry.account_id).where(
            LoyaltyAccount.program_code == program_code
        )
    rows = rows.subquery()
    keys = (rows.c.month, rows.c.cohort, rows.c.expiry, rows.c.state, rows.c.kind)
    grouped = select(*keys, func.sum(rows.c.points)).group_by(*keys)
    return [
        liability.Flow(m, cohort, expiry, state, kind, int(points))
        for m, cohort, expiry, state, kind, points in session.execute(grouped)
    ]


def _several_programs(session: Session) -> bool:
    return (session.scalar(select(func.count(distinct(LoyaltyProgram.code)))) or 0) > 1


def liability_report(
    session: Session,
    program_code: str | None,
    as_of: datetime,
    since: datetime | None = None,
) -> dict:
    """The report as of ``as_of``; the settlement covers [``since``, ``as_of``) (default: from
    the start of ``as_of``'s month)."""
    as_of = as_of.astimezone(UTC)
    program, version = repository.program_in_force(session, program_code)
    as_of_month, start, _ = month(as_of)
    since = since or start
    report = liability.summarise(
        flows(session, program.code, as_of), as_of_month, program.point_value_minor
    )
    return {
        "program": program.code,
        "program_version": version,
        "currency": program.currency,
        "as_of": as_of.isoformat(),
        "point_value_minor": program.point_value_minor,
        "method": METHOD,
        **report,
        "settlement": {
            "since": since.isoformat(),
            "until": as_of.isoformat(),
            "partners": reports.partner_settlement(session, program.code, since, as_of),
            "cobrands": reports.cobrand_settlement(session, program, since, as_of),
        },
    }


METHOD = (
    "Breakage per monthly cohort of lots: matured cohorts (no live points) give the share of "
    "net issued points redeemed by age in months; a young cohort is expected to redeem its net "
    "points x (ultimate share - share by its age), at most what it holds live; without a "
    "matured cohort no breakage is assumed. Deferred revenue = value of live points x "
    "(1 - expected breakage). Months are UTC."
)
