"""The applicator: a pure function from a cart, the context of the sale and the rules in force to
what each promotion gives, line by line, and why each other one did not apply.

Order: by priority (lower first), then code. Stacking: an applicable ``exclusive`` promotion (the
first that gives something) applies alone; otherwise the first ``priority`` promotion that gives
something, the ``best`` one worth most to the customer and every ``stack`` one apply, each on what
the earlier ones left of each line. Limits: a promotion's own cap (amount, share of the receipt),
then the policy's cap on the receipt's total discount; a capped discount is re-spread over the
lines it fell on by largest remainder, so the parts always add up to the promotion's discount."""

from collections.abc import Iterable
from dataclasses import dataclass

from omnicrm.core.clock import zone
from omnicrm.promotions.allocation import largest_remainder
from omnicrm.promotions.benefits import Draft
from omnicrm.promotions.cart import Cart, Context
from omnicrm.promotions.results import Allocation, Applied, Evaluation, Explanation, Multiplier
from omnicrm.promotions.rules import Rule


@dataclass(frozen=True, slots=True)
class Policy:
    max_discount_share_bp: int = 10_000
    """All promotions together take at most this share of the receipt (10000 = 100%)."""
    point_value_minor: int = 100
    earn_bp: int = 500
    """Points earned per money paid, to value a points multiplier when choosing the best."""


DEFAULT_POLICY = Policy()


def _draft(rule: Rule, cart: Cart, remaining: list[int], cap: int) -> Draft | None:
    """What ``rule`` gives on what is left (``remaining`` is not changed), capped; None when it
    gives nothing."""
    work = list(remaining)
    draft = Draft()
    for effect in rule.effects:
        effect.apply(cart, work, draft, rule.max_applications)  # type: ignore[attr-defined]
    if rule.max_discount_minor is not None:
        cap = min(cap, rule.max_discount_minor)
    if rule.max_share_bp is not None:
        cap = min(cap, cart.total_minor * rule.max_share_bp // 10_000)
    if draft.discount > max(cap, 0):
        positions = sorted(draft.discounts)
        parts = largest_remainder(max(cap, 0), [draft.discounts[p] for p in positions])
        draft.discounts = {p: a for p, a in zip(positions, parts, strict=True) if a}
    if not (draft.discounts or draft.points or draft.multipliers or draft.messages or draft.gifts):
        return None
    return draft


def _value(draft: Draft, cart: Cart, policy: Policy) -> int:
    """What a draft is worth to the customer in minor units."""
    extra = sum(
        cart.lines[i].amount_minor * policy.earn_bp * (factor - 10_000) // 100_000_000
        for i, factor in draft.multipliers
    )
    return draft.discount + draft.points * policy.point_value_minor + extra


def _choose(
    eligible: list[Rule], cart: Cart, policy: Policy, cap: int
) -> tuple[list[Rule], dict[str, str]]:
    """The rules that go on to apply (in order), and why each other eligible one does not."""
    fresh = [line.amount_minor for line in cart.lines]
    skipped: dict[str, str] = {}
    for rule in eligible:
        if rule.stacking == "exclusive" and _draft(rule, cart, fresh, cap) is not None:
            for other in eligible:
                if other is not rule:
                    skipped[other.code] = f"exclusive promotion {rule.code} applies alone"
            return [rule], skipped
    chosen: list[Rule] = []
    first = None
    best, best_value = None, -1
    for rule in eligible:
        if rule.stacking == "priority":
            if first is None and _draft(rule, cart, fresh, cap) is not None:
                first = rule
                chosen.append(rule)
            elif first is not None:
                skipped[rule.code] = f"promotion {first.code} comes first by priority"
        elif rule.stacking == "best":
            draft = _draft(rule, cart, fresh, cap)
            value = _value(draft, cart, policy) if draft is not None else -1
            if value > best_value:
                if best is not None:
                    skipped[best.code] = f"promotion {rule.code} is worth more to the customer"
                best, best_value = rule, value
            elif best is not None:
                skipped[rule.code] = f"promotion {best.code} is worth more to the customer"
        elif rule.stacking != "exclusive":
            chosen.append(rule)
    if best is not None:
        chosen.append(best)
    return sorted(chosen, key=lambda r: r.order), skipped


def _applied(rule: Rule, draft: Draft, cart: Cart) -> Applied:
    lines = cart.lines
    return Applied(
        promotion_id=rule.promotion_id,
        code=rule.code,
        version=rule.version,
        discount_minor=draft.discount,
        lines=tuple(
            Allocation(lines[p].line_no, a) for p, a in sorted(draft.discounts.items()) if a
        ),
        points=draft.points,
        multipliers=tuple(Multiplier(lines[p].line_no, f) for p, f in draft.multipliers),
        messages=tuple(draft.messages),
        gifts=tuple(draft.gifts),
        applications=draft.applications,
    )


def evaluate(
    rules: Iterable[Rule], cart: Cart, ctx: Context, policy: Policy = DEFAULT_POLICY
) -> Evaluation:
    local = ctx.now.astimezone(zone(ctx.timezone))
    explanations: dict[str, Explanation] = {}
    eligible: list[Rule] = []
    ordered = sorted(rules, key=lambda r: r.order)
    for rule in ordered:
        reason = rule.why_not(cart, ctx, local)
        if reason is None:
            eligible.append(rule)
        else:
            explanations[rule.code] = Explanation(rule.code, rule.version, False, reason)

    cap = cart.total_minor * policy.max_discount_share_bp // 10_000
    chosen, skipped = _choose(eligible, cart, policy, cap) if eligible else ([], {})
    for rule in eligible:
        if rule.code in skipped:
            explanations[rule.code] = Explanation(
                rule.code, rule.version, False, skipped[rule.code]
            )

    nothing = "gives nothing on this receipt (nothing left to discount or too few items)"
    for rule in eligible:
        if rule.code not in explanations:
            explanations[rule.code] = Explanation(rule.code, rule.version, False, nothing)
    remaining = [line.amount_minor for line in cart.lines]
    applied: list[Applied] = []
    for rule in chosen:
        draft = _draft(rule, cart, remaining, cap)
        if draft is None:
            continue
        for position, amount in draft.discounts.items():
            remaining[position] -= amount
        cap -= draft.discount
        result = _applied(rule, draft, cart)
        applied.append(result)
        explanations[rule.code] = Explanation(rule.code, rule.version, True, "applied")

    line_discounts = {
        line.line_no: line.amount_minor - left
        for line, left in zip(cart.lines, remaining, strict=True)
    }
    return Evaluation(
        applied=tuple(applied),
        explanations=tuple(explanations[r.code] for r in ordered),
        discount_minor=sum(a.discount_minor for a in applied),
        line_discounts=line_discounts,
        points=sum(a.points for a in applied),
    )
