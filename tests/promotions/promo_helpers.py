"""Helpers shared by the promotion tests: rules from dicts, carts from tuples, a context."""

from datetime import UTC, date, datetime

from omnicrm.promotions.cart import CartLine, Context, Customer, category_keys, make_cart
from omnicrm.promotions.evaluate import evaluate
from omnicrm.promotions.model import PromotionRules
from omnicrm.promotions.rules import compile_rule

NOW = datetime(2025, 6, 4, 9, tzinfo=UTC)  # a Wednesday, 12:00 in Moscow


def rule(code: str = "P", *, effects=None, conditions=None, version: int = 1, pid=None, **extra):  # type: ignore[no-untyped-def]
    data = {
        "code": code,
        "name": code,
        "effects": effects or [{"type": "percent_off", "percent": "10"}],
        "conditions": conditions or [],
        **extra,
    }
    return compile_rule(PromotionRules.model_validate(data), version, pid)


def cart(*lines):  # type: ignore[no-untyped-def]
    """Lines as (sku, qty, amount[, category path[, brand]])."""
    out = []
    for i, line in enumerate(lines, start=1):
        sku, qty, amount, *rest = line
        path = rest[0] if rest else None
        brand = rest[1] if len(rest) > 1 else None
        out.append(CartLine(i, sku, qty, amount, category_keys(None, path), brand))
    return make_cart(out)


def ctx(**extra) -> Context:  # type: ignore[no-untyped-def]
    customer = extra.pop("customer", None) or Customer(
        customer_id=1, level="silver", birth_date=date(1990, 6, 6), first_purchase=True
    )
    return Context(now=extra.pop("now", NOW), customer=customer, **extra)


def run(rules, the_cart, context=None, **policy):  # type: ignore[no-untyped-def]
    from omnicrm.promotions.evaluate import Policy

    return evaluate(rules, the_cart, context or ctx(), Policy(**policy))


def receipt(receipt_id: str, account_id: int, lines, **extra) -> dict:  # type: ignore[no-untyped-def]
    """A till receipt body: lines as (sku, category, qty, unit price)."""
    return {
        "terminal": extra.pop("terminal", "T1"),
        "receipt_id": receipt_id,
        "identify": {"kind": "account", "value": str(account_id)},
        "lines": [
            {"line_no": i, "sku": sku, "category": cat, "qty": qty, "price_minor": price}
            for i, (sku, cat, qty, price) in enumerate(lines, start=1)
        ],
        "store": extra.pop("store", "S1"),
        **extra,
    }
