"""Budgets: what a promotion (and one customer) may still be given, enforced under concurrency.

A use is taken with one conditional UPDATE (``... WHERE used + x <= limit``): on PostgreSQL a
concurrent till's UPDATE of the same row waits for the first to commit and then re-checks the
condition, so two tills cannot both take the last unit; on SQLite the writer holds the database
lock. A return or cancel gives the use back with the opposite UPDATE."""

from dataclasses import dataclass

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from omnicrm.promotions.model import Budget
from omnicrm.store.schema.promotions import PromotionBudget

B = PromotionBudget.__table__
WHOLE = 0
"""``customer_id`` of the promotion's own row."""


@dataclass(frozen=True, slots=True)
class Use:
    money: int = 0
    points: int = 0
    redemptions: int = 1


def _limits(budget: Budget, per_customer: bool) -> tuple[int | None, int | None, int | None]:
    if per_customer:
        return (
            budget.per_customer_money_minor,
            budget.per_customer_points,
            budget.per_customer_redemptions,
        )
    return budget.money_minor, budget.points, budget.redemptions


def limited(budget: Budget, per_customer: bool) -> bool:
    return any(limit is not None for limit in _limits(budget, per_customer))


def _ensure_row(conn: Connection, promotion_id: int, customer_id: int) -> None:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        insert(B)
        .values(
            promotion_id=promotion_id,
            customer_id=customer_id,
            money_used=0,
            points_used=0,
            redemptions_used=0,
        )
        .on_conflict_do_nothing()
    )


def _take(conn: Connection, promotion_id: int, customer_id: int, limits, use: Use) -> bool:  # type: ignore[no-untyped-def]
    money, points, redemptions = limits
    checks = [B.c.promotion_id == promotion_id, B.c.customer_id == customer_id]
    if money is not None:
        checks.append(B.c.money_used + use.money <= money)
    if points is not None:
        checks.append(B.c.points_used + use.points <= points)
    if redemptions is not None:
        checks.append(B.c.redemptions_used + use.redemptions <= redemptions)
    result = conn.execute(
        update(B)
        .where(and_(*checks))
        .values(
            money_used=B.c.money_used + use.money,
            points_used=B.c.points_used + use.points,
            redemptions_used=B.c.redemptions_used + use.redemptions,
        )
    )
    return result.rowcount == 1


def take(
    conn: Connection, promotion_id: int, customer_id: int | None, budget: Budget, use: Use
) -> bool:
    """Take ``use`` from the promotion's budget and the customer's share; False (and nothing
    taken) when either would be overdrawn. Run inside the transaction that records the sale."""
    if limited(budget, per_customer=True) and customer_id is not None:
        _ensure_row(conn, promotion_id, customer_id)
        if not _take(conn, promotion_id, customer_id, _limits(budget, True), use):
            return False
    if limited(budget, per_customer=False):
        _ensure_row(conn, promotion_id, WHOLE)
        if not _take(conn, promotion_id, WHOLE, _limits(budget, False), use):
            if limited(budget, per_customer=True) and customer_id is not None:
                _give(conn, promotion_id, customer_id, use)
            return False
    return True


def _give(conn: Connection, promotion_id: int, customer_id: int, use: Use) -> None:
    conn.execute(
        update(B)
        .where(B.c.promotion_id == promotion_id, B.c.customer_id == customer_id)
        .values(
            money_used=B.c.money_used - use.money,
            points_used=B.c.points_used - use.points,
            redemptions_used=B.c.redemptions_used - use.redemptions,
        )
    )


def give_back(
    conn: Connection, promotion_id: int, customer_id: int | None, budget: Budget, use: Use
) -> None:
    """Return ``use`` to what ``take`` took it from (under the same version's budget)."""
    if limited(budget, per_customer=False):
        _give(conn, promotion_id, WHOLE, use)
    if limited(budget, per_customer=True) and customer_id is not None:
        _give(conn, promotion_id, customer_id, use)


def fits(
    conn: Connection, promotion_id: int, customer_id: int | None, budget: Budget, use: Use
) -> bool:
    """Whether ``take`` would succeed now (a read: for a quote, which takes nothing)."""
    rows = [(WHOLE, False)]
    if customer_id is not None:
        rows.append((customer_id, True))
    for who, per_customer in rows:
        limits = _limits(budget, per_customer)
        if not any(limit is not None for limit in limits):
            continue
        have = used(conn, promotion_id, who)
        for limit, already, wanted in zip(
            limits,
            (have.money, have.points, have.redemptions),
            (use.money, use.points, use.redemptions),
            strict=True,
        ):
            if limit is not None and already + wanted > limit:
                return False
    return True


LEAST = Use(money=1, points=1, redemptions=1)
"""The least one more use takes of whatever a budget limits: no room for it means spent."""


def spent(
    conn: Connection, promotion_id: int, customer_id: int | None, budget: Budget
) -> str | None:
    """Why no further use fits the budget (the till's words), or None while one does."""
    if limited(budget, per_customer=False) and not fits(conn, promotion_id, None, budget, LEAST):
        return "budget exhausted"
    if (
        customer_id is not None
        and limited(budget, per_customer=True)
        and not fits(conn, promotion_id, customer_id, budget, LEAST)
    ):
        return "the customer's budget is spent"
    return None


def used(conn: Connection, promotion_id: int, customer_id: int = WHOLE) -> Use:
    row = conn.execute(
        select(B.c.money_used, B.c.points_used, B.c.redemptions_used).where(
            B.c.promotion_id == promotion_id, B.c.customer_id == customer_id
        )
    ).first()
    return Use(*row) if row else Use(0, 0, 0)
