"""Writes validated records in one transaction: the code path both bulk batches and single
streaming records take.

Idempotency is per source record: a record whose ``(source, source_key)`` is already stored (or
appears earlier in the same batch) is a duplicate and changes nothing. References to orders are
resolved here, inside the transaction, so a return may follow its sale in the same batch.
Identity is not resolved: orders and events keep ``customer_id`` NULL; their identifiers go to
``record_identifiers`` for the resolution stage.
"""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from omnicrm.core.clock import utcnow
from omnicrm.core.errors import FieldError
from omnicrm.ingest.canonical import (
    Address,
    Canonical,
    Event,
    Ident,
    Member,
    Order,
    ProductRecord,
    Return,
    StatusUpdate,
    StockCount,
    StoreRecord,
)
from omnicrm.ingest.outcome import Outcome
from omnicrm.ingest.reference import upsert_products, upsert_stores
from omnicrm.ingest.sinks import Row, Sink
from omnicrm.loyalty.migration import REGISTRY_COLUMNS, RegistryRow, open_accounts, program_in_force
from omnicrm.privacy.suppression import strip_record, suppressed_among

ORDER_COLUMNS = (
    "id",
    "source",
    "source_key",
    "channel",
    "store_id",
    "placed_at",
    "status",
    "currency",
    "subtotal_minor",
    "discount_minor",
    "total_minor",
    "contact_name",
    "utm_source",
    "utm_medium",
    "utm_campaign",
)
LINE_COLUMNS = (
    "order_id",
    "line_no",
    "product_id",
    "qty",
    "unit_price_minor",
    "discount_minor",
    "amount_minor",
)
EVENT_COLUMNS = (
    "id",
    "source",
    "source_key",
    "kind",
    "channel",
    "occurred_at",
    "store_id",
    "product_id",
    "order_ref",
    "attrs",
)
CUSTOMER_COLUMNS = (
    "id",
    "created_at",
    "source",
    "source_key",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "gender",
    "city",
    "home_store_id",
    "enrolled_at",
    "birth_date_raw",
)
ADDRESS_COLUMNS = (
    "record_type", "record_id", "region", "city", "street", "house", "flat", "postcode", "raw"
)  # fmt: skip
RECORD_IDENT_COLUMNS = ("record_type", "record_id", "kind", "value", "raw")
UNSUBSCRIBED = "message_unsubscribed"
"""The event kind of an unsubscribe (``messages`` source): it withdraws the channel's consent."""


def write_records(sink: Sink, records: Sequence[Canonical]) -> list[Outcome]:
    """Store ``records`` (all valid) in the sink's open transaction; one outcome per record.
    Records of erased people lose those identifiers first (``privacy.suppression``); a
    registry member carrying one is not recreated at all."""
    outcomes: list[Outcome | None] = [None] * len(records)
    records, stripped = _screen(sink, records)
    by_type: dict[type, list[int]] = defaultdict(list)
    for i, record in enumerate(records):
        if isinstance(record, Member) and stripped[i]:
            outcomes[i] = Outcome("suppressed", suppressed=stripped[i])
        else:
            by_type[type(record)].append(i)
    # Orders before returns and status updates: they may refer to an order of this batch.
    for kind, write in WRITERS:
        indexes = by_type.get(kind)
        if indexes:
            for i, outcome in zip(indexes, write(sink, [records[i] for i in indexes]), strict=True):
                outcome.suppressed = stripped[i]
                outcomes[i] = outcome
    return outcomes  # type: ignore[return-value]


def _screen(sink: Sink, records: Sequence[Canonical]) -> tuple[Sequence[Canonical], list[int]]:
    """The records with suppressed identifiers (and the free text beside them) taken off, and
    how many each lost."""
    pairs = [(i.kind, i.value) for r in records for i in getattr(r, "identifiers", ())]
    suppressed = suppressed_among(sink, pairs) if pairs else set()
    if not suppressed:
        return records, [0] * len(records)
    screened = [strip_record(record, suppressed) for record in records]
    return [r for r, _ in screened], [n for _, n in screened]


