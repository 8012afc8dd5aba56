"""Promotions: evaluation latency, coupon generation and simulation over history.

    python benchmarks/bench_promotions.py                       # 200 rules x 20 lines, 1M codes
    python benchmarks/bench_promotions.py --codes 1000 --customers 200     # a smoke run
    python benchmarks/bench_promotions.py --db postgresql+psycopg://...    # codes + simulate there

1. Evaluates 200 active promotions (a mix of every condition and effect over a synthetic catalogue)
   against 20-line carts in process and prints p50/p99 (target p99 < 2 ms).
2. Generates ``--codes`` unique coupon codes into the store (target: 1,000,000 in < 30 s).
3. Simulates a promotion over the orders of the store given by ``--db``, or over synthetic orders
   of ``--customers`` customers (3 orders of 4 lines each) written to a scratch SQLite file.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select

from omnicrm.promotions.cart import CartLine, Context, Customer, category_keys, make_cart
from omnicrm.promotions.evaluate import evaluate
from omnicrm.promotions.model import PromotionRules
from omnicrm.promotions.rules import compile_rule

NOW = datetime(2025, 6, 4, 9, tzinfo=UTC)
ROOTS = ["Food", "Toys", "Home", "Beauty", "Sport"]
CATEGORIES = [f"{r}/{s}" for r in ROOTS for s in ("A", "B", "C", "D")]
BRANDS = [f"Brand{i}" for i in range(20)]
SKUS = [f"SKU{i:05d}" for i in range(2000)]


def _selector(rng: random.Random) -> dict:
    kind = rng.choice(["skus", "categories", "brands", "root"])
    if kind == "skus":
        return {"skus": rng.sample(SKUS, 5)}
    if kind == "categories":
        return {"categories": [rng.choice(CATEGORIES)]}
    if kind == "brands":
        return {"brands": [rng.choice(BRANDS)]}
    return {"categories": [rng.choice(ROOTS)]}


def _rules(n: int, rng: random.Random) -> list:
    conditions = [
        lambda: {"type": "cart_total", "min_minor": rng.randrange(0, 300_000)},
        lambda: {"type": "items", "select": _selector(rng), "min_qty": rng.randint(1, 3)},
        lambda: {"type": "customer_level", "levels": [rng.choice(["base", "silver", "gold"])]},
        lambda: {"type": "channel", "channels": ["store", "web"]},
        lambda: {"type": "days_of_week", "days": rng.sample(range(1, 8), 4)},
        lambda: {"type": "time_of_day", "start": "08:00", "end": "22:00"},
        lambda: {"type": "birthday", "days_before": 7, "days_after": 7},
        lambda: {"type": "customer_segment", "segments": ["vip"]},
    ]
    effects = [
        lambda: {"type": "percent_off", "percent": str(rng.randint(1, 30)), "target": "lines",
                 "select": _selector(rng)},
        lambda: {"type": "percent_off", "percent": str(rng.randint(1, 10))},
        lambda: {"type": "amount_off", "amount_minor": rng.randrange(100, 50_000)},
        lambda: {"type": "fixed_price", "price_minor": 9_900, "select": _selector(rng)},
        lambda: {"type": "n_plus_one", "buy": 2, "select": _selector(rng)},
        lambda: {"type": "cheapest_free", "min_items": 5, "select": _selector(rng)},
        lambda: {"type": "bonus_points", "points": 100},
        lambda: {"type": "points_multiplier", "factor": "2", "select": _selector(rng)},
        lambda: {"type": "message", "text": "Thank you"},
    ]  # fmt: skip
    out = []
    for i in range(n):
        data = {
            "code": f"P{i}",
            "name": f"promotion {i}",
            "priority": rng.randrange(1000),
            "stacking": rng.choices(["stack", "priority", "best", "exclusive"], [80, 10, 9, 1])[0],
            "conditions": [rng.choice(conditions)() for _ in range(rng.randint(0, 3))],
            "effects": [rng.choice(effects)() for _ in range(rng.randint(1, 2))],
        }
        out.append(compile_rule(PromotionRules.model_validate(data), 1, i + 1))
    return out


def _cart(rng: random.Random, catalogue: dict) -> object:
    lines = []
    for no, sku in enumerate(rng.sample(SKUS, 20), start=1):
        category, brand = catalogue[sku]
        qty = rng.randint(1, 3)
        amount = qty * rng.randrange(5_000, 200_000)
        lines.append(CartLine(no, sku, qty, amount, category_keys(None, category), brand))
    return make_cart(lines)


def bench_evaluate(rules: int, carts: int, seed: int = 7) -> tuple[float, float]:
    rng = random.Random(seed)
    catalogue = {sku: (rng.choice(CATEGORIES), rng.choice(BRANDS)) for sku in SKUS}
    compiled = _rules(rules, rng)
    baskets = [_cart(rng, catalogue) for _ in range(carts)]
    ctx = Context(
        now=NOW,
        customer=Customer(customer_id=1, level="silver", segments=frozenset({"vip"})),
    )
    for cart in baskets[:20]:  # warm up
        evaluate(compiled, cart, ctx)
    timings, cpu, applied = [], [], 0
    for cart in baskets:
        began, began_cpu = time.perf_counter(), time.thread_time()
        result = evaluate(compiled, cart, ctx)
        cpu.append(time.thread_time() - began_cpu)
        timings.append(time.perf_counter() - began)
        applied += len(result.applied)

    def pct(values: list[float], q: float) -> float:
        values = sorted(values)
        return values[min(len(values) - 1, int(len(values) * q))] * 1000

    p50, p99 = pct(timings, 0.5), pct(timings, 0.99)
    print(
        f"evaluate: {rules} promotions x 20-line cart, {carts} carts: wall p50 {p50:.3f} ms, "
        f"p99 {p99:.3f} ms; CPU p50 {pct(cpu, 0.5):.3f} ms, p99 {pct(cpu, 0.99):.3f} ms "
        f"({applied / carts:.1f} applied per cart; load average {os.getloadavg()[0]:.1f})"
    )
    return p50, p99


def _engine(url: str | None, scratch: Path):  # type: ignore[no-untyped-def]
    from omnicrm.store.db import make_engine
    from omnicrm.store.migrate import upgrade

    engine = make_engine(url or f"sqlite:///{scratch / 'promotions.db'}")
    upgrade(engine)
    return engine


def bench_codes(engine, count: int) -> float:  # type: ignore[no-untyped-def]
    from omnicrm.promotions import lifecycle
    from omnicrm.promotions.coupons import generate_coupons
    from omnicrm.store.db import unit_of_work

    code = f"BENCH{int(time.time() * 1000) % 10**8}"
    with unit_of_work(engine) as session:
        rules = {"code": code, "name": "bench", "trigger": "coupon",
                 "effects": [{"type": "percent_off", "percent": "5"}]}  # fmt: skip
        lifecycle.create_promotion(session, rules, NOW)
    began = time.perf_counter()
    with unit_of_work(engine) as session:
        batch = generate_coupons(session, code, NOW, count=count)
    seconds = time.perf_counter() - began
    print(
        f"coupons: {batch.size:,} unique codes in {seconds:.2f} s "
        f"({batch.size / seconds:,.0f} /s) on {engine.dialect.name}"
    )
    return seconds


def _synthetic_orders(engine, customers: int, seed: int = 11) -> None:  # type: ignore[no-untyped-def]
    from omnicrm.store.db import unit_of_work
    from omnicrm.store.schema import Brand, Category, Customer, Order, OrderLine, Product, Store

    rng = random.Random(seed)
    with unit_of_work(engine) as session:
        conn = session.connection()
        conn.execute(insert(Store), [
            {"code": f"S{i}", "name": f"S{i}", "city": "-", "region": "-",
             "timezone": "Europe/Moscow", "kind": "store"} for i in range(10)
        ])  # fmt: skip
        conn.execute(insert(Category), [{"name": r, "path": r} for r in ROOTS])
        roots = dict(conn.execute(select(Category.path, Category.id)).all())
        conn.execute(insert(Category), [
            {"name": c.split("/")[1], "path": c, "parent_id": roots[c.split("/")[0]]}
            for c in CATEGORIES
        ])  # fmt: skip
        cats = dict(conn.execute(select(Category.path, Category.id)).all())
        conn.execute(insert(Brand), [{"name": b} for b in BRANDS])
        brands = dict(conn.execute(select(Brand.name, Brand.id)).all())
        conn.execute(insert(Product), [
            {"sku": s, "name": s, "category_id": cats[rng.choice(CATEGORIES)],
             "brand_id": brands[rng.choice(BRANDS)], "price_minor": rng.randrange(5_000, 200_000),
             "currency": "RUB"} for s in SKUS
        ])  # fmt: skip
        conn.execute(insert(Customer), [
            {"created_at": NOW, "source": "bench", "source_key": str(i)} for i in range(customers)
        ])  # fmt: skip
        first = conn.scalar(select(func.min(Customer.id)))
        stores = list(range(1, 11))
        orders, lines = [], []
        oid = 0
        for c in range(customers):
            for _ in range(3):
                oid += 1
                total = 0
                for no in range(1, 5):
                    qty, price = rng.randint(1, 3), rng.randrange(5_000, 200_000)
                    total += qty * price
                    lines.append({
                        "order_id": oid, "line_no": no, "product_id": rng.randrange(1, 2001),
                        "qty": qty, "unit_price_minor": price, "discount_minor": 0,
                        "amount_minor": qty * price,
                    })  # fmt: skip
                orders.append({
                    "id": oid, "source": "bench", "source_key": str(oid),
                    "channel": rng.choice(["store", "store", "web", "app"]),
                    "store_id": rng.choice(stores),
                    "placed_at": NOW - timedelta(days=rng.randrange(365)), "status": "completed",
                    "customer_id": first + c, "currency": "RUB", "subtotal_minor": total,
                    "discount_minor": 0, "total_minor": total,
                })  # fmt: skip
        conn.execute(insert(Order), orders)
        conn.execute(insert(OrderLine), lines)


def bench_simulate(engine, customers: int | None) -> float:  # type: ignore[no-untyped-def]
    from omnicrm.promotions.simulate import simulate_promotion
    from omnicrm.store.db import read_session

    if customers is not None:
        began = time.perf_counter()
        _synthetic_orders(engine, customers)
        seconds = time.perf_counter() - began
        print(f"synthetic history: {customers:,} customers written in {seconds:.2f} s")
    rules = PromotionRules.model_validate({
        "code": "SIM", "name": "food weekend",
        "conditions": [{"type": "items", "select": {"categories": ["Food"]}},
                       {"type": "cart_total", "min_minor": 100_000}],
        "effects": [{"type": "percent_off", "percent": "10", "target": "lines",
                     "select": {"categories": ["Food"]}}, {"type": "bonus_points", "points": 50}],
    })  # fmt: skip
    with read_session(engine) as session:
        result = simulate_promotion(
            session.connection(), rules, NOW - timedelta(days=3650), NOW + timedelta(days=1)
        )
    t = result.total
    rate = t.receipts / result.seconds if result.seconds else 0.0
    print(
        f"simulate: {t.receipts:,} receipts in {result.seconds:.2f} s ({rate:,.0f} /s): "
        f"{t.reached:,} reached, {len(t.customers):,} customers, "
        f"discount {t.discount_minor / 100:,.2f}, points {t.points:,}, "
        f"{len(result.by_channel)} channels, {len(result.by_store)} stores"
    )
    return result.seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--carts", type=int, default=2000)
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--db", default=None, help="Store URL (default: a scratch SQLite file).")
    parser.add_argument("--customers", type=int, default=None,
                        help="Simulate over synthetic orders of N customers (default 10000 "
                             "without --db; with --db: the store's own orders).")  # fmt: skip
    args = parser.parse_args(argv)
    bench_evaluate(args.rules, args.carts)
    with tempfile.TemporaryDirectory() as scratch:
        engine = _engine(args.db, Path(scratch))
        bench_codes(engine, args.codes)
        customers = args.customers if args.customers is not None or args.db else 10_000
        if args.db and args.customers is not None:
            print("--customers ignored with --db: simulating over the store's orders")
            customers = None
        bench_simulate(engine, customers)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
