"""ROMI of a promotion: the revenue of the customers it reached against a comparison group, the
promotion's own cost from the ledger, through the same measurement as a campaign
(``measure.measure``: Newcombe and Welch intervals, the minimum sample, ROMI).

Which comparison, in this order (the result names it and says it in words):

* ``campaign_control``: launched campaigns carried the promotion (their offer code is one of
  its coupons). Treated and control are those campaigns' groups, each over its own window: a
  randomised comparison.
* ``offer_holdout``: personal offers of the promotion, with their held-out control (a stable
  hash, ``promotions.offers``), over the period: randomised too.
* ``users_vs_buyers``: neither. Customers who used it in the period against customers who
  bought in the period without it. Not randomised: who chooses to use a promotion differs from
  who does not, so the difference is not the promotion's effect and is never called
  significant.

Cost per customer: the discounts the promotion gave (net of returns, ``promotion_applications``)
plus the points it awarded (net of returns) at the program's point value, in the window."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pyarrow as pa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.campaigns import audiences, campaign, measure
from omnicrm.core.errors import NotFound
from omnicrm.core.settings import get_settings
from omnicrm.loyalty.repository import program_in_force
from omnicrm.promotions.repository import get_promotion
from omnicrm.store.schema.campaigns import Campaign
from omnicrm.store.schema.promotions import (
    Coupon,
    CouponBatch,
    Promotion,
    PromotionApplication,
    PromotionOffer,
    PromotionVersion,
)

BASIS = {
    "campaign_control": "the campaigns that sent it, against their control groups",
    "offer_holdout": "customers offered it personally, against the held-out control",
    "users_vs_buyers": (
        "customers who used it, against customers who bought without it in the same period: "
        "not randomised (who uses a promotion differs from who does not), so not its effect"
    ),
}


@dataclass(frozen=True, slots=True)
class PromotionRomi:
    promotion: str
    comparison: str  # campaign_control | offer_holdout | users_vs_buyers
    basis: str
    campaigns: list[str]
    since: datetime
    until: datetime
    discounts_minor: int
    """Given to the treated in the window, net of returns (with ``points``: the cost)."""
    points: int
    point_value_minor: int
    result: measure.Result


@dataclass
class _Groups:
    treated: list[measure.Outcomes]
    control: list[measure.Outcomes]
    discounts: int = 0
    points: int = 0


COSTS = """SELECT m.customer,
              coalesce(sum(t.discount), 0) AS discount, coalesce(sum(t.points), 0) AS points
           FROM promo_members m
           LEFT JOIN (SELECT rc.resolved_id AS customer, a.discount, a.points FROM promo_costs a
                      JOIN customers rc ON rc.id = a.customer_id
                      WHERE a.at >= $since AND a.at < $until) t ON t.customer = m.customer
           GROUP BY m.customer ORDER BY m.customer"""

USERS = """SELECT DISTINCT rc.resolved_id AS customer FROM promo_costs a
           JOIN customers rc ON rc.id = a.customer_id
           WHERE a.at >= $since AND a.at < $until ORDER BY 1"""

BUYERS = """SELECT DISTINCT customer FROM purchases
            WHERE placed_at >= $since AND placed_at < $until AND customer IS NOT NULL
              AND customer NOT IN (SELECT customer FROM promo_users) ORDER BY 1"""

RESOLVED = """SELECT DISTINCT rc.resolved_id AS customer FROM promo_ids i
              JOIN customers rc ON rc.id = i.customer ORDER BY 1"""


def _applications(session: Session, promotion: Promotion) -> pa.Table:
    a = PromotionApplication
    rows = session.execute(
        select(
            a.customer_id,
            a.at,
            a.discount_minor - a.restored_discount,
            a.points - a.restored_points,
        ).where(a.promotion_id == promotion.id, a.customer_id.is_not(None))
    ).all()
    return pa.table(
        {
            "customer_id": pa.array([r[0] for r in rows], pa.int64()),
            "at": pa.array([r[1] for r in rows], pa.timestamp("us", tz="UTC")),
            "discount": pa.array([int(r[2]) for r in rows], pa.int64()),
            "points": pa.array([int(r[3]) for r in rows], pa.int64()),
        }
    )


def _ids(db: duckdb.DuckDBPyConnection, sql: str, params: dict) -> np.ndarray:
    return db.execute(sql, params).fetchnumpy()["customer"].astype(np.int64)


def _resolved(db: duckdb.DuckDBPyConnection, ids: list[int]) -> np.ndarray:
    """Profile ids as the snapshot's people (merged profiles followed)."""
    db.register("promo_ids", pa.table({"customer": pa.array(ids, pa.int64())}))
    try:
        return _ids(db, RESOLVED, {})
    finally:
        db.unregister("promo_ids")


