"""``pos`` — store receipts, one CSV row per receipt line. A sale becomes an order; a return
receipt becomes a return whose lines point at the original receipt's lines. The till writes its
store's local wall time, converted here with the store's time zone."""

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from omnicrm.ingest.canonical import Fulfilment, Order, Payment, Return, ReturnLine, StatusChange
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.order_parts import (
    PAYMENT_METHODS,
    check_payments,
    parse_fulfilment,
    parse_lines,
)
from omnicrm.ingest.sources.spec import STAGE_ORDERS, Source

SOURCE_NAME = "pos"


def parse_payments(text: str) -> list[Payment]:
    """``cash=1500;card=2000`` -> payments; ValueError naming the bad part."""
    payments = []
    for part in text.split(";"):
        method, sep, amount = part.strip().partition("=")
        if not sep or method not in PAYMENT_METHODS:
            raise ValueError(
                f"expected method=amount with a method of {sorted(PAYMENT_METHODS)}, got {part!r}"
            )
        if not (amount.isascii() and amount.isdigit()):
            raise ValueError(f"not an integer amount in minor units: {amount!r}")
        payments.append(Payment(method, int(amount)))
    return payments


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Order | Return:
    f = Fields(raw)
    store = f.store("store_code", catalog)
    terminal = f.text("terminal_id", max_len=32)
    receipt = f.text("receipt_no", max_len=48)
    op = f.choice("op", ("sale", "return"))
    at = f.local("ts_local", store.timezone if store else None)
    card = f.ident("card", "card_no")
    payments: list[Payment | None] = [None]
    paid = f.text("payments", max_len=500)
    if paid is not None:
        try:
            payments = parse_payments(paid)  # type: ignore[assignment]
        except ValueError as exc:
            f.fail("payments", str(exc))
    items = f.items("lines")
    lines = parse_lines(items, catalog, amount="amount_minor")
    delivery = _delivery(f, catalog) if op == "sale" else None
    check_payments(f, "payments", payments, lines, delivery.cost_minor if delivery else 0)
    source_key = f"{f.get('store_code')}/{terminal}/{receipt}"
    if op == "return":
        originals = [_original(item, source_key) for item in items]
        f.done()
        return Return(
            source=SOURCE_NAME,
            source_key=source_key,
            returned_at=at,  # type: ignore[arg-type]
            store_id=store.id,  # type: ignore[union-attr]
            lines=tuple(
                ReturnLine(line.line_no, ref, orig_line, line.qty, line.amount_minor)  # type: ignore[union-attr]
                for line, (ref, orig_line) in zip(lines, originals, strict=True)
            ),
            order_sources=(SOURCE_NAME,),
            identifiers=idents(card),
        )
    for item in items:
        if item.get("orig_receipt_no") is not None or item.get("orig_line_no") is not None:
            item.fail("orig_receipt_no", "only a return receipt names an original")
    f.done()
    return Order(
        source=SOURCE_NAME,
        source_key=source_key,
        channel="store",
        store_id=store.id,  # type: ignore[union-attr]
        placed_at=at,  # type: ignore[arg-type]
        status="completed",
        lines=tuple(lines),  # type: ignore[arg-type]
        payments=tuple(payments),
        fulfilment=delivery or Fulfilment("in_store", store.id),  # type: ignore[union-attr]
        status_history=(StatusChange("completed", at),),  # type: ignore[arg-type]
        identifiers=idents(card),
    )


def _delivery(f: Fields, catalog: Catalog) -> Fulfilment | None:
    """A sale delivered from the store (``delivery_type`` courier or pickup_point); None when
    the customer took the goods."""
    if f.get("delivery_type") is None:
        return None
    fulfilment = parse_fulfilment(
        f,
        catalog,
        kind="delivery_type",
        store=None,
        pickup_point="delivery_pickup_point",
        address="delivery_address",
    )
    cost = f.minor("delivery_cost_minor", required=False) or 0
    return fulfilment and replace(fulfilment, cost_minor=cost)


def _original(item: Fields, own_key: str) -> tuple[str, int]:
    """The (receipt source key, line) a return line undoes; written in full by the till."""
    ref = item.text("orig_receipt_no", max_len=128)
    line_no = item.integer("orig_line_no", minimum=1)
    if ref is not None and ref.count("/") != 2:
        item.fail("orig_receipt_no", f"must be store_code/terminal_id/receipt_no, got {ref!r}")
    if ref == own_key:
        item.fail("orig_receipt_no", "a return cannot undo itself")
    return ref or "", line_no or 0


COLUMNS = (
    "store_code",
    "terminal_id",
    "receipt_no",
    "op",
    "ts_local",
    "card_no",
    "payments",
    "line_no",
    "sku",
    "qty",
    "price_minor",
    "discount_minor",
    "amount_minor",
    "orig_receipt_no",
    "orig_line_no",
)
OPTIONAL_COLUMNS = (
    "delivery_type",
    "delivery_address",
    "delivery_pickup_point",
    "delivery_cost_minor",
)

SOURCE = Source(
    name=SOURCE_NAME,
    file_stem="pos_receipts",
    stage=STAGE_ORDERS,
    validate=validate,
    group_by=("store_code", "terminal_id", "receipt_no"),
    line_fields=(
        "line_no",
        "sku",
        "qty",
        "price_minor",
        "discount_minor",
        "amount_minor",
        "orig_receipt_no",
        "orig_line_no",
    ),
    columns=COLUMNS,
    optional_columns=OPTIONAL_COLUMNS,
)
