"""A promotion version compiled for evaluation: frozen dataclasses with its conditions and effects
ready to run, what the evaluator must know about the sale to judge it (``needs``)."""

from dataclasses import dataclass
from datetime import datetime

from omnicrm.promotions import model
from omnicrm.promotions.benefits import DISCOUNTS, bp, compile_effect
from omnicrm.promotions.cart import Cart, Context
from omnicrm.promotions.conditions import compile_condition

CUSTOMER_CONDITIONS = {
    "customer_level",
    "customer_segment",
    "first_purchase",
    "birthday",
    "customer_attribute",
}


@dataclass(frozen=True, slots=True)
class Rule:
    promotion_id: int | None
    code: str
    version: int
    priority: int
    stacking: str
    trigger: str
    starts_at: datetime | None
    ends_at: datetime | None
    conditions: tuple[tuple[str, object], ...]
    """(label such as ``conditions[2] (items)``, compiled condition)."""
    effects: tuple[object, ...]
    gives_discount: bool
    max_applications: int | None
    max_share_bp: int | None
    max_discount_minor: int | None
    needs: frozenset[str]
    """``customer``, ``catalogue``, ``offers``, ``coupons``: facts the till must fetch."""
    definition: model.PromotionRules

    @property
    def order(self) -> tuple[int, str]:
        return (self.priority, self.code)

    def out_of_dates(self, now: datetime) -> str | None:
        """Why the promotion is not in force at ``now`` by its dates (None: it is)."""
        if self.starts_at is not None and now < self.starts_at:
            return f"starts at {self.starts_at.isoformat()}"
        if self.ends_at is not None and now >= self.ends_at:
            return f"ended at {self.ends_at.isoformat()}"
        return None

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        if self.code in ctx.exhausted:
            return "budget exhausted"
        dates = self.out_of_dates(ctx.now)
        if dates is not None:
            return dates
        if self.trigger == "coupon" and self.code not in ctx.coupons:
            return "trigger: no valid coupon of this promotion presented"
        if self.trigger == "personal_offer" and self.code not in ctx.customer.offers:
            return "trigger: the customer holds no offer of this promotion"
        for label, condition in self.conditions:
            reason = condition.why_not(cart, ctx, local)  # type: ignore[attr-defined]
            if reason is not None:
                return f"{label}: {reason}"
        return None


def _needs(rules: model.PromotionRules) -> frozenset[str]:
    needs = set()
    kinds = {c.type for c in rules.conditions}
    if kinds & CUSTOMER_CONDITIONS:
        needs.add("customer")
    if rules.trigger == "personal_offer":
        needs.add("offers")
    if rules.trigger == "coupon" or "coupon" in kinds:
        needs.add("coupons")
    selectors = [c.select for c in rules.conditions if hasattr(c, "select")]
    selectors += [e.select for e in rules.effects if hasattr(e, "select")]
    if any(s.categories or s.brands for s in selectors):
        needs.add("catalogue")
    if rules.budget.per_customer_money_minor is not None or (
        rules.budget.per_customer_points is not None
        or rules.budget.per_customer_redemptions is not None
    ):
        needs.add("customer")
    return frozenset(needs)


def compile_rule(
    rules: model.PromotionRules, version: int, promotion_id: int | None = None
) -> Rule:
    effects = tuple(compile_effect(e) for e in rules.effects)
    limits = rules.limits
    return Rule(
        promotion_id=promotion_id,
        code=rules.code,
        version=version,
        priority=rules.priority,
        stacking=rules.stacking,
        trigger=rules.trigger,
        starts_at=rules.starts_at,
        ends_at=rules.ends_at,
        conditions=tuple(
            (f"conditions[{i}] ({c.type})", compile_condition(c, rules.code))
            for i, c in enumerate(rules.conditions)
        ),
        effects=effects,
        gives_discount=any(isinstance(e, DISCOUNTS) for e in effects),
        max_applications=limits.max_applications,
        max_share_bp=bp(limits.max_discount_share_pct)
        if limits.max_discount_share_pct is not None
        else None,
        max_discount_minor=limits.max_discount_minor,
        needs=_needs(rules),
        definition=rules,
    )
