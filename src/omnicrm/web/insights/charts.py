"""Figures as plotly JSON, built on the server from reports and drawn in the browser by
``static/charts.js`` with the plotly.js bundled in the installed ``plotly`` package (no CDN).

Figures are plain dicts in plotly's figure schema (cheaper than validating ``go.Figure`` objects on
every page). Everything a person reads is formatted here for their language: category labels
(months, segments, channels), hover texts (``1 234,50 ₽``), and the number separators of axes.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from omnicrm.analytics.report import Report
from omnicrm.web import formatting
from omnicrm.web.formatting import NBSP
from omnicrm.web.i18n import label, translate
from omnicrm.web.insights.tables import PERSON, coded, month_label
from omnicrm.web.insights.trends import Bucket

PALETTE = ["#1f6feb", "#1a7f37", "#9a6700", "#c2262e", "#8250df", "#0a7ea4", "#bf3989", "#6e7781"]
TOP = 20
"""Bars in a ranking chart."""
LABEL_WIDTH = 16
"""Characters of a slanted axis label."""
TOP_SERIES = 8
"""Lines (or stacks) drawn one per store before the rest become one "other" series."""
PARETO_BARS = 50
"""Bars of the ABC Pareto chart (the table below it lists as many rows as asked)."""
BLUES = [[0, "#f3f7fe"], [1, "#1f6feb"]]
GREENS = [[0, "#f1f8f3"], [1, "#1a7f37"]]
"""Light for little, dark for much (plotly's named "Blues" runs the other way)."""
MAIN_STAGES = ("acquired", "browsed", "carted", "purchased", "received", "feedback")


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    figure: dict[str, Any]
    wide: bool = False
    """Takes a whole row of the page's charts (many bars, long labels)."""


def _layout(lang: str, **extra: Any) -> dict[str, Any]:
    base = {
        "height": 320,
        "margin": {"l": 60, "r": 16, "t": 16, "b": 48},
        "separators": f",{NBSP}" if lang == "ru" else ".,",
        "font": {"family": "system-ui, DejaVu Sans, sans-serif", "size": 12, "color": "#1d2330"},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "colorway": PALETTE,
        "legend": {"orientation": "h", "y": -0.2},
        "hoverlabel": {"font": {"family": "system-ui, DejaVu Sans, sans-serif"}},
        "xaxis": {"automargin": True},
        "yaxis": {"automargin": True, "gridcolor": "#dde1e8", "rangemode": "tozero"},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def _money_axis(lang: str) -> dict[str, str]:
    return {"ticksuffix": f"{NBSP}₽"} if lang == "ru" else {"tickprefix": "₽"}


def _rub(minor: int | float | None) -> float | None:
    return None if minor is None else round(minor / 100, 2)


def _hover(texts: list[str]) -> dict[str, Any]:
    return {
        "text": texts,
        "hovertemplate": "%{x}<br>%{text}<extra></extra>",
        "textposition": "none",
    }


def _bucket_label(start: date, grain: str, lang: str) -> str:
    return month_label(start, lang) if grain == "month" else formatting.day(start, lang)


def trend_charts(buckets: list[Bucket], grain: str, lang: str) -> list[Chart]:
    """Revenue, receipts, active members, redemption and churn by week / month."""
    x = [_bucket_label(b.start, grain, lang) for b in buckets]
    pct = {"tickformat": ".1%", "rangemode": "tozero"}
    series = (
        ("revenue", "bar", [_rub(b.revenue_minor) for b in buckets],
         [formatting.money(b.revenue_minor, lang) for b in buckets], _money_axis(lang)),
        ("receipts", "bar", [b.receipts for b in buckets],
         [formatting.number(b.receipts, lang) for b in buckets], {}),
        ("members", "line", [b.active_members for b in buckets],
         [formatting.number(b.active_members, lang) for b in buckets], {}),
        ("redemption", "line", [b.redemption_share for b in buckets],
         [formatting.percent(b.redemption_share, lang) for b in buckets], pct),
        ("churn", "line", [b.churn_rate for b in buckets],
         [formatting.percent(b.churn_rate, lang) for b in buckets], pct),
    )  # fmt: skip
    charts = []
    for i, (name, kind, y, texts, axis) in enumerate(series):
        trace = {"x": x, "y": y, "name": label(lang, "trend", name), **_hover(texts)}
        color = PALETTE[i % len(PALETTE)]
        if kind == "bar":
            trace |= {"type": "bar", "marker": {"color": color}}
        else:
            trace |= {"type": "scatter", "mode": "lines+markers", "line": {"color": color}}
        layout = _layout(lang, height=260, yaxis=axis, xaxis={"nticks": 13, "type": "category"})
        figure = {"data": [trace], "layout": layout}
        charts.append(Chart(f"trend-{name}", label(lang, "trend", name), figure))
    return charts


def loyal_chart(kpis: dict[str, Any], lang: str) -> Chart:
    """Average receipt and items per receipt of loyal vs one-time buyers (A1)."""
    names = [translate(lang, "Loyal"), translate(lang, "One-time")]
    receipts = [kpis.get("loyal_average_receipt_minor"), kpis.get("one_time_average_receipt_minor")]
    trace = {
        "type": "bar",
        "x": names,
        "y": [_rub(v) for v in receipts],
        "marker": {"color": [PALETTE[1], PALETTE[7]]},
        **_hover([formatting.money(v, lang) for v in receipts]),
    }
    figure = {"data": [trace], "layout": _layout(lang, height=260, yaxis=_money_axis(lang))}
    title = (
        f"{translate(lang, 'Loyal vs one-time customers')}: {translate(lang, 'Average receipt')}"
    )
    return Chart("loyal-vs-one-time", title, figure)


def rfm_charts(sizes: Report, movement: Report, lang: str) -> list[Chart]:
    segs = sizes.records()
    treemap = {
        "type": "treemap",
        "labels": [label(lang, "segment", r["segment"]) for r in segs],
        "parents": ["" for _ in segs],
        "values": [r["customers"] for r in segs],
        "text": [
            " · ".join(
                (formatting.percent(r["share"], lang), formatting.money(r["monetary_minor"], lang))
            )
            for r in segs
        ],
        "textinfo": "label+value+text",
        "hovertemplate": "%{label}<br>%{value}<br>%{text}<extra></extra>",
        "marker": {"colors": PALETTE * 2},
    }
    names = movement.columns[1:-1]
    z = [list(row[1:-1]) for row in movement.rows]
    labels = [label(lang, "segment", n) for n in names]
    heat = {
        "type": "heatmap",
        "x": labels,
        "y": [label(lang, "segment", row[0]) for row in movement.rows],
        "z": z,
        "texttemplate": "%{z}",
        "colorscale": BLUES,
        "showscale": False,
        "hovertemplate": "%{y} → %{x}: %{z}<extra></extra>",
    }
    move_layout = _layout(
        lang, height=460, margin={"l": 150, "b": 120}, yaxis={"autorange": "reversed"}
    )
    return [
        Chart("rfm-sizes", translate(lang, "Segment sizes"), {
            "data": [treemap], "layout": _layout(lang, height=380, margin={"l": 0, "r": 0})}),
        Chart("rfm-movement", translate(lang, "Movement between segments"),
              {"data": [heat], "layout": move_layout}),
    ]  # fmt: skip


def abc_charts(summary: Report, detail: Report, measure: str, lang: str) -> list[Chart]:
    counts = {(r["abc"], r["xyz"]): r for r in summary.records()}
    z = [[(counts.get((a, x)) or {}).get("items", 0) for x in "XYZ"] for a in "ABC"]
    text = [
        [formatting.percent((counts.get((a, x)) or {}).get("value_share"), lang) for x in "XYZ"]
        for a in "ABC"
    ]
    grid = {
        "type": "heatmap",
        "x": ["X", "Y", "Z"],
        "y": ["A", "B", "C"],
        "z": z,
        "text": text,
        "texttemplate": "%{z} · %{text}",
        "colorscale": GREENS,
        "showscale": False,
        "hovertemplate": "%{y}%{x}: %{z} · %{text}<extra></extra>",
    }
    rows = detail.records()[:PARETO_BARS]
    money = measure == "revenue"
    values = [r["value"] for r in rows]
    bars = {
        "type": "bar",
        "x": [str(r["item"]) for r in rows],
        "y": [_rub(v) if money else v for v in values],
        "name": label(lang, "opt", measure),
        "marker": {"color": [{"A": PALETTE[1], "B": PALETTE[2], "C": PALETTE[3]}[r["abc"]]
                             for r in rows]},
        **_hover([formatting.money(v, lang) if money else formatting.number(v, lang)
                  for v in values]),
    }  # fmt: skip
    line = {
        "type": "scatter",
        "mode": "lines",
        "x": bars["x"],
        "y": [r["cumulative_share"] for r in rows],
        "yaxis": "y2",
        "name": label(lang, "col", "cumulative_share"),
        "line": {"color": PALETTE[0]},
    }
    items = bars["x"]
    pareto = _layout(
        lang,
        height=380,
        xaxis={
            "type": "category",
            "tickangle": -45,
            "tickvals": items,
            "ticktext": [short_label(i) for i in items],
        },
        yaxis=_money_axis(lang) if money else {},
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%", "range": [0, 1.02]},
        margin={"b": 100, "r": 50, "t": 48},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    )  # the legend above the plot: below it, it sat on the slanted item labels
    grid_layout = _layout(lang, height=300, yaxis={"autorange": "reversed"})
    return [
        Chart("abc-grid", translate(lang, "Classes"), {"data": [grid], "layout": grid_layout}),
        Chart(
            "abc-pareto",
            translate(lang, "Top items"),
            {"data": [bars, line], "layout": pareto},
            wide=True,
        ),
    ]


def short_label(item: str, width: int = LABEL_WIDTH) -> str:
    """An axis label that leaves room for the plot: a category path's last part
    (``Одежда/Женская/Пальто`` -> ``Пальто``), cut to ``width`` characters; the hover has it
    whole."""
    last = item.rsplit("/", 1)[-1].strip() or item
    return last if len(last) <= width else last[: width - 1].rstrip() + "…"


def cohort_chart(report: Report, lang: str) -> Chart:
    cohorts = sorted({r["cohort"] for r in report.records()})
    ages = sorted({r["month"] for r in report.records()})
    cells = {(r["cohort"], r["month"]): r["retention"] for r in report.records()}
    z = [[cells.get((c, a)) for a in ages] for c in cohorts]
    heat = {
        "type": "heatmap",
        "x": [str(a) for a in ages],
        "y": [month_label(date.fromisoformat(f"{c}-01"), lang) for c in cohorts],
        "z": z,
        "zmin": 0,
        "zmax": 1,
        "texttemplate": "%{z:.0%}",
        "colorscale": BLUES,
        "hovertemplate": "%{y} · +%{x}: %{z:.1%}<extra></extra>",
        "colorbar": {"tickformat": ".0%"},
    }
    height = max(260, 40 + 26 * len(cohorts))
    layout = _layout(lang, height=height, yaxis={"autorange": "reversed", "type": "category"},
                     xaxis={"type": "category"})  # fmt: skip
    return Chart(
        "cohort-retention", translate(lang, "Retention"), {"data": [heat], "layout": layout}
    )


def funnel_chart(report: Report, lang: str) -> Chart:
    totals: dict[str, int] = defaultdict(int)
    for r in report.records():
        totals[r["stage"]] += r["customers"]  # sources split the customers: their sum is everyone
    trace = {
        "type": "funnel",
        "y": [label(lang, "stage", s) for s in MAIN_STAGES],
        "x": [totals.get(s, 0) for s in MAIN_STAGES],
        "textinfo": "value+percent initial",
        "marker": {"color": PALETTE[0]},
    }
    layout = _layout(lang, height=340, margin={"l": 160})
    return Chart("funnel", translate(lang, "Funnel"), {"data": [trace], "layout": layout})


def attribution_chart(report: Report, lang: str) -> Chart:
    rows = report.records()
    x = [coded(lang, "channel", r["channel"]) for r in rows]
    traces = [
        {"type": "bar", "x": x, "y": [r[name] for r in rows], "name": label(lang, "col", name)}
        for name in ("first_touch", "last_touch", "position_based")
    ]
    layout = _layout(lang, barmode="group", height=340)
    return Chart("attribution", translate(lang, "Credit for purchases"),
                 {"data": traces, "layout": layout})  # fmt: skip


def _hbar(names: list[str], values: list, texts: list[str], lang: str, money: bool) -> dict:
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": names,
        "x": [_rub(v) for v in values] if money else values,
        "text": texts,
        "hovertemplate": "%{y}: %{text}<extra></extra>",
        "textposition": "none",
        "marker": {"color": PALETTE[0]},
    }
    layout = _layout(
        lang,
        height=max(260, 40 + 22 * len(names)),
        yaxis={"autorange": "reversed", "type": "category"},
        xaxis=_money_axis(lang) if money else {},
        margin={"l": 140},
    )
    return {"data": [trace], "layout": layout}


def ranking_chart(report: Report, column: str, lang: str) -> Chart:
    """The top customers by ``column``, named where the page named them (``tables.named``)."""
    rows = report.records()[:TOP]
    names = [r.get(PERSON) or f"#{r['customer_id']}" for r in rows]
    values = [r[column] for r in rows]
    money = column.endswith("_minor")
    texts = [formatting.money(v, lang) if money else formatting.number(v, lang, 2) for v in values]
    return Chart(f"ranking-{column}", label(lang, "col", column).capitalize(),
                 _hbar(names, values, texts, lang, money))  # fmt: skip


def sales_chart(report: Report, group: str, lang: str) -> Chart:
    rows = report.records()[:TOP]
    names = [coded(lang, "value", str(r[group])) for r in rows]
    values = [r["net_revenue_minor"] for r in rows]
    texts = [formatting.money(v, lang) for v in values]
    return Chart("sales", label(lang, "col", "net_revenue_minor").capitalize(),
                 _hbar(names, values, texts, lang, True))  # fmt: skip


def sales_stock_chart(report: Report, group: str, lang: str) -> Chart:
    """Units sold beside the closing stock of the best sellers, store by store; the hover
    gives sell-through and days of cover."""
    rows = report.records()[:TOP]
    names = [f"{r['store']} · {coded(lang, 'value', str(r[group]))}" for r in rows]
    hover = [
        f"{label(lang, 'col', 'sell_through')}: "
        f"{'—' if r['sell_through'] is None else formatting.percent(r['sell_through'], lang)}"
        f"<br>{label(lang, 'col', 'days_of_cover')}: "
        f"{'—' if r['days_of_cover'] is None else formatting.number(r['days_of_cover'], lang, 1)}"
        for r in rows
    ]
    traces = [
        {"type": "bar", "orientation": "h", "y": names, "x": [r[column] for r in rows],
         "name": label(lang, "col", column), "text": hover, "textposition": "none",
         "hovertemplate": "%{y}: %{x}<br>%{text}<extra></extra>"}
        for column in ("units", "closing_stock")
    ]  # fmt: skip
    layout = _layout(
        lang,
        height=max(260, 40 + 30 * len(names)),
        barmode="group",
        yaxis={"autorange": "reversed", "type": "category"},
        margin={"l": 160},
    )
    return Chart("sales-stock", translate(lang, "Sold and on hand"),
                 {"data": traces, "layout": layout})  # fmt: skip


def store_frequency_chart(report: Report, lang: str) -> Chart:
    rows = report.records()
    names = [f"{r['store']} {r['name']}".strip() for r in rows]
    values = [r["receipts_per_buyer"] or 0 for r in rows]
    texts = [formatting.number(v, lang, 2) for v in values]
    return Chart("store-frequency", label(lang, "col", "receipts_per_buyer").capitalize(),
                 _hbar(names, values, texts, lang, False))  # fmt: skip


def top_and_other(totals: dict[str, float], top: int = TOP_SERIES) -> tuple[list[str], set[str]]:
    """The ``top`` keys by total (ties by key), and the rest, folded into one "other" series
    when there are more than ``top + 1`` (one more line is no worse than an "other" of one)."""
    ranked = sorted(totals, key=lambda k: (-totals[k], k))
    if len(ranked) <= top + 1:
        return ranked, set()
    return ranked[:top], set(ranked[top:])


def by_store_chart(report: Report, grain: str, column: str, lang: str, kind: str) -> Chart:
    """One line (or stacked bar) per store over the weeks / months: the stores with the most
    of ``column`` and the rest as one "other stores" series, so the chart stays readable."""
    rows = report.records()
    periods = sorted({r[grain] for r in rows})
    totals: dict[str, float] = defaultdict(float)
    for r in rows:
        totals[r["store"]] += r[column] or 0
    shown, rest = top_and_other(totals)
    series: dict[str, dict[str, float]] = {store: defaultdict(float) for store in shown}
    other = translate(lang, "Other stores")
    if rest:
        series[other] = defaultdict(float)
    for r in rows:
        key = other if r["store"] in rest else r["store"]
        series[key][r[grain]] += r[column] or 0
    names = dict(zip(report.column("store"), report.column("name"), strict=True))
    money = column.endswith("_minor")
    x = [_bucket_label(date.fromisoformat(p), grain, lang) for p in periods]
    traces = []
    for key, values in series.items():
        named = key if key == other else f"{key} {names.get(key) or ''}".strip()
        trace = {
            "x": x,
            "y": [(_rub(values.get(p, 0)) if money else values.get(p, 0)) for p in periods],
            "name": named,
        }
        if kind == "bar":
            trace["type"] = "bar"
        else:
            trace |= {"type": "scatter", "mode": "lines+markers"}
        if key == other:
            trace["marker"] = {"color": PALETTE[7]}
            trace["line"] = {"color": PALETTE[7], "dash": "dot"}
        traces.append(trace)
    layout = _layout(
        lang,
        height=380,
        barmode="stack",
        xaxis={"type": "category"},
        yaxis=_money_axis(lang) if money else {},
        margin={"b": 110},
        legend={"orientation": "h", "y": -0.25, "yanchor": "top"},
    )
    return Chart(f"by-store-{column}", label(lang, "col", column).capitalize(),
                 {"data": traces, "layout": layout})  # fmt: skip


def demographics_chart(report: Report, lang: str) -> Chart:
    traces = []
    for i, dimension in enumerate(("gender", "age_band", "city")):
        rows = [r for r in report.records() if r["dimension"] == dimension]
        values = [r["revenue_minor"] for r in rows]
        traces.append(
            {
                "type": "bar",
                "x": [coded(lang, "gender" if i == 0 else "value", str(r["value"])) for r in rows],
                "y": [_rub(v) for v in values],
                "name": label(lang, "opt", dimension),
                "xaxis": "x" if i == 0 else f"x{i + 1}",
                "yaxis": "y" if i == 0 else f"y{i + 1}",
                **_hover([formatting.money(v, lang) for v in values]),
            }
        )
    money = _money_axis(lang)
    layout = _layout(
        lang,
        height=320,
        xaxis={"domain": [0, 0.2], "type": "category"},
        xaxis2={"domain": [0.26, 0.58], "type": "category", "anchor": "y2"},
        xaxis3={"domain": [0.64, 1], "type": "category", "anchor": "y3"},
        yaxis=money,
        yaxis2={**money, "anchor": "x2", "rangemode": "tozero", "gridcolor": "#dde1e8"},
        yaxis3={**money, "anchor": "x3", "rangemode": "tozero", "gridcolor": "#dde1e8"},
        margin={"b": 90},
    )
    return Chart("demographics", label(lang, "col", "revenue_minor").capitalize(),
                 {"data": traces, "layout": layout})  # fmt: skip


def product_loyalty_chart(report: Report, profile: str, group: str, lang: str) -> Chart:
    rows = report.records()
    buyers: dict[str, int] = defaultdict(int)
    for r in rows:
        buyers[r[group]] += r["buyers"]
    items = sorted(buyers, key=lambda i: (-buyers[i], str(i)))[:TOP]
    profiles = sorted({r[profile] for r in rows})
    cells = {(r[profile], r[group]): r["repeat_share"] for r in rows}
    heat = {
        "type": "heatmap",
        "x": [coded(lang, "value", str(i)) for i in items],
        "y": [coded(lang, "gender" if profile == "gender" else "value", str(p)) for p in profiles],
        "z": [[cells.get((p, i)) for i in items] for p in profiles],
        "zmin": 0,
        "zmax": 1,
        "texttemplate": "%{z:.0%}",
        "colorscale": GREENS,
        "colorbar": {"tickformat": ".0%"},
        "hovertemplate": "%{y} · %{x}: %{z:.1%}<extra></extra>",
    }
    layout = _layout(
        lang,
        height=max(260, 80 + 30 * len(profiles)),
        xaxis={"type": "category", "tickangle": -30},
        yaxis={"type": "category"},
        margin={"b": 100, "l": 110},
    )
    return Chart("product-loyalty", label(lang, "col", "repeat_share").capitalize(),
                 {"data": [heat], "layout": layout})  # fmt: skip


def simulation_charts(result: dict[str, Any], lang: str) -> list[Chart]:
    """A simulated promotion's discount by channel and by store (the promotions page)."""
    out = []
    for key, group in (("by_channel", "channel"), ("by_store", "store")):
        tallies = result.get(key) or {}
        if group == "store":  # the stores that gave most, not every store
            given = sorted(tallies.items(), key=lambda kv: -kv[1]["discount_minor"])
            tallies = {k: t for k, t in given[:TOP] if t["discount_minor"]} or tallies
        names = [
            label(lang, "channel", k) if group == "channel" else k.replace("-", "—")
            for k in tallies
        ]
        values = [t["discount_minor"] for t in tallies.values()]
        texts = [
            f"{formatting.money(t['discount_minor'], lang)} · "
            f"{formatting.number(t['receipts_reached'], lang)} {translate(lang, 'receipts')}"
            for t in tallies.values()
        ]
        title = translate(lang, f"Discount by {group}")
        out.append(Chart(f"simulation-{group}", title, _hbar(names, values, texts, lang, True)))
    return out
