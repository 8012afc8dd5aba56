"""Simulation: run a draft promotion over a period of historical receipts (orders of every
channel with their lines, read in chunks of orders by id) and report what it would have cost
(discount, points) and whom it would have reached, overall and by channel and store.

History does not keep a customer's level, segments or coupons at the time: the simulation takes
each customer's level as it is now (the account of the profile or of one merged into it) and
assumes a coupon or an offer the rules need was presented (``assume_presented``)."""

import time
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection, func, select

from omnicrm.promotions.cart import (
    DEFAULT_TZ,
    CartLine,
    Context,
    Customer,
    category_keys,
    make_cart,
)
from omnicrm.promotions.evaluate import DEFAULT_POLICY, Policy, evaluate
from omnicrm.promotions.model import PromotionRules
from omnicrm.promotions.rules import compile_rule
from omnicrm.store.schema import Brand, Category, Order, OrderLine, Product, Store
from omnicrm.store.schema.customers import Customer as CustomerRow
from omnicrm.store.schema.loyalty import LoyaltyAccount


@dataclass(slots=True)
class Tally:
    receipts: int = 0
    reached: int = 0
    customers: set[int] = field(default_factory=set)
    sales_minor: int = 0
    discount_minor: int = 0
    points: int = 0

    def as_dict(self) -> dict:
        return {
            "receipts": self.receipts,
            "receipts_reached": self.reached,
            "customers_reached": len(self.customers),
            "sales_minor": self.sales_minor,
            "discount_minor": self.discount_minor,
            "points": self.points,
        }


@dataclass(slots=True)
class Simulation:
    total: Tally = field(default_factory=Tally)
    by_channel: dict[str, Tally] = field(default_factory=dict)
    by_store: dict[str, Tally] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            **self.total.as_dict(),
            "by_channel": {k: v.as_dict() for k, v in sorted(self.by_channel.items())},
            "by_store": {k: v.as_dict() for k, v in sorted(self.by_store.items())},
            "seconds": round(self.seconds, 3),
        }


def _catalogue(conn: Connection) -> dict[int, tuple[str, frozenset[str], str | None]]:
    rows = conn.execute(
        select(Product.id, Product.sku, Category.path, Brand.name)
        .join(Category, Category.id == Product.category_id)
        .outerjoin(Brand, Brand.id == Product.brand_id)
    )
    return {pid: (sku, category_keys(None, path), brand) for pid, sku, path, brand in rows}


def simulate_promotion(
    conn: Connection,
    rules: PromotionRules,
    start: datetime,
    end: datetime,
    *,
    policy: Policy = DEFAULT_POLICY,
    assume_presented: bool = True,
    chunk: int = 20_000,
) -> Simulation:
    """What ``rules`` would have given on the orders placed in ``[start, end)``."""
    began = time.perf_counter()
    rule = compile_rule(rules, version=0)
    products = _catalogue(conn)
    stores = {
        sid: (code, tz)
        for sid, code, tz in conn.execute(select(Store.id, Store.code, Store.timezone))
    }
    customers: dict[int, Customer] = {}
    first_order: dict[int, int] = {}
    if "customer" in rule.needs:
        levels = _current_levels(conn)
        for cid, born, gender, city in conn.execute(
            select(CustomerRow.id, CustomerRow.birth_date, CustomerRow.gender, CustomerRow.city)
        ):
            customers[cid] = Customer(
                customer_id=cid,
                level=levels.get(cid),
                birth_date=born,
                attributes={"gender": gender, "city": city},
            )
        first_order = dict(
            conn.execute(
                select(Order.customer_id, func.min(Order.id)).group_by(Order.customer_id)
            ).all()
        )
    presented = frozenset({rules.code}) if assume_presented else frozenset()
    result = Simulation()
    after = 0
    while True:
        orders = conn.execute(
            select(Order.id, Order.channel, Order.store_id, Order.placed_at, Order.customer_id)
            .where(Order.placed_at >= start, Order.placed_at < end, Order.id > after)
            .order_by(Order.id)
            .limit(chunk)
        ).all()
        if not orders:
            break
        after = orders[-1].id
        lines: dict[int, list[CartLine]] = {}
        for oid, no, pid, qty, unit in conn.execute(
            select(
                OrderLine.order_id,
                OrderLine.line_no,
                OrderLine.product_id,
                OrderLine.qty,
                OrderLine.unit_price_minor,
            ).where(OrderLine.order_id >= orders[0].id, OrderLine.order_id <= after)
        ):
            sku, cats, brand = products.get(pid, (str(pid), frozenset(), None))
            lines.setdefault(oid, []).append(CartLine(no, sku, qty, qty * unit, cats, brand))
        for order in orders:
            got = lines.get(order.id)
            if not got:
                continue
            store, tz = stores.get(order.store_id, (None, DEFAULT_TZ))
            cid = order.customer_id
            customer = customers.get(cid, Customer(customer_id=cid)) if cid else Customer()
            if cid is not None:
                first = bool(first_order) and first_order.get(cid) == order.id
                customer = replace(customer, first_purchase=first, offers=presented)
            cart = make_cart(got)
            ctx = Context(
                now=order.placed_at,
                timezone=tz,
                channel=order.channel,
                store=store,
                customer=customer,
                coupons=presented,
            )
            evaluation = evaluate((rule,), cart, ctx, policy)
            points = evaluation.points + _multiplied(evaluation, cart, policy)
            tallies = (
                result.total,
                result.by_channel.setdefault(order.channel, Tally()),
                result.by_store.setdefault(store or "-", Tally()),
            )
            for tally in tallies:
                tally.receipts += 1
                tally.sales_minor += cart.total_minor
                if evaluation.applied:
                    tally.reached += 1
                    tally.discount_minor += evaluation.discount_minor
                    tally.points += points
                    if cid is not None:
                        tally.customers.add(cid)
    result.seconds = time.perf_counter() - began
    return result


def _current_levels(conn: Connection) -> dict[int, str]:
    """Live profile -> its loyalty level now (the highest account id wins when several)."""
    live = func.coalesce(CustomerRow.merged_into_id, CustomerRow.id)
    rows = conn.execute(
        select(live, LoyaltyAccount.level)
        .join(CustomerRow, CustomerRow.id == LoyaltyAccount.customer_id)
        .where(LoyaltyAccount.level.is_not(None))
        .order_by(LoyaltyAccount.id)
    )
    return dict(rows.all())


def _multiplied(evaluation, cart, policy: Policy) -> int:  # type: ignore[no-untyped-def]
    """Extra points of multipliers, estimated at the policy's earn rate on what was paid."""
    paid = {line.line_no: line.amount_minor for line in cart.lines}
    extra = 0
    for applied in evaluation.applied:
        for m in applied.multipliers:
            left = paid[m.line_no] - evaluation.line_discounts.get(m.line_no, 0)
            base = left * policy.earn_bp // (10_000 * policy.point_value_minor)
            extra += base * (m.factor_bp - 10_000) // 10_000
    return extra
