"""The web shop's and the app's orders column-wise (``sources.online_order``): the orders its
validator would accept as written, converted to order rows. Any order with a value that is not
plain goes to the validator (see the package docstring). Identifiers are normalised by the
validator's own normalisers, once per distinct value."""

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.identity.normalize import NORMALIZERS
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.columnar.checks import (
    aware_time,
    is_empty,
    lookup,
    major,
    plain_text,
    repeat,
    repeated_pairs,
)
from omnicrm.ingest.columnar.json_frames import JsonFrame
from omnicrm.ingest.columnar.plain_orders import Part, PlainOrders
from omnicrm.ingest.sources.order_parts import DELIVERY_TYPES, ORDER_STATUSES, PAYMENT_METHODS
from omnicrm.ingest.sources.postal import PARTS


def _texts(*names: str) -> pa.DataType:
    return pa.struct([(name, pa.string()) for name in names])


SCHEMA = pa.schema(
    [
        ("order_id", pa.string()),
        ("created_at", pa.string()),
        ("currency", pa.string()),
        ("customer", _texts("card_no", "phone", "email", "cookie", "device_id", "name")),
        ("utm", _texts("source", "medium", "campaign")),
        (
            "items",
            pa.list_(
                pa.struct(
                    [
                        ("line_no", pa.int64()),
                        ("sku", pa.string()),
                        ("qty", pa.int64()),
                        ("price", pa.string()),
                        ("discount", pa.string()),
                    ]
                )
            ),
        ),
        ("payments", pa.list_(_texts("method", "amount"))),
        ("delivery", _texts("type", "store_code", "pickup_point", "address", "cost", *PARTS)),
        ("status_history", pa.list_(_texts("status", "at"))),
    ]
)
"""What an online order is read as; a value of another JSON type fails its batch
(``json_frames``)."""

IDENTIFIERS = (
    ("card", "card_no"),
    ("phone", "phone"),
    ("email", "email"),
    ("cookie", "cookie"),
    ("device", "device_id"),
)
"""In the validator's order, which is the order the rows are written in."""
MAX_PLAIN_LINES = 512
MAX_QTY = 99_999
"""With 9-digit prices and at most 512 lines, sums stay far inside int64."""


def online_orders_plan(source: str, channel: str) -> Callable[[JsonFrame, Catalog], PlainOrders]:
    """The plan of ``source``, whose orders are placed on ``channel``."""

    def plan(frame: JsonFrame, catalog: Catalog) -> PlainOrders:
        table = frame.table()
        if table is None:
            return PlainOrders.empty(source)
        return _plain_orders(table, catalog, source, channel)

    return plan


