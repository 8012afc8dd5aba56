"""Read models of the promotion pages: the list, results per promotion, the rules in force,
budget use, the newest receipt (the simulation's default period ends there) and what the
constructor's pickers offer."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.loyalty.queries import level_names
from omnicrm.store.schema import Brand, Category, Order, Store
from omnicrm.store.schema.promotions import (
    Promotion,
    PromotionApplication,
    PromotionAudience,
    PromotionBudget,
    PromotionVersion,
)


def list_promotions(session: Session, status: str | None = None) -> list[Promotion]:
    """By status then code; ``status`` narrows to one."""
    query = select(Promotion).order_by(Promotion.status, Promotion.code)
    if status is not None:
        query = query.where(Promotion.status == status)
    return list(session.scalars(query))


def results(session: Session) -> dict[int, dict]:
    """Per promotion: applications, customers, discount and points given (net of returns)."""
    a = PromotionApplication
    rows = session.execute(
        select(
            a.promotion_id,
            func.count(),
            func.count(func.distinct(a.customer_id)),
            func.coalesce(func.sum(a.discount_minor - a.restored_discount), 0),
            func.coalesce(func.sum(a.points - a.restored_points), 0),
        ).group_by(a.promotion_id)
    )
    return {
        pid: {"applications": n, "customers": c, "discount_minor": int(d), "points": int(p)}
        for pid, n, c, d, p in rows
    }


def rules_in_force(session: Session, promotion: Promotion) -> dict:
    """The rules of the published version, else the draft."""
    if promotion.version is None:
        return promotion.draft
    rules = session.scalar(
        select(PromotionVersion.rules).where(
            PromotionVersion.promotion_id == promotion.id,
            PromotionVersion.version == promotion.version,
        )
    )
    return rules or promotion.draft


def budget_used(session: Session, promotion_id: int) -> PromotionBudget | None:
    """The promotion's whole-life budget counters (period 0), if anything was spent."""
    return session.get(PromotionBudget, (promotion_id, 0))


def newest_receipt(session: Session) -> datetime | None:
    return session.scalar(select(func.max(Order.placed_at)))


def picker_options(session: Session) -> dict[str, list[tuple[str, str]]]:
    """(code, what a person reads) of everything a rule may name: the programs' levels, the
    catalogue's categories (by path) and brands, the stores, and the segments in use."""
    return {
        "levels": sorted(level_names(session).items(), key=lambda item: item[1]),
        "categories": [
            (path, path) for path in session.scalars(select(Category.path).order_by(Category.path))
        ],
        "brands": [(b, b) for b in session.scalars(select(Brand.name).order_by(Brand.name))],
        "stores": [
            (code, f"{code} · {name}")
            for code, name in session.execute(select(Store.code, Store.name).order_by(Store.code))
        ],
        "segments": [
            (s, s)
            for s in session.scalars(
                select(PromotionAudience.segment).distinct().order_by(PromotionAudience.segment)
            )
        ],
    }
