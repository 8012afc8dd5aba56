"""Promotions at the till: the pricing step of calculate, confirm and return.

``price_receipt`` fetches once what the rules in force need (customer, catalogue, coupons,
offers, budgets), evaluates them, and prices the rest with the loyalty program on what the
promotions left of each line; the promotions' discounts and points are folded into the loyalty
quote line by line (so returns undo them with the line), each naming its promotion and version.
On confirm it also takes the budgets and coupon uses, re-evaluating without a promotion whose
budget or coupon a concurrent till has just used up; ``record_promotions`` stores what applied
with the receipt and ``give_back_for_return`` restores budgets and coupons on a return/cancel."""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Connection, exists, select, update

from omnicrm.loyalty.ledger import CardState
from omnicrm.loyalty.programs import Program, bp
from omnicrm.loyalty.receipt import Line, Member, PricedLine, Quote, Reason
from omnicrm.promotions import budgets, coupons, offers, repository
from omnicrm.promotions.allocation import largest_remainder
from omnicrm.promotions.cart import (
    DEFAULT_TZ,
    CartLine,
    Context,
    Customer,
    category_keys,
    make_cart,
)
from omnicrm.promotions.evaluate import Policy, evaluate
from omnicrm.promotions.results import Applied, Evaluation
from omnicrm.promotions.rules import Rule
from omnicrm.store.schema import Brand, Category, Order, Product, Store
from omnicrm.store.schema.customers import Customer as CustomerRow
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyOperation
from omnicrm.store.schema.promotions import PromotionApplication

PriceFn = Callable[[list[Line]], Quote]


@dataclass(frozen=True, slots=True)
class Sale:
    """Where and for whom a receipt is priced."""

    account_id: int | None
    member: Member
    now: datetime
    store: str | None = None
    channel: str | None = None
    coupons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Priced:
    quote: Quote
    evaluation: Evaluation | None = None
    customer_id: int | None = None
    promo_points: dict[str, int] = field(default_factory=dict)
    """Points each promotion's rule (``promo:CODE@vN``) adds, folded into the lines' points."""
    coupon_checks: tuple[coupons.CouponCheck, ...] = ()

    extra_by_line: dict[int, int] = field(default_factory=dict)
    """line_no -> the promotions' points included in the line's ``points_earned``."""

    def earned_by_rule(self) -> dict[str, int]:
        """Points to grant per rule: the program's earn rules, then each promotion's."""
        by_rule: dict[str, int] = {}
        for line in self.quote.lines:
            own = line.points_earned - self.extra_by_line.get(line.line_no, 0)
            if own and line.earn_rule:
                by_rule[line.earn_rule] = by_rule.get(line.earn_rule, 0) + own
        for rule, points in self.promo_points.items():
            by_rule[rule] = by_rule.get(rule, 0) + points
        return by_rule

    def response(self) -> dict:
        applied = self.evaluation.applied if self.evaluation else ()
        return {
            "promotions": [
                {
                    "promotion": a.code,
                    "version": a.version,
                    "rule": a.rule,
                    "discount_minor": a.discount_minor,
                    "points": self.promo_points.get(a.rule, 0),
                    "lines": [
                        {"line_no": x.line_no, "amount_minor": x.amount_minor} for x in a.lines
                    ],
                    "gifts": [{"sku": sku, "qty": qty} for sku, qty in a.gifts],
                }
                for a in applied
            ],
            "messages": [
                {"audience": audience, "text": text, "promotion": a.code}
                for a in applied
                for audience, text in a.messages
            ],
            "coupons": [
                {"code": c.code, "valid": c.valid, "reason": c.reason, "promotion": c.promotion}
                for c in self.coupon_checks
            ],
        }


def policy_of(program: Program) -> Policy:
    return Policy(
        point_value_minor=program.point_value_minor,
        earn_bp=bp(program.points.base_earn_pct),
    )


_ZONES: dict[str, str] = {}


def _timezone(conn: Connection, store: str | None) -> str:
    if store is None:
        return DEFAULT_TZ
    tz = _ZONES.get(store)
    if tz is None:
        tz = conn.scalar(select(Store.timezone).where(Store.code == store)) or DEFAULT_TZ
        _ZONES[store] = tz
    return tz