def _plain_orders(table: pa.Table, catalog: Catalog, source: str, channel: str) -> PlainOrders:
    n = table.num_rows
    column = {name: table.column(name).combine_chunks() for name in table.column_names}
    order_id = _text(column["order_id"])
    ok = plain_text(order_id, 128)
    created_ok, placed = aware_time(_text(column["created_at"]))
    ok &= created_ok
    currency = _text(column["currency"])
    currency_given = plain_text(currency, 3)
    ok &= currency_given | is_empty(currency)

    customer = column["customer"]
    ok &= _valid(customer)
    name = _optional_text(customer, "name", 200)
    ok &= name.ok
    utm = [_optional_text(column["utm"], part, 100) for part in ("source", "medium", "campaign")]
    for part in utm:
        ok &= part.ok
    idents = [_identifier(kind, _text(pc.struct_field(customer, key))) for kind, key in IDENTIFIERS]
    for ident in idents:
        ok &= ident.ok

    lines = _lines(column["items"], catalog, n)
    ok &= lines.ok
    paid_ok, pay_owner, methods, paid = _payments(column["payments"], n)
    ok &= paid_ok
    delivery = _Delivery(column["delivery"], catalog)
    ok &= delivery.ok
    has_payments = np.bincount(pay_owner, minlength=n) > 0
    paid_sum = _sums(paid, pay_owner, n)
    ok &= ~has_payments | (paid_sum == lines.total + delivery.cost)
    history_ok, history = _history(column["status_history"], n)
    ok &= history_ok

    keep = np.flatnonzero(ok)
    position = np.cumsum(ok) - 1
    count = len(keep)
    taken = pa.array(keep)
    sorted_rows = history["rows"][ok[history["owner"]]]
    last = _last_of_each(history["owner"][sorted_rows])
    ident_parts = _identifier_part(idents, ok, position)
    return PlainOrders(
        source=source,
        records=keep,
        orders={
            "source_key": order_id.take(taken),
            "channel": repeat(channel, count),
            "store_id": pa.nulls(count, pa.int64()),
            "placed_at": _times(placed[keep]),
            "status": history["status"].take(pa.array(sorted_rows[last])),
            "currency": pc.if_else(pa.array(currency_given), currency, "RUB").take(taken),
            "subtotal_minor": lines.subtotal[keep],
            "discount_minor": lines.discount_sum[keep],
            "total_minor": lines.total[keep],
            "contact_name": name.values.take(taken),
            **{
                f"utm_{k}": p.values.take(taken)
                for k, p in zip(("source", "medium", "campaign"), utm, strict=True)
            },
        },
        parts={
            "order_lines": lines.part(ok, position),
            "payments": _rows_of(
                ok,
                position,
                pay_owner,
                {"seq": _seq(pay_owner), "method": methods, "amount_minor": paid},
            ),
            "fulfilments": Part(np.arange(count), delivery.columns(taken)),
            "order_status_history": Part(
                position[history["owner"][sorted_rows]],
                {
                    "status": history["status"].take(pa.array(sorted_rows)),
                    "at": _times(history["at"][sorted_rows]),
                    "source": repeat(source, len(sorted_rows)),
                },
            ),
            "record_identifiers": ident_parts,
        },
        lines_per_order=lines.count[keep],
    )


class _Optional:
    """An optional text field: plain (or absent) per record, and its values (null if absent)."""

    __slots__ = ("ok", "values")

    def __init__(self, ok: np.ndarray, values: pa.Array) -> None:
        self.ok = ok
        self.values = values


def _optional_text(struct: pa.Array, name: str, max_len: int) -> _Optional:
    values = _text(pc.struct_field(struct, name))
    given = plain_text(values, max_len)
    return _Optional(given | is_empty(values), _nulls_where(values, ~given))


class _Identifier(_Optional):
    __slots__ = ("kind", "raw")

    def __init__(self, kind: str, ok: np.ndarray, values: pa.Array, raw: pa.Array) -> None:
        super().__init__(ok, values)
        self.kind = kind
        self.raw = raw


def _identifier(kind: str, values: pa.Array) -> _Identifier:
    """Normalised by the validator's normaliser; a value it refuses is not plain."""
    given = ~is_empty(values)
    texts = values.to_pylist()
    normalised: dict[str, str | None] = {}
    for text in {t for t, g in zip(texts, given.tolist(), strict=True) if g}:
        try:
            normalised[text] = NORMALIZERS[kind](text)
        except ValueError:
            normalised[text] = None
    value = [normalised.get(t) if g else None for t, g in zip(texts, given.tolist(), strict=True)]
    refused = given & np.array([v is None for v in value], dtype=bool)
    raw = [None if v is None or v == t else t for t, v in zip(texts, value, strict=True)]
    return _Identifier(kind, ~refused, pa.array(value, pa.string()), pa.array(raw, pa.string()))


def _identifier_part(idents: list[_Identifier], ok: np.ndarray, position: np.ndarray) -> Part:
    owners, kinds, values, raws = [], [], [], []
    for ident in idents:
        rows = np.flatnonzero(ok & _mask(pc.is_valid(ident.values)))
        owners.append(position[rows])
        kinds.append(repeat(ident.kind, len(rows)))
        values.append(ident.values.take(pa.array(rows)))
        raws.append(ident.raw.take(pa.array(rows)))
    owner = np.concatenate(owners)
    order = pa.array(np.argsort(owner, kind="stable"))
    return Part(
        owner[order.to_numpy()],
        {
            "record_type": repeat("order", len(owner)),
            "kind": pa.concat_arrays(kinds).take(order),
            "value": pa.concat_arrays(values).take(order),
            "raw": pa.concat_arrays(raws).take(order),
        },
        id_column="record_id",
    )


