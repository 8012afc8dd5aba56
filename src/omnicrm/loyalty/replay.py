"""Store receipts replayed through the till, for a demo that agrees with itself: the newest
member receipts of a POS export are held back from the bulk import and then sold again through
the till's use cases (the calls its HTTP routes make: calculate, confirm, return), so the ledger,
levels, stamps and the order history tell one story.

A held-back receipt keeps its store, terminal, number, time, lines and the points its member
wanted to spend (capped at what the program lets pay, as a till would after its calculate).
"""

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, func, or_, select

from omnicrm.core.clock import zone
from omnicrm.core.errors import OmnicrmError
from omnicrm.loyalty import repository, returns, till
from omnicrm.loyalty.schemas import (
    CalculateRequest,
    Identification,
    LineIn,
    ReceiptRequest,
    ReturnLineIn,
    ReturnRequest,
)
from omnicrm.store.db import read_session
from omnicrm.store.schema import Customer, Product, Store
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyLot, LoyaltyRegistryEntry

POS_FILE = "pos_receipts.csv"
HELD_FILE = "till_replay.csv"


@dataclass
class ReplayReport:
    sales: int = 0
    returns: int = 0
    points_spent: int = 0
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    """Receipts the till refused, by error code (a blocked card, a card nobody holds)."""


def _key(row: dict[str, str]) -> str:
    return f"{row['store_code']}/{row['terminal_id']}/{row['receipt_no']}"


def hold_back(directory: Path, receipts: int) -> int:
    """Move the newest ``receipts`` member sales of the POS export (and the returns of them)
    into ``till_replay.csv`` beside it; the number of sales moved. Done once: a folder that
    already has the file is left as it is."""
    source, held = directory / POS_FILE, directory / HELD_FILE
    if held.exists() or not source.exists():
        return 0
    with source.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        header, rows = reader.fieldnames or [], list(reader)
    sales = {(r["ts_local"], _key(r)) for r in rows if r["op"] == "sale" and r["card_no"]}
    chosen = {key for _, key in sorted(sales)[-receipts:]}
    moved = [r for r in rows if _key(r) in chosen or r["orig_receipt_no"] in chosen]
    kept = [r for r in rows if not (_key(r) in chosen or r["orig_receipt_no"] in chosen)]
    for path, part in ((held, moved), (source, kept)):
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, header)
            writer.writeheader()
            writer.writerows(part)
    return len(chosen)


def replay(engine: Engine, directory: Path) -> ReplayReport:
    """Sell the held-back receipts at the till, in time order, then take their returns back."""
    report = ReplayReport()
    path = directory / HELD_FILE
    if not path.exists():
        return report
    with read_session(engine) as session:
        zones = dict(session.execute(select(Store.code, Store.timezone)).all())
        point_value = repository.program_in_force(session, None)[0].point_value_minor
    receipts: dict[str, list[dict[str, str]]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            receipts[_key(row)].append(row)
    ordered = sorted(
        receipts.values(), key=lambda rows: (rows[0]["op"] != "sale", rows[0]["ts_local"])
    )
    for rows in ordered:
        head = rows[0]
        at = datetime.fromisoformat(head["ts_local"]).replace(
            tzinfo=zone(zones[head["store_code"]])
        )
        try:
            if head["op"] == "sale":
                report.points_spent += _sell(engine, rows, at, point_value)
                report.sales += 1
            else:
                returns.return_receipt(engine, _return(rows, at), now=at)
                report.returns += 1
        except OmnicrmError as exc:
            report.refused[exc.code] += 1
    return report


def _terminal(row: dict[str, str]) -> str:
    """A till's id in the chain: terminal numbers repeat from store to store."""
    return f"{row['store_code']}-{row['terminal_id']}"


def _sell(engine: Engine, rows: list[dict[str, str]], at: datetime, point_value: int) -> int:
    head = rows[0]
    paid_with_points = sum(
        int(amount)
        for method, amount in (p.split("=") for p in head["payments"].split(";") if p)
        if method == "points"
    )
    common = {
        "terminal": _terminal(head),
        "store": head["store_code"],
        "identify": Identification(kind="card", value=head["card_no"]),
        "lines": [
            LineIn(
                line_no=int(r["line_no"]),
                sku=r["sku"],
                qty=int(r["qty"]),
                price_minor=int(r["price_minor"]),
                amount_minor=int(r["amount_minor"]),
            )
            for r in rows
        ],
        "occurred_at": at,
    }
    quote = till.calculate_quote(engine, CalculateRequest(**common), now=at)
    spend = min(paid_with_points // point_value, quote["max_points_to_spend"])
    request = ReceiptRequest(**common, receipt_id=head["receipt_no"], points_to_spend=spend)
    return till.confirm_receipt(engine, request, now=at)["points_spent"]


def _return(rows: list[dict[str, str]], at: datetime) -> ReturnRequest:
    head = rows[0]
    store, terminal, receipt = head["orig_receipt_no"].split("/")
    return ReturnRequest(
        terminal=_terminal(head),
        return_id=head["receipt_no"],
        receipt_id=receipt,
        receipt_terminal=f"{store}-{terminal}",
        lines=[ReturnLineIn(line_no=int(r["orig_line_no"]), qty=int(r["qty"])) for r in rows],
        occurred_at=at,
    )


def sample_receipt(engine: Engine, now: datetime) -> dict | None:
    """A till calculate body that works as it stands on this database: the active member with
    the most points spendable ``now``, by card, buying the dearest product of the catalogue."""
    spendable = func.sum(LoyaltyLot.remaining)
    with read_session(engine) as session:
        member = session.execute(
            select(LoyaltyRegistryEntry.card, Store.code)
            .join(LoyaltyAccount, LoyaltyAccount.id == LoyaltyRegistryEntry.account_id)
            .join(LoyaltyLot, LoyaltyLot.account_id == LoyaltyAccount.id)
            .join(Customer, Customer.id == LoyaltyRegistryEntry.customer_id)
            .join(Store, Store.id == Customer.home_store_id)
            .where(
                LoyaltyAccount.card_state == "active",
                Customer.merged_into_id.is_(None),
                LoyaltyLot.remaining > 0,
                LoyaltyLot.available_at <= now,
                or_(LoyaltyLot.expires_at.is_(None), LoyaltyLot.expires_at > now),
            )
            .group_by(LoyaltyRegistryEntry.card, Store.code, LoyaltyAccount.id)
            .order_by(spendable.desc(), LoyaltyAccount.id)
            .limit(1)
        ).first()
        product = session.execute(
            select(Product.sku, Product.price_minor).order_by(Product.price_minor.desc()).limit(1)
        ).first()
    if member is None or product is None:
        return None
    return {
        "terminal": f"{member.code}-1",
        "store": member.code,
        "identify": {"kind": "card", "value": member.card},
        "lines": [{"line_no": 1, "sku": product.sku, "qty": 1, "price_minor": product.price_minor}],
        "points_to_spend": 100,
    }