def _outcomes(
    db: duckdb.DuckDBPyConnection,
    treated: np.ndarray,
    control: np.ndarray,
    since: datetime,
    until: datetime,
    point_value: int,
    groups: _Groups,
) -> None:
    """Both groups' purchases in the window, each treated customer's cost the promotion's."""
    t, c = measure.read_outcomes(db, treated, control, since, until)
    db.register("promo_members", pa.table({"customer": treated.astype(np.int64)}))
    try:
        cost = db.execute(COSTS, {"since": since, "until": until}).fetchnumpy()
    finally:
        db.unregister("promo_members")
    discounts = np.asarray(cost["discount"], np.int64)
    points = np.asarray(cost["points"], np.int64)
    groups.discounts += int(discounts.sum())
    groups.points += int(points.sum())
    spent = discounts + points * point_value
    groups.treated.append(measure.Outcomes(t.orders, t.revenue, spent))
    groups.control.append(c)


def _joined(parts: list[measure.Outcomes]) -> measure.Outcomes:
    if not parts:
        empty = np.zeros(0, np.int64)
        return measure.Outcomes(empty, empty, empty)
    return measure.Outcomes(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("orders", "revenue", "cost"))
    )


def _carrying_campaigns(session: Session, promotion: Promotion) -> list[Campaign]:
    codes = (
        select(Coupon.code)
        .join(CouponBatch, CouponBatch.id == Coupon.batch_id)
        .where(CouponBatch.promotion_id == promotion.id)
    )
    return list(
        session.scalars(
            select(Campaign)
            .where(Campaign.launched_at.is_not(None), Campaign.offer_code.in_(codes))
            .order_by(Campaign.code)
        )
    )


def _point_value(session: Session) -> int:
    try:
        program, _ = program_in_force(session, None)
    except NotFound:
        return 0
    return program.point_value_minor


def default_since(session: Session, promotion: Promotion, until: datetime) -> datetime:
    """The promotion's first publication (else 90 days before ``until``)."""
    first = session.scalar(
        select(func.min(PromotionVersion.published_at)).where(
            PromotionVersion.promotion_id == promotion.id
        )
    )
    return first or until - timedelta(days=90)


def romi(
    session: Session,
    db: duckdb.DuckDBPyConnection,
    code: str,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> PromotionRomi:
    """The promotion's measured effect (see the module docstring); ``since``/``until`` bound
    the period of the offer and user comparisons (a campaign keeps its own window)."""
    promotion = get_promotion(session, code)
    until = until or now
    since = since or default_since(session, promotion, until)
    point_value = _point_value(session)
    db.register("promo_costs", _applications(session, promotion))
    groups = _Groups([], [])
    carried = _carrying_campaigns(session, promotion)
    try:
        if carried:
            comparison = "campaign_control"
            for found in carried:
                frozen = audiences.load_snapshot(session, found.snapshot_id)  # type: ignore[arg-type]
                treated, own, global_ = campaign.split(found, frozen.members)
                start = max(found.starts_at or found.launched_at, found.launched_at)  # type: ignore[type-var, arg-type]
                end = start + timedelta(days=found.window_days)
                control = np.concatenate([own, global_])
                _outcomes(db, treated, control, start, end, point_value, groups)
        else:
            offers = session.execute(
                select(PromotionOffer.customer_id, PromotionOffer.control).where(
                    PromotionOffer.promotion_id == promotion.id
                )
            ).all()
            if offers:
                comparison = "offer_holdout"
                treated = _resolved(db, [c for c, held in offers if not held])
                control = _resolved(db, [c for c, held in offers if held])
            else:
                comparison = "users_vs_buyers"
                window = {"since": since, "until": until}
                treated = _ids(db, USERS, window)
                db.register("promo_users", pa.table({"customer": treated}))
                try:
                    control = _ids(db, BUYERS, window)
                finally:
                    db.unregister("promo_users")
            _outcomes(db, treated, control, since, until, point_value, groups)
    finally:
        db.unregister("promo_costs")
    treated_all, control_all = _joined(groups.treated), _joined(groups.control)
    settings = get_settings()
    result = measure.measure(
        treated_all,
        control_all,
        message_cost_minor=settings.campaign_message_cost_minor if carried else 0,
        margin_bp=settings.campaign_margin_bp,
        min_sample=settings.campaign_min_sample,
    )
    if comparison == "users_vs_buyers":
        result = replace(
            result,
            significant=False,
            verdict="not significant: users against non-users is not a randomised comparison",
        )
    return PromotionRomi(
        promotion=code,
        comparison=comparison,
        basis=BASIS[comparison],
        campaigns=[c.code for c in carried],
        since=since,
        until=until,
        discounts_minor=groups.discounts,
        points=groups.points,
        point_value_minor=point_value,
        result=result,
    )