def _age(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _customer(conn: Connection, rules: tuple[Rule, ...], sale: Sale) -> tuple[int | None, Customer]:
    if sale.account_id is None:
        return None, Customer()
    bought = exists().where(
        LoyaltyOperation.account_id == LoyaltyAccount.id, LoyaltyOperation.kind == "confirm"
    )
    ordered = exists().where(Order.customer_id == LoyaltyAccount.customer_id)
    row = conn.execute(
        select(
            LoyaltyAccount.customer_id,
            CustomerRow.birth_date,
            CustomerRow.gender,
            CustomerRow.city,
            CustomerRow.home_store_id,
            bought.label("bought"),
            ordered.label("ordered"),
        )
        .join(CustomerRow, CustomerRow.id == LoyaltyAccount.customer_id)
        .where(LoyaltyAccount.id == sale.account_id)
    ).first()
    if row is None:
        return None, Customer(level=sale.member.level)
    needs = set().union(*(r.needs for r in rules))
    segments = repository.segments_of(conn, row.customer_id) if "customer" in needs else frozenset()
    held = offers.offers_for(conn, row.customer_id, sale.now) if "offers" in needs else frozenset()
    return row.customer_id, Customer(
        customer_id=row.customer_id,
        level=sale.member.level,
        segments=segments,
        birth_date=row.birth_date,
        first_purchase=not (row.bought or row.ordered),
        attributes={
            "gender": row.gender,
            "city": row.city,
            "home_store": row.home_store_id,
            "age": _age(row.birth_date, sale.now.date()),
            "level": sale.member.level,
        },
        offers=held,
    )


def _cart(conn: Connection, lines: list[Line], catalogue: bool):  # type: ignore[no-untyped-def]
    facts: dict[str, tuple[str | None, str | None]] = {}
    if catalogue:
        rows = conn.execute(
            select(Product.sku, Category.path, Brand.name)
            .join(Category, Category.id == Product.category_id)
            .outerjoin(Brand, Brand.id == Product.brand_id)
            .where(Product.sku.in_(sorted({line.sku for line in lines})))
        )
        facts = {sku: (path, brand) for sku, path, brand in rows}
    return make_cart(
        CartLine(
            line.line_no,
            line.sku,
            line.qty,
            line.amount_minor,
            category_keys(line.category, facts.get(line.sku, (None, None))[0]),
            facts.get(line.sku, (None, None))[1],
        )
        for line in lines
    )


def _use(applied: Applied, points: int) -> budgets.Use:
    return budgets.Use(money=applied.discount_minor, points=points, redemptions=1)


def price_receipt(
    conn: Connection,
    program: Program,
    lines: list[Line],
    sale: Sale,
    price: PriceFn,
    *,
    take: bool = False,
) -> Priced:
    """The receipt priced with the promotions in force, then the program. ``take``: on confirm,
    also take budgets and coupon uses (in the caller's transaction, under the account lock)."""
    rules = repository.active_rules(conn)
    if not rules and not sale.coupons:
        quote = price(lines)
        return Priced(quote, None)
    customer_id, customer = _customer(conn, rules, sale)
    checks = tuple(coupons.check_coupon(conn, code, customer_id, sale.now) for code in sale.coupons)
    needs = set().union(*(r.needs for r in rules)) if rules else set()
    cart = _cart(conn, lines, "catalogue" in needs)
    policy = policy_of(program)
    exhausted: set[str] = set()
    while True:
        valid = frozenset(c.promotion for c in checks if c.valid and c.promotion)
        ctx = Context(
            now=sale.now,
            timezone=_timezone(conn, sale.store),
            channel=sale.channel or "store",
            store=sale.store,
            customer=customer,
            coupons=valid,
            exhausted=frozenset(exhausted),
        )
        evaluation = evaluate(rules, cart, ctx, policy)
        priced = _fold(evaluation, lines, sale.member, price)
        short, taken = _take_budgets(conn, rules, evaluation, priced, customer_id, take)
        if short is None and take:
            short, checks = _redeem(conn, evaluation, checks)
            if short is not None:
                _give_back(conn, customer_id, taken)
        if short is None:
            break
        exhausted.add(short)
    return replace(priced, customer_id=customer_id, coupon_checks=checks)


Taken = list[tuple[Rule, budgets.Use]]


def _give_back(conn: Connection, customer_id: int | None, taken: Taken) -> None:
    for rule, use in taken:
        budgets.give_back(conn, rule.promotion_id, customer_id, rule.definition.budget, use)  # type: ignore[arg-type]


def _take_budgets(
    conn: Connection,
    rules: tuple[Rule, ...],
    evaluation: Evaluation,
    priced: Priced,
    customer_id: int | None,
    take: bool,
) -> tuple[str | None, Taken]:
    """Take (or, for a quote, check) each applied promotion's budget: the code of the first that
    cannot be covered (what was taken before it is given back), or None and what was taken."""
    by_code = {r.code: r for r in rules}
    taken: Taken = []
    for applied in evaluation.applied:
        rule = by_code[applied.code]
        budget = rule.definition.budget
        if not (budgets.limited(budget, False) or budgets.limited(budget, True)):
            continue
        use = budgets.Use(applied.discount_minor, priced.promo_points.get(applied.rule, 0), 1)
        pid = applied.promotion_id
        if take:
            ok = budgets.take(conn, pid, customer_id, budget, use)  # type: ignore[arg-type]
        else:
            ok = budgets.fits(conn, pid, customer_id, budget, use)  # type: ignore[arg-type]
        if not ok:
            _give_back(conn, customer_id, taken)
            return applied.code, []
        if take:
            taken.append((rule, use))
    return None, taken


def _redeem(
    conn: Connection, evaluation: Evaluation, checks: tuple[coupons.CouponCheck, ...]
) -> tuple[str | None, tuple[coupons.CouponCheck, ...]]:
    """Use one presented code of each applied promotion; a code a concurrent till used up first
    becomes invalid (the uses taken so far are given back) and the promotion's code is returned
    so the receipt is evaluated again."""
    applied = {a.code for a in evaluation.applied}
    out = list(checks)
    used: list[int] = []
    done: set[str] = set()
    for i, check in enumerate(out):
        if not check.valid or check.promotion not in applied or check.promotion in done:
            continue
        if coupons.redeem_use(conn, check):
            used.append(check.coupon_id)  # type: ignore[arg-type]
            done.add(check.promotion)  # type: ignore[arg-type]
        else:
            for coupon_id in used:
                coupons.unuse(conn, coupon_id)
            out[i] = replace(check, valid=False, reason="already used")
            return check.promotion, tuple(out)
    return None, tuple(out)


def _fold(evaluation: Evaluation, lines: list[Line], member: Member, price: PriceFn) -> Priced:
    """Price with the program what the promotions left, and put the promotions' discounts and
    points into the lines, each with the rule that caused it."""
    off = evaluation.line_discounts
    reduced = [
        replace(line, amount_minor=line.amount_minor - off.get(line.line_no, 0)) for line in lines
    ]
    quote = price(reduced)
    if not evaluation.applied:
        return Priced(quote, evaluation)
    reasons: dict[int, list[Reason]] = {}
    for a in evaluation.applied:
        for x in a.lines:
            reasons.setdefault(x.line_no, []).append(Reason(a.rule, x.amount_minor))
    extra: dict[int, int] = {}
    promo_points: dict[str, int] = {}
    may_earn = member.card_state is not CardState.BLOCKED
    earned = {p.line_no: p.points_earned for p in quote.lines}
    for a in evaluation.applied if may_earn else ():
        points = 0
        for m in a.multipliers:
            more = earned.get(m.line_no, 0) * (m.factor_bp - 10_000) // 10_000
            extra[m.line_no] = extra.get(m.line_no, 0) + more
            points += more
        if a.points:
            weights = [max(p.paid_minor, 0) for p in quote.lines]
            if not any(weights):
                weights = [1] * len(quote.lines)
            for p, part in zip(quote.lines, largest_remainder(a.points, weights), strict=True):
                extra[p.line_no] = extra.get(p.line_no, 0) + part
            points += a.points
        if points:
            promo_points[a.rule] = points
    new_lines = tuple(
        PricedLine(
            line_no=p.line_no,
            amount_minor=p.amount_minor + off.get(p.line_no, 0),
            discount_minor=p.discount_minor + off.get(p.line_no, 0),
            discounts=tuple(reasons.get(p.line_no, ())) + p.discounts,
            points_spent=p.points_spent,
            paid_minor=p.paid_minor,
            points_earned=p.points_earned + extra.get(p.line_no, 0),
            earn_rule=p.earn_rule,
            stamps=p.stamps,
        )
        for p in quote.lines
    )
    quote = replace(
        quote,
        lines=new_lines,
        total_minor=sum(p.amount_minor for p in new_lines),
        discount_minor=sum(p.discount_minor for p in new_lines),
        points_earned=sum(p.points_earned for p in new_lines),
    )
    return Priced(quote, evaluation, promo_points=promo_points, extra_by_line=extra)


def record_promotions(conn: Connection, priced: Priced, operation_id: int, now: datetime) -> None:
    """Store what applied with the receipt (and the codes it used)."""
    if priced.evaluation is None or not priced.evaluation.applied:
        return
    coupon_of = {}
    for check in priced.coupon_checks:
        if check.valid and check.promotion and check.promotion not in coupon_of:
            coupon_of[check.promotion] = check
    rows = []
    for applied in priced.evaluation.applied:
        points = priced.promo_points.get(applied.rule, 0)
        check = coupon_of.get(applied.code)
        if check is not None:
            coupons.record_redemption(conn, check, priced.customer_id, operation_id, now)
        rows.append(
            {
                "operation_id": operation_id,
                "promotion_id": applied.promotion_id,
                "version": applied.version,
                "customer_id": priced.customer_id,
                "coupon_id": check.coupon_id if check else None,
                "discount_minor": applied.discount_minor,
                "points": points,
                "lines": [
                    {"line_no": x.line_no, "discount_minor": x.amount_minor} for x in applied.lines
                ],
                "restored_discount": 0,
                "restored_points": 0,
                "redemption_restored": False,
                "at": now,
            }
        )
    conn.execute(PromotionApplication.__table__.insert(), rows)


def give_back_for_return(
    conn: Connection,
    operation_id: int,
    returned: dict[int, tuple[int, int]],
    now: datetime,
) -> None:
    """After a return or cancel of the receipt ``operation_id``: give back to each applied
    promotion's budget (under the version that priced the receipt) the share of its discount and
    points on the units returned so far (``returned``: line_no -> (returned qty, qty)); on a full
    return also the redemption and the coupon codes."""
    full = all(done >= qty for done, qty in returned.values())
    table = PromotionApplication.__table__
    applications = conn.execute(select(table).where(table.c.operation_id == operation_id)).all()
    for app in applications:
        rule = repository.compiled_version(conn, app.promotion_id, app.version)
        target = 0
        for x in app.lines:
            done, qty = returned.get(x["line_no"], (0, 1))
            target += x["discount_minor"] * done // qty
        money = (app.discount_minor if full else target) - app.restored_discount
        points_target = app.points if full else app.points * _share(returned) // 10_000
        points = points_target - app.restored_points
        redemption = 1 if full and not app.redemption_restored else 0
        if money or points or redemption:
            budgets.give_back(
                conn,
                app.promotion_id,
                app.customer_id,
                rule.definition.budget,
                budgets.Use(money, points, redemption),
            )
            conn.execute(
                update(PromotionApplication)
                .where(PromotionApplication.id == app.id)
                .values(
                    restored_discount=app.restored_discount + money,
                    restored_points=app.restored_points + points,
                    redemption_restored=app.redemption_restored or bool(redemption),
                )
            )
    if full:
        coupons.give_back(conn, operation_id, now)


def _share(returned: dict[int, tuple[int, int]]) -> int:
    """Basis points of the receipt's units returned so far."""
    total = sum(qty for _, qty in returned.values())
    return sum(done for done, _ in returned.values()) * 10_000 // total if total else 0


def price_request(  # type: ignore[no-untyped-def]
    conn: Connection,
    program: Program,
    request,
    account_id: int,
    member: Member,
    now: datetime,
    *,
    take: bool = False,
) -> Priced:
    """``price_receipt`` for a till request (``loyalty.schemas.ReceiptRequest``)."""
    from omnicrm.loyalty.receipt import price

    lines = [
        Line(line.line_no, line.sku, line.category, line.qty, line.amount) for line in request.lines
    ]
    sale = Sale(
        account_id=account_id,
        member=member,
        now=request.occurred_at or now,
        store=request.store,
        channel=request.channel,
        coupons=tuple(request.coupons or ()),
    )
    return price_receipt(
        conn,
        program,
        lines,
        sale,
        lambda priced_lines: price(
            program, priced_lines, member, request.points_to_spend, request.partner
        ),
        take=take,
    )
