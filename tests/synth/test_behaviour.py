"""The data carries signal: weekly and seasonal rhythm, heterogeneous customers, promotions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date

import numpy as np

Rows = Callable[[str], list[dict]]


def _receipt_days(rows: Rows) -> Counter[date]:
    seen = set()
    days: Counter[date] = Counter()
    for r in rows("pos_receipts.csv"):
        key = (r["store_code"], r["terminal_id"], r["receipt_no"])
        if r["op"] == "sale" and key not in seen:
            seen.add(key)
            days[date.fromisoformat(r["ts_local"][:10])] += 1
    return days


def test_weekly_rhythm(rows: Rows) -> None:
    days = _receipt_days(rows)
    per_weekday = np.zeros(7)
    for d, n in days.items():
        per_weekday[d.weekday()] += n
    assert per_weekday[5] > 1.25 * per_weekday[1]  # Saturday vs Tuesday


def test_seasonal_peaks(rows: Rows) -> None:
    days = _receipt_days(rows)

    def mean(lo: date, hi: date) -> float:
        return sum(n for d, n in days.items() if lo <= d <= hi) / ((hi - lo).days + 1)

    february = mean(date(2025, 2, 3), date(2025, 2, 16))
    assert mean(date(2025, 12, 20), date(2025, 12, 30)) > 1.6 * february
    assert mean(date(2025, 3, 4), date(2025, 3, 7)) > 1.4 * february
    assert mean(date(2025, 8, 18), date(2025, 8, 31)) > 1.2 * mean(
        date(2025, 7, 1), date(2025, 7, 14)
    )
    assert days[date(2025, 11, 28)] > 1.8 * mean(date(2025, 11, 3), date(2025, 11, 16))


def test_purchase_rates_differ_between_people(rows: Rows) -> None:
    truth = {
        r["source_key"]: r["person_id"] for r in rows("ground_truth.csv") if r["source"] == "pos"
    }
    per_person = Counter(truth.values())
    counts = np.array(sorted(per_person.values(), reverse=True))
    assert counts.std() / counts.mean() > 0.8
    top = counts[: len(counts) // 5].sum() / counts.sum()
    assert top > 0.45  # the best fifth of customers makes about half of the visits


def test_spend_per_order_differs_between_people(rows: Rows) -> None:
    truth = {
        r["source_key"]: r["person_id"] for r in rows("ground_truth.csv") if r["source"] == "pos"
    }
    spend: dict[str, list[int]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for r in rows("pos_receipts.csv"):
        if r["op"] == "sale":
            totals[f"{r['store_code']}/{r['terminal_id']}/{r['receipt_no']}"] += int(
                r["amount_minor"]
            )
    for key, total in totals.items():
        spend[truth[key]].append(total)
    means = np.array([np.mean(v) for v in spend.values() if len(v) >= 3])
    assert np.quantile(means, 0.9) > 2 * np.quantile(means, 0.1)


def test_promotions_and_points(rows: Rows) -> None:
    pos = [r for r in rows("pos_receipts.csv") if r["op"] == "sale"]
    bf = [r for r in pos if r["ts_local"].startswith("2025-11-28")]
    assert bf
    assert all(int(r["discount_minor"]) > 0 for r in bf)
    plain = [r for r in pos if r["ts_local"].startswith("2025-10-2")]
    assert sum(int(r["discount_minor"]) > 0 for r in plain) < 0.2 * len(plain)
    assert any("points=" in r["payments"] for r in pos)
    assert any(p["method"] == "points" for o in rows("web_orders.jsonl") for p in o["payments"])


def test_channel_mix(manifest: dict) -> None:
    files = manifest["files"]
    assert files["pos_receipts.csv"]["records"] > files["web_orders.jsonl"]["records"]
    for name in (
        "app_orders.jsonl",
        "call_centre_orders.csv",
        "marketplace_orders.csv",
        "returns.csv",
    ):
        assert files[name]["records"] > 0
    assert 9 < manifest["order_lines"] / manifest["customers"] < 13
