"""stock_levels.csv agrees with the POS sales: every (store, sku) that sold is counted every month
from its first sale, a count is never negative, and count + units sold that month is the same
order-up-to level every month (the store is topped up at each month's start)."""

from collections import Counter, defaultdict
from collections.abc import Callable


def test_stock_counts_follow_pos_sales(rows: Callable[[str], list[dict]]) -> None:
    sold: Counter[tuple[str, str, str]] = Counter()
    for line in rows("pos_receipts.csv"):
        if line["op"] == "sale":
            sold[line["store_code"], line["sku"], line["ts_local"][:7]] += int(line["qty"])
    counts = rows("stock_levels.csv")
    assert counts, "no stock counts"
    levels: dict[tuple[str, str], set[int]] = defaultdict(set)
    months: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in counts:
        pair, month = (c["store_code"], c["sku"]), c["date"][:7]
        qty = int(c["qty_on_hand"])
        assert qty >= 0
        levels[pair].add(qty + sold[(*pair, month)])
        months[pair].append(month)
    assert all(len(found) == 1 for found in levels.values())
    assert {(s, k) for s, k, _ in sold} == set(levels)
    first: dict[tuple[str, str], str] = {}
    for store, sku, month in sold:
        first[store, sku] = min(month, first.get((store, sku), month))
    for pair, counted in months.items():
        assert counted[0] == first[pair]
        assert len(counted) == len(set(counted))
