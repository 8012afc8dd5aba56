"""The when-and-where and stock pages: the heatmap is a plotly heatmap of the receipts by weekday
and hour, one per group under a breakdown; ABC by average stock of customers says why it is
empty instead of failing."""

import json
import re

from web_sales import PERIOD
from web_store import Store, signed_in


def _figures(page: str) -> list[dict]:
    found = re.findall(r'<script type="application/json" id="[^"]+-data">(.*?)</script>', page)
    return [json.loads(f) for f in found]


def test_the_heatmap_counts_every_receipt_of_the_table(sales: Store) -> None:
    client = signed_in(sales.engine, "analyst")
    page = client.get("/analytics/reports/purchase_times", params=PERIOD)
    assert page.status_code == 200, page.text[:2000]
    (figure,) = _figures(page.text)
    (trace,) = figure["data"]
    assert trace["type"] == "heatmap"
    assert len(trace["z"]) == 7
    assert all(len(row) == 24 for row in trace["z"])
    download = client.get("/analytics/reports/purchase_times/download",
                          params={**PERIOD, "format": "csv", "raw": 1})  # fmt: skip
    receipts = sum(int(line.split(",")[3]) for line in download.text.splitlines()[1:])
    assert sum(map(sum, trace["z"])) == receipts > 0
    by_channel = client.get(
        "/analytics/reports/purchase_times", params={**PERIOD, "by": "channel"}
    ).text
    assert len(_figures(by_channel)) >= 2


def test_abc_of_customers_by_stock_explains_itself(sales: Store) -> None:
    client = signed_in(sales.engine, "analyst")
    page = client.get("/analytics/abc", params={**PERIOD, "subject": "customer",
                                                "measure": "stock"})  # fmt: skip
    assert page.status_code == 200, page.text[:2000]
    assert "Average stock is measured for product groups and SKUs" in page.text