def _fresh(
    sink: Sink, table: str, records: Sequence[Any], sql: str | None = None
) -> tuple[list[Outcome | None], list[int], dict[tuple[str, str], int]]:
    """Split off duplicates (stored, or earlier in the batch): their outcomes are set, and the
    indexes of the new records come back with the batch's first occurrence of each key."""
    outcomes: list[Outcome | None] = [None] * len(records)
    stored: dict[tuple[str, str], int] = {}
    keys_by_source: dict[str, list[str]] = defaultdict(list)
    for record in records:
        keys_by_source[record.source].append(record.source_key)
    query = (
        sql
        or f"SELECT source, source_key, id FROM {table} WHERE source = ? AND source_key IN ({{in}})"
    )
    for source, keys in keys_by_source.items():
        for src, key, id_ in sink.select_in(query, keys, source):
            stored[(src, key)] = id_
    fresh: list[int] = []
    first: dict[tuple[str, str], int] = {}
    for i, record in enumerate(records):
        key = (record.source, record.source_key)
        if key in stored:
            outcomes[i] = Outcome("duplicate", stored[key])
        elif key in first:
            outcomes[i] = Outcome("duplicate")  # id filled in once the first one has its id
        else:
            first[key] = i
            fresh.append(i)
    return outcomes, fresh, first


def _fill_batch_duplicates(
    outcomes: list[Outcome | None], records: Sequence[Any], first: dict[tuple[str, str], int]
) -> None:
    for i, outcome in enumerate(outcomes):
        if outcome is not None and outcome.status == "duplicate" and outcome.id is None:
            outcome.id = outcomes[first[(records[i].source, records[i].source_key)]].id  # type: ignore[union-attr]


def _identifier_rows(record_type: str, record_id: int, identifiers: Sequence[Ident]) -> list[Row]:
    return [(record_type, record_id, i.kind, i.value, i.raw) for i in identifiers]


def address_row(record_type: str, record_id: int, a: Address) -> Row:
    """The ``record_addresses`` row of the address a raw record carried."""
    return (record_type, record_id, a.region, a.city, a.street, a.house, a.flat, a.postcode, a.raw)


def write_orders(sink: Sink, orders: Sequence[Order]) -> list[Outcome]:
    outcomes, fresh, first = _fresh(sink, "orders", orders)
    ids = sink.reserve_ids("orders", len(fresh))
    order_rows, line_rows, payment_rows, fulfil_rows, status_rows, ident_rows = (
        [],
        [],
        [],
        [],
        [],
        [],
    )
    address_rows: list[Row] = []
    for i, order_id in zip(fresh, ids, strict=True):
        o = orders[i]
        subtotal = discount = total = 0
        for line in o.lines:
            subtotal += line.qty * line.unit_price_minor
            discount += line.discount_minor
            total += line.amount_minor
            line_rows.append(
                (
                    order_id,
                    line.line_no,
                    line.product_id,
                    line.qty,
                    line.unit_price_minor,
                    line.discount_minor,
                    line.amount_minor,
                )
            )
        order_rows.append(
            (
                order_id,
                o.source,
                o.source_key,
                o.channel,
                o.store_id,
                o.placed_at,
                o.status,
                o.currency,
                subtotal,
                discount,
                total,
                o.contact_name,
                o.utm_source,
                o.utm_medium,
                o.utm_campaign,
            )
        )
        payment_rows.extend(
            (order_id, seq, p.method, p.amount_minor) for seq, p in enumerate(o.payments, 1)
        )
        f = o.fulfilment
        fulfil_rows.append((order_id, f.kind, f.store_id, f.pickup_point, f.address, f.cost_minor))
        status_rows.extend((order_id, s.status, s.at, o.source) for s in o.status_history)
        ident_rows.extend(_identifier_rows("order", order_id, o.identifiers))
        if o.address is not None:
            address_rows.append(address_row("order", order_id, o.address))
        outcomes[i] = Outcome("inserted", order_id, len(o.lines))
    sink.insert("orders", ORDER_COLUMNS, order_rows)
    sink.insert("order_lines", LINE_COLUMNS, line_rows)
    sink.insert("payments", ("order_id", "seq", "method", "amount_minor"), payment_rows)
    sink.insert(
        "fulfilments",
        ("order_id", "kind", "store_id", "pickup_point", "address", "cost_minor"),
        fulfil_rows,
    )
    sink.insert("order_status_history", ("order_id", "status", "at", "source"), status_rows)
    sink.insert("record_identifiers", RECORD_IDENT_COLUMNS, ident_rows)
    sink.insert("record_addresses", ADDRESS_COLUMNS, address_rows)
    _fill_batch_duplicates(outcomes, orders, first)
    return outcomes  # type: ignore[return-value]


