"""``pos`` column-wise: the sale receipts ``sources.pos.validate`` would accept as written,
converted to order rows. Return receipts, and any receipt with a value that is not plain, go to
the validator (see the package docstring)."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.columnar.checks import (
    digits,
    equals,
    is_empty,
    local_to_utc,
    lookup,
    matches,
    plain_text,
    repeat,
    repeated_pairs,
    segment_all,
    segment_sums,
    short,
    wall_time,
)
from omnicrm.ingest.columnar.frames import RecordFrame, same_values
from omnicrm.ingest.columnar.plain_orders import Part, PlainOrders
from omnicrm.ingest.fields import latest_time
from omnicrm.ingest.sources.order_parts import PAYMENT_METHODS
from omnicrm.ingest.sources.pos import SOURCE_NAME

TILL_TIME = "%Y-%m-%d %H:%M:%S"
_METHOD = "|".join(sorted(PAYMENT_METHODS))
PLAIN_PAYMENTS = rf"^(?:{_METHOD})=[0-9]{{1,12}}(?:;(?:{_METHOD})=[0-9]{{1,12}})*$"
PLAIN_CARD = r"^[0-9]{13}$"
MAX_PLAIN_LINES = 512


def plain_sales(frame: RecordFrame, catalog: Catalog) -> PlainOrders:
    """The batch's plain sale receipts as order rows."""
    starts, record_of_row = frame.starts, frame.record_of_row
    first = pa.array(starts[:-1])

    def head(name: str) -> pa.Array:
        return frame.text(name).take(first)

    store_codes = list(catalog.stores)
    store_code = head("store_code")
    store_found, store_at = lookup(store_code, store_codes)
    store_ids = np.array([catalog.stores[c].id for c in store_codes] or [0], dtype=np.int64)
    zone_names = np.array([catalog.stores[c].timezone for c in store_codes] or [""], dtype=object)
    terminal, receipt = head("terminal_id"), head("receipt_no")
    ok = store_found & plain_text(store_code, 32) & plain_text(terminal, 32)
    ok &= plain_text(receipt, 48) & equals(head("op"), "sale")
    if "delivery_type" in frame.table.column_names:  # a delivered sale goes to the validator
        ok &= is_empty(head("delivery_type"))
    card = head("card_no")
    has_card = matches(card, PLAIN_CARD)
    ok &= has_card | is_empty(card)
    time_ok, wall = wall_time(head("ts_local"), TILL_TIME)
    zone_ok, placed = local_to_utc(wall, zone_names[store_at], ok & time_ok)
    ok &= time_ok & zone_ok & (placed <= int(latest_time().timestamp()))

    paid = head("payments")
    pay_ok = matches(paid, PLAIN_PAYMENTS) & short(paid, 500)
    ok &= pay_ok
    payments = pc.split_pattern(pc.if_else(pa.array(pay_ok), paid, "cash=0"), ";")
    pay_offsets = payments.offsets.to_numpy()
    pay_owner = pc.list_parent_indices(payments).to_numpy()
    pairs = pc.split_pattern(payments.flatten(), "=", max_splits=1)
    pay_amount = pc.cast(pc.list_element(pairs, 1), pa.int64()).to_numpy()

    row_ok = _same_head(frame)
    line_no_ok, line_no = digits(frame.text("line_no"), 9)
    sku_found, sku_at = lookup(frame.text("sku"), list(catalog.products))
    product_ids = np.fromiter(catalog.products.values(), np.int64, len(catalog.products))
    qty_ok, qty = digits(frame.text("qty"), 6)
    price_ok, price = digits(frame.text("price_minor"))
    discount_text = frame.text("discount_minor")
    discount_ok, discount = digits(discount_text)
    amount_ok, amount = digits(frame.text("amount_minor"))
    gross = qty * price
    row_ok &= line_no_ok & (line_no >= 1) & sku_found & qty_ok & (qty >= 1) & price_ok
    row_ok &= (discount_ok | is_empty(discount_text)) & amount_ok
    row_ok &= (discount <= gross) & (amount == gross - discount)
    row_ok &= is_empty(frame.text("orig_receipt_no")) & is_empty(frame.text("orig_line_no"))

    counts = np.diff(starts)
    ok &= segment_all(row_ok, starts) & (counts <= MAX_PLAIN_LINES)
    ok &= segment_sums(amount, starts) == segment_sums(pay_amount, pay_offsets)
    ok[repeated_pairs(record_of_row, line_no)] = False

    keep = np.flatnonzero(ok)
    position = np.cumsum(ok) - 1
    rows = ok[record_of_row]
    pays = ok[pay_owner]
    n = len(keep)
    at = pa.array(placed[keep], pa.timestamp("s", "UTC"))
    store_id = store_ids[store_at[keep]]
    with_card = has_card[keep]
    key = pc.binary_join_element_wise(store_code, terminal, receipt, "/").take(pa.array(keep))
    return PlainOrders(
        source=SOURCE_NAME,
        records=keep,
        orders={
            "source_key": key,
            "channel": repeat("store", n),
            "store_id": store_id,
            "placed_at": at,
            "status": repeat("completed", n),
            "currency": repeat("RUB", n),
            "subtotal_minor": segment_sums(gross, starts)[keep],
            "discount_minor": segment_sums(discount, starts)[keep],
            "total_minor": segment_sums(amount, starts)[keep],
        },
        parts={
            "order_lines": Part(
                position[record_of_row[rows]],
                {
                    "line_no": line_no[rows],
                    "product_id": product_ids[sku_at[rows]],
                    "qty": qty[rows],
                    "unit_price_minor": price[rows],
                    "discount_minor": discount[rows],
                    "amount_minor": amount[rows],
                },
            ),
            "payments": Part(
                position[pay_owner[pays]],
                {
                    "seq": (np.arange(len(pay_owner)) - pay_offsets[pay_owner] + 1)[pays],
                    "method": pc.list_element(pairs, 0).filter(pa.array(pays)),
                    "amount_minor": pay_amount[pays],
                },
            ),
            "fulfilments": Part(
                np.arange(n),
                {
                    "kind": repeat("in_store", n),
                    "store_id": store_id,
                    "cost_minor": np.zeros(n, np.int64),
                },
            ),
            "order_status_history": Part(
                np.arange(n),
                {"status": repeat("completed", n), "at": at, "source": repeat(SOURCE_NAME, n)},
            ),
            "record_identifiers": Part(
                np.flatnonzero(with_card),
                {
                    "record_type": repeat("order", int(with_card.sum())),
                    "kind": repeat("card", int(with_card.sum())),
                    "value": card.take(pa.array(keep[with_card])),
                },
                id_column="record_id",
            ),
        },
        lines_per_order=counts[keep],
    )


def _same_head(frame: RecordFrame) -> np.ndarray:
    """Rows whose receipt columns equal their receipt's first row (else the reader reports the
    difference, and the receipt goes to the validator)."""
    firsts = pa.array(frame.starts[frame.record_of_row])
    same = np.ones(frame.table.num_rows, dtype=bool)
    for name in frame.table.column_names:
        if name not in frame.source.line_fields:
            column = frame.table.column(name).combine_chunks()
            same &= same_values(column, column.take(firsts))
    return same