class _Lines:
    """The ``items`` of every record: plain per record, their sums, and their rows."""

    def __init__(self, ok: np.ndarray, owner: np.ndarray, columns: dict, n: int) -> None:
        self.ok = ok
        self.owner = owner
        self.columns = columns
        self.count = np.bincount(owner, minlength=n)
        self.subtotal = _sums(columns["qty"] * columns["unit_price_minor"], owner, n)
        self.discount_sum = _sums(columns["discount_minor"], owner, n)
        self.total = _sums(columns["amount_minor"], owner, n)

    def part(self, ok: np.ndarray, position: np.ndarray) -> Part:
        return _rows_of(ok, position, self.owner, self.columns)


def _lines(items: pa.ListArray, catalog: Catalog, n: int) -> _Lines:
    count = _mask_int(pc.list_value_length(items))
    owner = pc.list_parent_indices(items).to_numpy()
    flat = items.flatten()
    row_ok = _valid(flat)
    line_no = _int(pc.struct_field(flat, "line_no"))
    qty = _int(pc.struct_field(flat, "qty"))
    sku_found, sku_at = lookup(_text(pc.struct_field(flat, "sku")), list(catalog.products))
    product_ids = np.fromiter(catalog.products.values(), np.int64, len(catalog.products))
    price_ok, price = major(_text(pc.struct_field(flat, "price")))
    discount_text = _text(pc.struct_field(flat, "discount"))
    discount_ok, discount = major(discount_text)
    gross = qty * price
    row_ok &= (line_no >= 1) & sku_found & (qty >= 1) & (qty <= MAX_QTY) & price_ok
    row_ok &= (discount_ok | is_empty(discount_text)) & (discount <= gross)
    ok = (count >= 1) & (count <= MAX_PLAIN_LINES) & _all_of(row_ok, owner, n)
    ok[repeated_pairs(owner, line_no)] = False
    columns = {
        "line_no": line_no,
        "product_id": product_ids[sku_at] if len(product_ids) else np.zeros_like(sku_at),
        "qty": qty,
        "unit_price_minor": price,
        "discount_minor": discount,
        "amount_minor": gross - discount,
    }
    return _Lines(ok, owner, columns, n)


def _payments(
    payments: pa.ListArray, n: int
) -> tuple[np.ndarray, np.ndarray, pa.Array, np.ndarray]:
    """(plain per record, owner, method, amount) of the payments (none is plain too)."""
    owner = pc.list_parent_indices(payments).to_numpy()
    flat = payments.flatten()
    methods = _text(pc.struct_field(flat, "method"))
    method_ok, _ = lookup(methods, sorted(PAYMENT_METHODS))
    amount_ok, amount = major(_text(pc.struct_field(flat, "amount")))
    return _all_of(_valid(flat) & method_ok & amount_ok, owner, n), owner, methods, amount