def _order_ids(
    sink: Sink, wanted: dict[tuple[str, ...], set[str]]
) -> dict[tuple[tuple[str, ...], str], int]:
    """Order ids by (allowed sources, source key) for the referenced keys."""
    found: dict[tuple[tuple[str, ...], str], int] = {}
    for sources, keys in wanted.items():
        marks = ", ".join("?" * len(sources))
        sql = (
            f"SELECT source_key, id FROM orders"
            f" WHERE source IN ({marks}) AND source_key IN ({{in}})"
        )
        for key, id_ in sink.select_in(sql, sorted(keys), *sources):
            found[(sources, key)] = id_
    return found


def write_returns(sink: Sink, returns: Sequence[Return]) -> list[Outcome]:
    outcomes, fresh, first = _fresh(sink, "returns", returns)
    wanted: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for i in fresh:
        wanted[returns[i].order_sources].update(line.order_ref for line in returns[i].lines)
    order_ids = _order_ids(sink, wanted)
    ordered: dict[tuple[int, int], tuple[int, int]] = {
        (order_id, line_no): (qty, amount)
        for order_id, line_no, qty, amount in sink.select_in(
            "SELECT order_id, line_no, qty, amount_minor FROM order_lines WHERE order_id IN ({in})",
            sorted(set(order_ids.values())),
        )
    }
    valid: list[tuple[int, list[Row]]] = []
    for i in fresh:
        r = returns[i]
        errors, rows = [], []
        for n, line in enumerate(r.lines):
            where = f"lines[{n}]"
            order_id = order_ids.get((r.order_sources, line.order_ref))
            if order_id is None:
                errors.append(FieldError(f"{where}.order_ref", f"unknown order {line.order_ref!r}"))
                continue
            bought = ordered.get((order_id, line.order_line_no))
            if bought is None:
                errors.append(
                    FieldError(
                        f"{where}.line_no",
                        f"order {line.order_ref!r} has no line {line.order_line_no}",
                    )
                )
            elif line.qty > bought[0] or line.amount_minor > bought[1]:
                message = (
                    f"returns {line.qty} for {line.amount_minor},"
                    f" but the line sold {bought[0]} for {bought[1]}"
                )
                over = "qty" if line.qty > bought[0] else "amount_minor"
                errors.append(FieldError(f"{where}.{over}", message))
            else:
                rows.append(
                    (line.line_no, order_id, line.order_line_no, line.qty, line.amount_minor)
                )
        if errors:
            outcomes[i] = Outcome("rejected", errors=errors)
        else:
            valid.append((i, rows))
    ids = sink.reserve_ids("returns", len(valid))
    return_rows, line_rows, ident_rows = [], [], []
    for (i, rows), return_id in zip(valid, ids, strict=True):
        r = returns[i]
        return_rows.append(
            (return_id, r.source, r.source_key, r.store_id, r.returned_at, r.reason, r.total_minor)
        )
        line_rows.extend((return_id, *row) for row in rows)
        ident_rows.extend(_identifier_rows("return", return_id, r.identifiers))
        outcomes[i] = Outcome("inserted", return_id, len(rows))
    sink.insert(
        "returns",
        ("id", "source", "source_key", "store_id", "returned_at", "reason", "total_minor"),
        return_rows,
    )
    sink.insert(
        "return_lines",
        ("return_id", "line_no", "order_id", "order_line_no", "qty", "amount_minor"),
        line_rows,
    )
    sink.insert("record_identifiers", RECORD_IDENT_COLUMNS, ident_rows)
    _fill_batch_duplicates(outcomes, returns, first)
    return outcomes  # type: ignore[return-value]


