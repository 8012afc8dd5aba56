"""Pricing a receipt for a member, and what a return of some of its lines undoes. Pure functions
over frozen dataclasses; every discount and every point carries the rule that caused it."""

from dataclasses import dataclass, field

from omnicrm.loyalty.ledger import CardState, pro_rata
from omnicrm.loyalty.programs import CoBrand, Program, bp


@dataclass(frozen=True, slots=True)
class Line:
    line_no: int
    sku: str
    category: str | None
    qty: int
    amount_minor: int
    """What the line costs before loyalty discounts (the till's own price)."""


@dataclass(frozen=True, slots=True)
class Member:
    """What pricing needs to know about the member, fetched once."""

    card_state: CardState
    level: str | None
    spendable: int
    stamps: dict[str, int] = field(default_factory=dict)
    clubs: frozenset[str] = frozenset()
    paid_plans: frozenset[str] = frozenset()
    cobrands: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    amount: int


@dataclass(frozen=True, slots=True)
class PricedLine:
    line_no: int
    amount_minor: int
    discount_minor: int
    discounts: tuple[Reason, ...]
    points_spent: int
    paid_minor: int
    points_earned: int
    earn_rule: str | None
    stamps: int


@dataclass(frozen=True, slots=True)
class Quote:
    lines: tuple[PricedLine, ...]
    total_minor: int
    discount_minor: int
    max_points: int
    points_spent: int
    paid_minor: int
    points_earned: int
    stamps_after: dict[str, int]
    free_items: dict[str, int]


def _stamp_card_units(program: Program, lines: list[Line], member: Member):  # type: ignore[no-untyped-def]
    """Per card: free-unit discounts and stamps per line, and the card's stamps afterwards."""
    discounts: dict[int, list[Reason]] = {}
    stamps_by_line: dict[int, int] = {}
    after = dict(member.stamps)
    free: dict[str, int] = {}
    if member.card_state is CardState.BLOCKED:
        return discounts, stamps_by_line, after, free
    for card in program.stamp_cards:
        have = after.get(card.code, 0)
        for line in lines:
            if not (line.sku in card.skus or (line.category or "") in card.categories):
                continue
            unit = line.amount_minor // line.qty
            for _ in range(line.qty):
                if have >= card.buy:
                    discounts.setdefault(line.line_no, []).append(
                        Reason(f"stamp_card:{card.code}", unit)
                    )
                    free[card.code] = free.get(card.code, 0) + 1
                    have = 0
                else:
                    have += 1
                    stamps_by_line[line.line_no] = stamps_by_line.get(line.line_no, 0) + 1
        after[card.code] = have
    return discounts, stamps_by_line, after, free


def _discount_bp(program: Program, member: Member, partner: str | None) -> list[tuple[str, int]]:
    if partner is not None or member.card_state is CardState.BLOCKED:
        return []
    rates = []
    tier = program.tier(member.level)
    if tier is not None and tier.discount_pct:
        rates.append((f"level:{tier.code}", bp(tier.discount_pct)))
    for plan in program.paid_plans:
        if plan.code in member.paid_plans and plan.discount_pct:
            rates.append((f"paid_plan:{plan.code}", bp(plan.discount_pct)))
    return rates


def cobrand_of(program: Program, member: Member) -> CoBrand | None:
    """The co-branded card the member holds (the program's first, should they hold several)."""
    return next((c for c in program.cobrands if c.code in member.cobrands), None)


def earn_rate(
    program: Program, member: Member, category: str | None, partner: str | None
) -> tuple[int, str]:
    """Basis points of the money paid earned as points on a line, and the rule that says so: a
    partner's till earns the partner's rate; a co-branded card its own rate (rule
    ``cobrand:CODE``, which the partner's funded share is settled on), else category, level or
    base; club and paid-plan extras add to the last two."""
    if partner is not None:
        p = program.partner(partner)
        return (bp(p.earn_pct), f"partner:{partner}") if p else (0, "partner:unknown")
    cat = category or ""
    cobrand = cobrand_of(program, member)
    if cobrand is not None:
        rate, rule = bp(cobrand.earn_pct), f"cobrand:{cobrand.code}"
    elif cat in program.points.category_earn_pct:
        rate, rule = bp(program.points.category_earn_pct[cat]), f"earn:category:{cat}"
    else:
        tier = program.tier(member.level)
        if tier is not None and tier.earn_pct is not None:
            rate, rule = bp(tier.earn_pct), f"earn:level:{tier.code}"
        else:
            rate, rule = bp(program.points.base_earn_pct), "earn:base"
    for club in program.clubs:
        if club.code in member.clubs and cat in club.categories:
            rate += bp(club.extra_earn_pct)
            rule += f"+club:{club.code}"
    for plan in program.paid_plans:
        if plan.code in member.paid_plans and plan.extra_earn_pct:
            rate += bp(plan.extra_earn_pct)
            rule += f"+paid_plan:{plan.code}"
    return rate, rule