class _Delivery:
    """The required ``delivery`` object; a store is looked up wherever it is named. An address
    given in parts (``postal.PARTS``) is identity evidence the validator stores: such an order is
    not plain and takes the validator's path."""

    def __init__(self, delivery: pa.StructArray, catalog: Catalog) -> None:
        kind = _text(pc.struct_field(delivery, "type"))
        kind_ok, _ = lookup(kind, sorted(DELIVERY_TYPES))
        codes = list(catalog.stores)
        store_code = _text(pc.struct_field(delivery, "store_code"))
        store_found, store_at = lookup(store_code, codes)
        has_store = store_found & plain_text(store_code, 32)
        collect = _mask(pc.equal(kind, "click_and_collect"))
        self.point = _optional_text(delivery, "pickup_point", 64)
        self.address = _optional_text(delivery, "address", 400)
        cost_text = _text(pc.struct_field(delivery, "cost"))
        cost_ok, self.cost = major(cost_text)
        no_parts = np.logical_and.reduce(
            [_mask(pc.is_null(pc.struct_field(delivery, part))) for part in PARTS]
        )
        self.ok = _valid(delivery) & kind_ok & self.point.ok & self.address.ok & no_parts
        self.ok &= (has_store | (is_empty(store_code) & ~collect)) & (cost_ok | is_empty(cost_text))
        store_ids = np.array([catalog.stores[c].id for c in codes] or [0], dtype=np.int64)
        self.kind = kind
        self.store_id = pa.array(store_ids[store_at], pa.int64(), mask=~has_store)

    def columns(self, taken: pa.Array) -> dict:
        return {
            "kind": self.kind.take(taken),
            "store_id": self.store_id.take(taken),
            "pickup_point": self.point.values.take(taken),
            "address": self.address.values.take(taken),
            "cost_minor": self.cost[taken.to_numpy()],
        }


def _history(changes: pa.ListArray, n: int) -> tuple[np.ndarray, dict]:
    """Plain per record (at least one change, none twice), and the changes in time order
    (``rows`` sorts them as the validator's stable sort does)."""
    count = _mask_int(pc.list_value_length(changes))
    owner = pc.list_parent_indices(changes).to_numpy()
    flat = changes.flatten()
    status = _text(pc.struct_field(flat, "status"))
    status_ok, status_at = lookup(status, sorted(ORDER_STATUSES))
    at_ok, at = aware_time(_text(pc.struct_field(flat, "at")))
    ok = (count >= 1) & _all_of(_valid(flat) & status_ok & at_ok, owner, n)
    rows = np.lexsort((np.arange(len(owner)), at, owner))
    same = (owner[rows][1:] == owner[rows][:-1]) & (at[rows][1:] == at[rows][:-1])
    twice = same & (status_at[rows][1:] == status_at[rows][:-1])
    ok[owner[rows][1:][twice]] = False
    return ok, {"owner": owner, "rows": rows, "status": status, "at": at}


def _last_of_each(owner: np.ndarray) -> np.ndarray:
    """Positions of the last row of each run of equal owners (rows sorted by owner)."""
    return np.flatnonzero(np.append(owner[1:] != owner[:-1], True)) if len(owner) else owner


def _rows_of(ok: np.ndarray, position: np.ndarray, owner: np.ndarray, columns: dict) -> Part:
    """The child rows of the plain records."""
    rows = ok[owner]
    return Part(
        position[owner[rows]],
        {
            name: values[rows] if isinstance(values, np.ndarray) else values.filter(pa.array(rows))
            for name, values in columns.items()
        },
    )


def _seq(owner: np.ndarray) -> np.ndarray:
    """1, 2, ... within each owner (rows grouped by owner)."""
    if not len(owner):
        return owner
    starts = np.flatnonzero(np.append(True, owner[1:] != owner[:-1]))
    return np.arange(len(owner)) - np.repeat(starts, np.diff(np.append(starts, len(owner)))) + 1


def _sums(values: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    sums = np.zeros(n, np.int64)
    np.add.at(sums, owner, values)
    return sums


def _all_of(row_ok: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(owner[~row_ok], minlength=n) == 0


def _times(epoch: np.ndarray) -> pa.Array:
    return pa.array(epoch, pa.timestamp("s", "UTC"))


def _text(values: pa.Array) -> pa.Array:
    return values.fill_null("")


def _nulls_where(values: pa.Array, absent: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(absent), pa.scalar(None, pa.string()), values)


def _int(values: pa.Array) -> np.ndarray:
    """Integers, 0 where absent (0 is never a plain line number or quantity)."""
    return values.fill_null(0).to_numpy()


def _valid(values: pa.Array) -> np.ndarray:
    return _mask(pc.is_valid(values))


def _mask_int(values: pa.Array) -> np.ndarray:
    return values.fill_null(0).to_numpy()


def _mask(values: pa.Array) -> np.ndarray:
    return values.to_numpy(zero_copy_only=False)