def write_status_updates(sink: Sink, updates: Sequence[StatusUpdate]) -> list[Outcome]:
    """Append to order status histories; an order's status becomes its latest one."""
    wanted: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for u in updates:
        wanted[u.order_sources].add(u.order_ref)
    order_ids = _order_ids(sink, wanted)
    known = sorted(set(order_ids.values()))
    stored = {
        (order_id, status, at)
        for order_id, status, at in sink.select_in(
            "SELECT order_id, status, at FROM order_status_history WHERE order_id IN ({in})", known
        )
    }
    outcomes: list[Outcome] = []
    rows: list[Row] = []
    for u in updates:
        order_id = order_ids.get((u.order_sources, u.order_ref))
        if order_id is None:
            outcomes.append(
                Outcome(
                    "rejected", errors=[FieldError("order_ref", f"unknown order {u.order_ref!r}")]
                )
            )
            continue
        key = (order_id, u.status, sink.stored_time(u.at))
        if key in stored:
            outcomes.append(Outcome("duplicate", order_id))
            continue
        stored.add(key)
        rows.append((order_id, u.status, u.at, u.source))
        outcomes.append(Outcome("inserted", order_id))
    sink.insert("order_status_history", ("order_id", "status", "at", "source"), rows)
    touched = sorted({row[0] for row in rows})
    if touched:
        sink.execute_in(
            "UPDATE orders SET status = (SELECT h.status FROM order_status_history h"
            " WHERE h.order_id = orders.id"
            " ORDER BY h.at DESC, h.id DESC LIMIT 1) WHERE id IN ({in})",
            touched,
        )
    return outcomes


def write_events(sink: Sink, events: Sequence[Event]) -> list[Outcome]:
    outcomes, fresh, first = _fresh(sink, "events", events)
    ids = sink.reserve_ids("events", len(fresh))
    event_rows, ident_rows = [], []
    for i, event_id in zip(fresh, ids, strict=True):
        e = events[i]
        event_rows.append(
            (
                event_id,
                e.source,
                e.source_key,
                e.kind,
                e.channel,
                e.occurred_at,
                e.store_id,
                e.product_id,
                e.order_ref,
                e.attrs,
            )
        )
        ident_rows.extend(_identifier_rows("event", event_id, e.identifiers))
        outcomes[i] = Outcome("inserted", event_id)
    sink.insert("events", EVENT_COLUMNS, event_rows)
    sink.insert("record_identifiers", RECORD_IDENT_COLUMNS, ident_rows)
    _withdraw_consents(sink, [events[i] for i in fresh if events[i].kind == UNSUBSCRIBED])
    _fill_batch_duplicates(outcomes, events, first)
    return outcomes  # type: ignore[return-value]


def _withdraw_consents(sink: Sink, unsubscribes: Sequence[Event]) -> None:
    """An unsubscribe appends a withdrawn consent for its channel to the profile that owns the
    address, as of when it happened (the newest decision per channel is in force). An address
    no profile owns yet withdraws nothing: the event stays on record."""
    values = sorted({i.value for e in unsubscribes for i in e.identifiers})
    owners = {
        (kind, value): customer_id
        for kind, value, customer_id in sink.select_in(
            "SELECT kind, value, customer_id FROM identifiers"
            " WHERE customer_id IS NOT NULL AND value IN ({in})",
            values,
        )
    }
    rows = {
        (owner, e.channel, False, e.occurred_at, e.source)
        for e in unsubscribes
        for i in e.identifiers
        if (owner := owners.get((i.kind, i.value))) is not None
    }
    sink.insert(
        "consents", ("customer_id", "channel", "granted", "recorded_at", "source"), sorted(rows)
    )


