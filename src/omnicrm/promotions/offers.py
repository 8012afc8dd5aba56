"""Personal offers (L7, P3): a promotion offered to one customer, a segment or the customers whose
purchase history earns it ("your favourite category", "we miss you in ..."), with a control group
held out deterministically so that the uplift can be measured: a customer is in the control group
of an offer when the hash of (customer id, promotion id) falls under the control share."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, case, func, or_, select, union
from sqlalchemy.orm import Session

from omnicrm.promotions import repository
from omnicrm.store.schema import Category, Order, OrderLine, Product
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyOperation
from omnicrm.store.schema.promotions import Promotion, PromotionAudience, PromotionOffer

CONTROL_SHARE_BP = 1000
"""10% of the addressed customers are held out by default."""


def in_control_group(customer_id: int, promotion_id: int, share_bp: int = CONTROL_SHARE_BP) -> bool:
    digest = hashlib.sha256(f"{customer_id}:{promotion_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 10_000 < share_bp


@dataclass(frozen=True, slots=True)
class OffersMade:
    promotion: str
    offered: int
    control: int
    skipped: int
    """Customers who already had an offer of this promotion."""


def offer_promotion(
    session: Session,
    promotion_code: str,
    customer_ids: Iterable[int],
    now: datetime,
    *,
    source: str = "manual",
    reason: str = "a personal offer",
    expires_at: datetime | None = None,
    control_share_bp: int = CONTROL_SHARE_BP,
) -> OffersMade:
    promotion = repository.get_promotion(session, promotion_code)
    wanted = sorted(set(customer_ids))
    have = set(
        session.scalars(
            select(PromotionOffer.customer_id).where(PromotionOffer.promotion_id == promotion.id)
        )
    )
    rows = [
        {
            "promotion_id": promotion.id,
            "customer_id": cid,
            "source": source,
            "reason": reason[:300],
            "control": in_control_group(cid, promotion.id, control_share_bp),
            "created_at": now,
            "expires_at": expires_at,
        }
        for cid in wanted
        if cid not in have
    ]
    if rows:
        session.execute(PromotionOffer.__table__.insert(), rows)
    control = sum(r["control"] for r in rows)
    return OffersMade(promotion.code, len(rows) - control, control, len(wanted) - len(rows))


def offer_to_segment(
    session: Session, promotion_code: str, segment: str, now: datetime, **options
) -> OffersMade:
    members = session.scalars(
        select(PromotionAudience.customer_id).where(PromotionAudience.segment == segment)
    )
    return offer_promotion(
        session, promotion_code, members, now, source="segment", reason=segment, **options
    )


def set_audience(session: Session, segment: str, customer_ids: Iterable[int]) -> int:
    """Replace the members of ``segment``."""
    session.execute(
        PromotionAudience.__table__.delete().where(PromotionAudience.segment == segment)
    )
    rows = [{"segment": segment, "customer_id": c} for c in sorted(set(customer_ids))]
    if rows:
        session.execute(PromotionAudience.__table__.insert(), rows)
    return len(rows)


def _category_spend(session: Session, since: datetime | None, until: datetime):  # type: ignore[no-untyped-def]
    """(customer, root category, spend) from every channel's orders in the period."""
    query = (
        select(Order.customer_id, Category.path, func.sum(OrderLine.amount_minor))
        .join(OrderLine, OrderLine.order_id == Order.id)
        .join(Product, Product.id == OrderLine.product_id)
        .join(Category, Category.id == Product.category_id)
        .where(Order.customer_id.is_not(None), Order.placed_at < until)
        .group_by(Order.customer_id, Category.path)
    )
    if since is not None:
        query = query.where(Order.placed_at >= since)
    return session.execute(query).all()


def _under(path: str, category: str) -> bool:
    return path == category or path.startswith(category + "/")


def favourite_category_customers(
    session: Session, category: str, now: datetime, days: int = 365
) -> list[int]:
    """Customers whose biggest spend in the last ``days`` went to ``category`` (its subtree)."""
    spend_by_root: dict[int, dict[str, int]] = {}
    for customer, path, amount in _category_spend(session, now - timedelta(days=days), now):
        root = category if _under(path, category) else path.split("/")[0]
        spend = spend_by_root.setdefault(customer, {})
        spend[root] = spend.get(root, 0) + int(amount or 0)
    return sorted(
        c
        for c, spend in spend_by_root.items()
        if spend.get(category, 0) > 0 and spend[category] == max(spend.values())
    )