def max_share_bp(program: Program, partner: str | None, member: Member) -> int:
    """The largest share of a receipt points may pay: the partner's at its till, the co-branded
    card's (when it sets one) for its holders, else the program's."""
    if partner is not None:
        p = program.partner(partner)
        return bp(p.max_share_pct) if p else 0
    cobrand = cobrand_of(program, member)
    if cobrand is not None and cobrand.max_share_pct is not None:
        return bp(cobrand.max_share_pct)
    return bp(program.points.max_share_pct)


def price(
    program: Program,
    lines: list[Line],
    member: Member,
    points_wanted: int | None,
    partner: str | None = None,
) -> Quote:
    """Discounts, the most points that may pay, ``points_wanted`` (clipped to that) spread over
    the lines pro rata, and the points each line earns on the money paid."""
    stamp_discounts, stamps_by_line, stamps_after, free = _stamp_card_units(program, lines, member)
    rates = _discount_bp(program, member, partner)
    nets: list[int] = []
    reasons: list[tuple[Reason, ...]] = []
    for line in lines:
        line_reasons = list(stamp_discounts.get(line.line_no, []))
        base = line.amount_minor - sum(r.amount for r in line_reasons)
        for rule, rate in rates:
            amount = base * rate // 10_000
            if amount:
                line_reasons.append(Reason(rule, amount))
        nets.append(line.amount_minor - sum(r.amount for r in line_reasons))
        reasons.append(tuple(line_reasons))

    pv = program.point_value_minor
    excluded = set(program.points.excluded_categories)
    eligible = [(line.category or "") not in excluded for line in lines]
    share = max_share_bp(program, partner, member)
    caps = [
        net * share // 10_000 // pv if ok else 0 for net, ok in zip(nets, eligible, strict=True)
    ]
    may_spend = member.card_state is CardState.ACTIVE
    max_points = min(member.spendable, sum(caps)) if may_spend else 0
    spent_total = min(points_wanted or 0, max_points)
    spent = pro_rata(spent_total, nets, caps)

    priced = []
    for line, net, why, pts, ok in zip(lines, nets, reasons, spent, eligible, strict=True):
        paid = net - pts * pv
        earned, rule = 0, None
        if member.card_state is not CardState.BLOCKED and ok:
            rate, rule = earn_rate(program, member, line.category, partner)
            earned = paid * rate // (10_000 * pv)
        priced.append(
            PricedLine(
                line_no=line.line_no,
                amount_minor=line.amount_minor,
                discount_minor=line.amount_minor - net,
                discounts=why,
                points_spent=pts,
                paid_minor=paid,
                points_earned=earned,
                earn_rule=rule,
                stamps=stamps_by_line.get(line.line_no, 0),
            )
        )
    return Quote(
        lines=tuple(priced),
        total_minor=sum(line.amount_minor for line in lines),
        discount_minor=sum(p.discount_minor for p in priced),
        max_points=max_points,
        points_spent=spent_total,
        paid_minor=sum(p.paid_minor for p in priced),
        points_earned=sum(p.points_earned for p in priced),
        stamps_after=stamps_after,
        free_items=free,
    )


@dataclass(frozen=True, slots=True)
class SoldLine:
    """A confirmed line and what earlier returns already undid."""

    qty: int
    paid_minor: int
    points_earned: int
    points_spent: int
    stamps: int
    returned_qty: int = 0
    revoked_earned: int = 0
    refunded_spent: int = 0
    refunded_paid: int = 0


@dataclass(frozen=True, slots=True)
class LineReturn:
    qty: int
    revoke_earned: int
    refund_spent: int
    refund_paid: int
    revoke_stamps: int


def return_line(sold: SoldLine, qty: int) -> LineReturn:
    """What returning ``qty`` more units undoes, computed on the cumulative quantity so that a
    return in parts ends exactly where a full return would: earned points are taken back rounding
    up, spent points and money given back rounding down (a return never nets a gain)."""
    if qty <= 0 or sold.returned_qty + qty > sold.qty:
        raise ValueError(f"cannot return {qty} of {sold.qty - sold.returned_qty} left")
    done = sold.returned_qty + qty
    revoke = -(-sold.points_earned * done // sold.qty) - sold.revoked_earned
    refund_spent = sold.points_spent * done // sold.qty - sold.refunded_spent
    refund_paid = sold.paid_minor * done // sold.qty - sold.refunded_paid
    stamps = -(-sold.stamps * done // sold.qty) - (-(-sold.stamps * sold.returned_qty // sold.qty))
    return LineReturn(qty, revoke, refund_spent, refund_paid, stamps)
