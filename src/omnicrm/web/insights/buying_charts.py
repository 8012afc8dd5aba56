"""Charts of when and where people buy: the hour x weekday heatmap (one per breakdown group) and
the revenue of each city and store."""

from collections import defaultdict

from omnicrm.analytics.report import Report
from omnicrm.web import formatting
from omnicrm.web.i18n import label, translate
from omnicrm.web.insights.charts import BLUES, TOP, Chart, _hbar, _layout
from omnicrm.web.insights.tables import coded

WEEKDAYS = range(1, 8)
HOURS = range(24)
MAX_GROUPS = 8
"""Heatmaps drawn for a breakdown; the table has every group."""


def heatmap_charts(report: Report, by: str, lang: str) -> list[Chart]:
    """Receipts per local hour (x) and weekday (y, Monday on top), one heatmap per group."""
    cells: dict[str, dict[tuple[int, int], int]] = defaultdict(dict)
    for r in report.records():
        cells[str(r[by])][r["weekday"], r["hour"]] = r["receipts"]
    days = [translate(lang, f"weekday:{d}") for d in WEEKDAYS]
    charts = []
    for n, (group, counts) in enumerate(list(cells.items())[:MAX_GROUPS]):
        trace = {
            "type": "heatmap",
            "x": [f"{h:02d}" for h in HOURS],
            "y": days,
            "z": [[counts.get((d, h), 0) for h in HOURS] for d in WEEKDAYS],
            "colorscale": BLUES,
            "hovertemplate": "%{y} %{x}:00 — %{z}<extra></extra>",
        }
        layout = _layout(
            lang,
            height=300,
            yaxis={"autorange": "reversed", "type": "category", "rangemode": "normal"},
            xaxis={"type": "category", "title": {"text": translate(lang, "Local hour")}},
        )
        title = translate(lang, "Receipts by hour and day of week")
        if by != "total":
            title = f"{title}: {coded(lang, by, group)}"
        charts.append(Chart(f"heatmap-{n}", title, {"data": [trace], "layout": layout}))
    return charts


def places_chart(report: Report, by: str, lang: str) -> Chart:
    """Revenue of the places that sold most (a place per group when broken down)."""
    rows = report.records()[:TOP]
    names = [
        " · ".join(
            part
            for part in (
                None if by == "total" else coded(lang, by, str(r[by])),
                r["city"],
                r["store"],
            )
            if part
        )
        for r in rows
    ]
    values = [r["revenue_minor"] for r in rows]
    texts = [formatting.money(v, lang) for v in values]
    return Chart("places", label(lang, "col", "revenue_minor").capitalize(),
                 _hbar(names, values, texts, lang, True))  # fmt: skip