def lapsed_category_customers(
    session: Session, category: str, now: datetime, lapsed_days: int = 90
) -> list[int]:
    """Customers who bought in ``category`` before, but not in the last ``lapsed_days``."""
    cut = now - timedelta(days=lapsed_days)
    before = {c for c, p, _ in _category_spend(session, None, cut) if _under(p, category)}
    recent = {c for c, p, _ in _category_spend(session, cut, now) if _under(p, category)}
    return sorted(before - recent)


def offer_from_history(
    session: Session,
    promotion_code: str,
    kind: str,
    category: str,
    now: datetime,
    **options,
) -> OffersMade:
    """Offer the promotion to the customers whose history earns it: ``favourite`` (their top
    category) or ``lapsed`` (stopped buying it)."""
    if kind == "favourite":
        customers = favourite_category_customers(session, category, now)
        reason = f"you love {category}: a personal discount you earned"
    else:
        customers = lapsed_category_customers(session, category, now)
        reason = f"we miss you in {category}"
    return offer_promotion(
        session, promotion_code, customers, now, source=kind, reason=reason, **options
    )


def offers_for(conn: Connection, customer_id: int, now: datetime) -> frozenset[str]:
    """Codes of promotions the customer holds a live offer of (control members hold none)."""
    return frozenset(
        conn.scalars(
            select(Promotion.code)
            .join(PromotionOffer, PromotionOffer.promotion_id == Promotion.id)
            .where(
                PromotionOffer.customer_id == customer_id,
                PromotionOffer.control.is_(False),
                or_(PromotionOffer.expires_at.is_(None), PromotionOffer.expires_at > now),
            )
        )
    )


def customer_offers(session: Session, customer_id: int, now: datetime) -> list[dict]:
    rows = session.execute(
        select(PromotionOffer, Promotion.code, Promotion.name)
        .join(Promotion, Promotion.id == PromotionOffer.promotion_id)
        .where(PromotionOffer.customer_id == customer_id, PromotionOffer.control.is_(False))
        .where(or_(PromotionOffer.expires_at.is_(None), PromotionOffer.expires_at > now))
        .order_by(PromotionOffer.id)
    ).all()
    return [
        {"promotion": code, "name": name, "reason": o.reason, "expires_at": o.expires_at}
        for o, code, name in rows
    ]


def offer_uplift(session: Session, promotion_code: str) -> dict:
    """Offered vs held-out customers: how many bought after the offer was made (from orders of
    every channel and till receipts), and the difference in conversion."""
    promotion = repository.get_promotion(session, promotion_code)
    bought = union(
        select(Order.customer_id.label("customer_id"), Order.placed_at.label("at")),
        select(LoyaltyAccount.customer_id, LoyaltyOperation.occurred_at)
        .join(LoyaltyOperation, LoyaltyOperation.account_id == LoyaltyAccount.id)
        .where(LoyaltyOperation.kind == "confirm"),
    ).subquery()
    buyer = (
        select(func.count())
        .select_from(bought)
        .where(
            and_(
                bought.c.customer_id == PromotionOffer.customer_id,
                bought.c.at >= PromotionOffer.created_at,
            )
        )
        .scalar_subquery()
    )
    rows = session.execute(
        select(PromotionOffer.control, func.count(), func.sum(case((buyer > 0, 1), else_=0)))
        .where(PromotionOffer.promotion_id == promotion.id)
        .group_by(PromotionOffer.control)
    ).all()
    groups = {bool(c): (int(n), int(b or 0)) for c, n, b in rows}
    treated, control = groups.get(False, (0, 0)), groups.get(True, (0, 0))

    def rate(group: tuple[int, int]) -> float:
        return group[1] / group[0] if group[0] else 0.0

    return {
        "promotion": promotion.code,
        "offered": treated[0],
        "offered_buyers": treated[1],
        "control": control[0],
        "control_buyers": control[1],
        "uplift": round(rate(treated) - rate(control), 4),
    }