def write_members(sink: Sink, members: Sequence[Member]) -> list[Outcome]:
    """A customer per member, owning its identifiers unless another profile already owns one
    (the first owner keeps it; resolving who is who is the identity stage's job). What each
    member registered also goes to ``record_identifiers`` (``member``, the customer's id), so a
    phone two family members share is seen on both. The account the old system held is kept in
    ``loyalty_registry`` and opened in the program in force (``loyalty.migration``); a member
    whose card is already another person's account is rejected, not merged."""
    outcomes, fresh, first = _fresh(sink, "customers", members)
    values = sorted({i.value for n in fresh for i in members[n].identifiers})
    owned = {
        (kind, value)
        for kind, value in sink.select_in(
            "SELECT kind, value FROM identifiers WHERE value IN ({in})", values
        )
    }
    fresh = _refuse_taken_cards(sink, members, fresh, outcomes)
    ids = sink.reserve_ids("customers", len(fresh))
    now = utcnow()
    customer_rows, ident_rows, record_ident_rows, consent_rows = [], [], [], []
    address_rows: list[Row] = []
    registry: list[RegistryRow] = []
    for n, customer_id in zip(fresh, ids, strict=True):
        m = members[n]
        customer_rows.append(
            (
                customer_id,
                now,
                m.source,
                m.source_key,
                m.last_name,
                m.first_name,
                m.middle_name,
                m.birth_date,
                m.gender,
                m.city,
                m.home_store_id,
                m.enrolled_at,
                m.birth_date_raw,
            )
        )
        if m.address is not None:
            address_rows.append(address_row("member", customer_id, m.address))
        for ident in m.identifiers:
            if (ident.kind, ident.value) not in owned:
                owned.add((ident.kind, ident.value))
                ident_rows.append((ident.kind, ident.value, customer_id, m.enrolled_at))
        record_ident_rows.extend(_identifier_rows("member", customer_id, m.identifiers))
        consent_rows.extend((customer_id, c.channel, c.granted, c.at, m.source) for c in m.consents)
        if m.account is not None:
            registry.append(_registry_row(customer_id, m))
        outcomes[n] = Outcome("inserted", customer_id)
    sink.insert("customers", CUSTOMER_COLUMNS, customer_rows)
    sink.insert("identifiers", ("kind", "value", "customer_id", "first_seen_at"), ident_rows)
    sink.insert("record_identifiers", RECORD_IDENT_COLUMNS, record_ident_rows)
    sink.insert("record_addresses", ADDRESS_COLUMNS, address_rows)
    sink.insert(
        "consents", ("customer_id", "channel", "granted", "recorded_at", "source"), consent_rows
    )
    program = program_in_force(sink.conn) if registry else None
    accounts = open_accounts(sink, *program, registry, now) if program else [None] * len(registry)
    sink.insert(
        "loyalty_registry",
        REGISTRY_COLUMNS,
        [row.stored(account) for row, account in zip(registry, accounts, strict=True)],
    )
    _fill_batch_duplicates(outcomes, members, first)
    return outcomes  # type: ignore[return-value]


def _registry_row(customer_id: int, m: Member) -> RegistryRow:
    a = m.account
    assert a is not None
    return RegistryRow(
        customer_id,
        a.card,
        a.card_state,
        a.points_balance,
        a.period_spend_minor,
        a.level,
        a.level_since,
        a.points_expire_at,
        a.channel,
        m.enrolled_at,
    )


def _refuse_taken_cards(
    sink: Sink, members: Sequence[Member], fresh: list[int], outcomes: list[Outcome | None]
) -> list[int]:
    """``fresh`` without the members whose card already opens another person's account (their
    outcomes say whose); the others go in."""
    cards = sorted({members[n].account.card for n in fresh if members[n].account})  # type: ignore[union-attr]
    taken = dict(
        sink.select_in(
            "SELECT i.value, a.customer_id FROM identifiers i"
            " JOIN loyalty_accounts a ON a.customer_id = i.customer_id"
            " WHERE i.kind = 'card' AND i.value IN ({in})",
            cards,
        )
    )
    kept = []
    for n in fresh:
        account = members[n].account
        owner = taken.get(account.card) if account else None
        if owner is None:
            kept.append(n)
            continue
        message = f"card {account.card} is on the loyalty account of customer {owner}"  # type: ignore[union-attr]
        outcomes[n] = Outcome("rejected", errors=[FieldError("card_no", message)])
    return kept


STOCK_COLUMNS = ("id", "source", "source_key", "store_id", "product_id", "on_date", "qty_on_hand")


def write_stock(sink: Sink, counts: Sequence[StockCount]) -> list[Outcome]:
    """Stock counts as reported; a count already stored (same store, SKU and day) changes
    nothing."""
    outcomes, fresh, first = _fresh(sink, "stock_levels", counts)
    ids = sink.reserve_ids("stock_levels", len(fresh))
    rows = []
    for i, stock_id in zip(fresh, ids, strict=True):
        c = counts[i]
        rows.append(
            (stock_id, c.source, c.source_key, c.store_id, c.product_id, c.on_date, c.qty_on_hand)
        )
        outcomes[i] = Outcome("inserted", stock_id)
    sink.insert("stock_levels", STOCK_COLUMNS, rows)
    _fill_batch_duplicates(outcomes, counts, first)
    return outcomes  # type: ignore[return-value]


WRITERS = (
    (StoreRecord, lambda sink, records: upsert_stores(sink.conn, records)),
    (ProductRecord, lambda sink, records: upsert_products(sink.conn, records)),
    (Member, write_members),
    (Order, write_orders),
    (Return, write_returns),
    (StatusUpdate, write_status_updates),
    (Event, write_events),
    (StockCount, write_stock),
)
