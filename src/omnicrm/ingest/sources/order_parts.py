"""Parts every order-like source shares: lines, payments, fulfilment, status history, and the
arithmetic that must hold between them."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from omnicrm.ingest.canonical import Fulfilment, Line, Payment, StatusChange
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, plain_int

PAYMENT_METHODS = frozenset({"cash", "card", "points", "gift_card"})
ORDER_STATUSES = frozenset(
    {
        "created",
        "paid",
        "assembled",
        "shipped",
        "ready_for_pickup",
        "delivered",
        "picked_up",
        "cancelled",
    }
)
DELIVERY_TYPES = frozenset({"courier", "pickup_point", "click_and_collect"})

Money = Callable[..., int | None]


def parse_lines(
    items: list[Fields],
    catalog: Catalog,
    *,
    sku: str = "sku",
    price: str = "price_minor",
    discount: str | None = "discount_minor",
    amount: str | None = None,
    major: bool = False,
) -> list[Line | None]:
    """Order lines; ``amount`` (when the source states it) must equal qty * price - discount."""
    lines = [
        _line(item, catalog, sku=sku, price=price, discount=discount, amount=amount, major=major)
        for item in items
    ]
    seen: set[int] = set()
    for item, line in zip(items, lines, strict=True):
        if line is not None:
            if line.line_no in seen:
                item.fail("line_no", f"line {line.line_no} appears twice")
            seen.add(line.line_no)
    return lines


def _line(
    f: Fields,
    catalog: Catalog,
    *,
    sku: str,
    price: str,
    discount: str | None,
    amount: str | None,
    major: bool,
) -> Line | None:
    values = None if major else _plain_line(f.raw, catalog, sku, price, discount, amount)
    if values is None:  # not the plain case: the general parsers say exactly what is wrong
        money: Money = f.major if major else f.minor
        line_no = f.integer("line_no", minimum=1)
        product_id = f.product(sku, catalog)
        qty = f.integer("qty", minimum=1)
        unit = money(price)
        off = (money(discount, required=False) or 0) if discount else 0
        stated = money(amount) if amount else None
        if None in (line_no, product_id, qty, unit) or (amount and stated is None):
            return None
    else:
        line_no, product_id, qty, unit, off, stated = values
    gross = qty * unit  # type: ignore[operator]
    if off > gross:
        f.fail(discount or "discount", f"discount {off} exceeds qty * price = {gross}")
        return None
    if amount and stated != gross - off:
        f.fail(amount, f"{stated} != qty * price - discount = {gross - off}")
        return None
    return Line(line_no, product_id, qty, unit, off, gross - off)  # type: ignore[arg-type]


def _plain_line(
    raw: Mapping[str, Any],
    catalog: Catalog,
    sku: str,
    price: str,
    discount: str | None,
    amount: str | None,
) -> tuple[int, int, int, int, int, int | None] | None:
    """A minor-units line read without the general parsers, when it is the common case (plain
    non-negative integers, positive line number and quantity, a catalogued sku); else None.
    Most lines of a big import take this path, which is why it exists."""
    code = raw.get(sku)
    product_id = catalog.products.get(code) if type(code) is str else None
    line_no = plain_int(raw.get("line_no"))
    qty = plain_int(raw.get("qty"))
    unit = plain_int(raw.get(price))
    given = raw.get(discount) if discount else None
    off = 0 if given is None or given == "" else plain_int(given)
    stated = plain_int(raw.get(amount)) if amount else None
    if product_id is None or unit is None or off is None or (amount and stated is None):
        return None
    if line_no is None or qty is None or line_no < 1 or qty < 1:
        return None
    return line_no, product_id, qty, unit, off, stated


def check_payments(
    record: Fields,
    field: str,
    payments: Iterable[Payment | None],
    lines: Iterable[Line | None],
    extra: int = 0,
) -> None:
    """Payments must cover exactly the lines (plus ``extra``, e.g. delivery cost)."""
    paid = list(payments)
    goods = list(lines)
    if None in paid or None in goods:
        return  # a part is bad and already reported
    due = sum(line.amount_minor for line in goods) + extra  # type: ignore[union-attr]
    total = sum(p.amount_minor for p in paid)  # type: ignore[union-attr]
    if total != due:
        record.fail(field, f"payments sum to {total}, but the order comes to {due}")


def parse_fulfilment(
    f: Fields,
    catalog: Catalog,
    *,
    kind: str = "type",
    store: str | None = "store_code",
    pickup_point: str | None = "pickup_point",
    address: str | None = "address",
    cost: str | None = None,
) -> Fulfilment | None:
    """How the goods reach the customer; click-and-collect must name its store."""
    delivery = f.choice(kind, DELIVERY_TYPES)
    store_ref = f.store(store, catalog, required=delivery == "click_and_collect") if store else None
    if delivery == "click_and_collect" and not store:
        f.fail(kind, "click_and_collect is not offered by this channel")
    point = f.text(pickup_point, required=False, max_len=64) if pickup_point else None
    where = f.text(address, required=False, max_len=400) if address else None
    cost_minor = f.major(cost, required=False) if cost else 0
    if delivery is None:
        return None
    return Fulfilment(delivery, store_ref.id if store_ref else None, point, where, cost_minor or 0)


def parse_status_history(record: Fields, name: str = "status_history") -> list[StatusChange]:
    """Status changes in time order; each (status, time) once."""
    changes: list[StatusChange] = []
    seen: set[tuple[str, object]] = set()
    for item in record.items(name):
        status = item.choice("status", ORDER_STATUSES)
        at = item.aware("at")
        if status is None or at is None:
            continue
        if (status, at) in seen:
            item.fail("status", f"{status!r} at {at.isoformat()} appears twice")
        seen.add((status, at))
        changes.append(StatusChange(status, at))
    return sorted(changes, key=lambda c: c.at)
