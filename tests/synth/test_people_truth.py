"""ground_truth_people.csv: the buying model per person, and the data really follows it (drop-outs
stop buying, favourite categories are bought more, higher rates buy more)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date

import numpy as np
import pytest

Rows = Callable[[str], list[dict]]


@pytest.fixture(scope="module")
def people(rows: Rows) -> dict[str, dict[str, str]]:
    return {r["person_id"]: r for r in rows("ground_truth_people.csv")}


@pytest.fixture(scope="module")
def store_sales(rows: Rows) -> list[tuple[str, date, str]]:
    """(person, day, sku) of every POS sale line, owned through ground_truth.csv."""
    owner = {
        r["source_key"]: r["person_id"] for r in rows("ground_truth.csv") if r["source"] == "pos"
    }
    return [
        (
            owner[f"{r['store_code']}/{r['terminal_id']}/{r['receipt_no']}"],
            date.fromisoformat(r["ts_local"][:10]),
            r["sku"],
        )
        for r in rows("pos_receipts.csv")
        if r["op"] == "sale"
    ]


def test_one_row_per_person(people: dict, manifest: dict) -> None:
    assert len(people) == manifest["customers"] == manifest["people_truth"]["rows"]
    dropped = [p for p in people.values() if p["dropped_out_on"]]
    assert 0.15 < len(dropped) / len(people) < 0.8
    assert all(p["joined_on"] <= p["dropped_out_on"] for p in dropped)


def test_drop_outs_buy_nothing_after_their_drop_out(people: dict, store_sales: list) -> None:
    last: dict[str, date] = {}
    for person, day, _ in store_sales:
        if person in people:  # strangers on house cards are not persons of the model
            last[person] = max(day, last.get(person, day))
    dropped = {
        k: date.fromisoformat(p["dropped_out_on"]) for k, p in people.items() if p["dropped_out_on"]
    }
    assert sum(k in last for k in dropped) > 100
    # Receipt days are local, as the drop-out day (the last purchase's day in any channel).
    assert all(last[k] <= d for k, d in dropped.items() if k in last)


def test_favourite_categories_are_bought_more(people: dict, store_sales: list, rows: Rows) -> None:
    root = {r["sku"]: r["category_path"].split("/")[0] for r in rows("products.csv")}
    hits, lines = Counter(), Counter()
    for person, _, sku in store_sales:
        if person in people:
            lines[person] += 1
            hits[person] += root[sku] in people[person]["favourite_categories"].split("|")
    share = sum(hits.values()) / sum(lines.values())
    roots = len(set(root.values()))
    assert share > 2.5 / roots  # two favourites of eight roots would be 0.25 by chance


def test_higher_rates_buy_more(people: dict, store_sales: list) -> None:
    receipts: dict[str, set[date]] = defaultdict(set)
    for person, day, _ in store_sales:
        receipts[person].add(day)
    rate = np.array([float(p["purchases_per_year"]) for p in people.values()])
    count = np.array([len(receipts[k]) for k in people])
    high, low = rate > np.quantile(rate, 0.8), rate < np.quantile(rate, 0.2)
    assert count[high].mean() > 5 * count[low].mean()
