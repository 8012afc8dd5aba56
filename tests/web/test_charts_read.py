"""Charts and tiles that read: many stores become the top ones and one "other" line, a long sum
fits its tile with the exact one on hover, the Pareto chart's legend is clear of its labels."""

import pytest

from omnicrm.analytics.report import Report
from omnicrm.web.formatting import compact, compact_money
from omnicrm.web.insights import charts
from omnicrm.web.insights.charts import TOP_SERIES, by_store_chart, top_and_other
from omnicrm.web.insights.tables import kpi_tile, kpi_value, named


def _dynamics(stores: int) -> Report:
    rows = [
        (f"S{i:03d}", f"Shop {i}", month, 10, (i + 1) * 1_000_00, 5, 3)
        for i in range(stores)
        for month in ("2025-01-01", "2025-02-01")
    ]
    columns = ["store", "name", "month", "receipts", "revenue_minor", "units", "buyers"]
    return Report("store_dynamics", "Sales dynamics by store and month", columns, rows)


def test_many_stores_draw_the_top_ones_and_the_rest_as_one_line() -> None:
    report = _dynamics(45)
    figure = by_store_chart(report, "month", "revenue_minor", "ru", "line").figure
    traces = figure["data"]
    assert len(traces) == TOP_SERIES + 1
    assert traces[0]["name"] == "S044 Shop 44"  # the biggest first
    assert traces[-1]["name"] == "Остальные магазины"
    drawn = sum(sum(t["y"]) for t in traces)
    assert drawn == pytest.approx(sum(r[4] for r in report.rows) / 100)  # nothing lost
    few = by_store_chart(_dynamics(TOP_SERIES + 1), "month", "revenue_minor", "en", "bar")
    assert len(few.figure["data"]) == TOP_SERIES + 1  # no "other" of a single store
    assert "Other stores" not in {t["name"] for t in few.figure["data"]}


def test_top_and_other_breaks_ties_by_key() -> None:
    shown, rest = top_and_other({"b": 1, "a": 1, "c": 5, "d": 0}, top=2)
    assert shown == ["c", "a"]
    assert rest == {"b", "d"}


def test_long_figures_are_compact_with_the_exact_one_beside() -> None:
    assert compact_money(84_289_442_24, "ru") == "84,3\u00a0млн\u00a0₽"
    assert compact_money(84_289_442_24, "en") == "₽84.3M"
    assert compact_money(5_999_50, "ru") == "5\u00a0999,50\u00a0₽"  # short: exact
    assert compact(2_500_000, "ru") == "2,5\u00a0млн"
    assert kpi_tile("turnover_minor", 84_289_442_24, "ru") == "84,3\u00a0млн\u00a0₽"
    assert kpi_value("turnover_minor", 84_289_442_24, "ru") == "84\u00a0289\u00a0442,24\u00a0₽"
    assert kpi_tile("enrolment_conversion", 0.25, "ru") == "25,0\u00a0%"


def test_the_pareto_legend_sits_above_the_slanted_labels() -> None:
    summary = Report("abc", "ABC", ["subject", "measure", "abc", "xyz", "items", "item_share",
                                    "value", "value_share"],
                     [("sku", "revenue", "A", "X", 1, 1.0, 100, 1.0)])  # fmt: skip
    detail = Report("abc_detail", "ABC", ["subject", "measure", "item", "value", "share",
                                          "cumulative_share", "cv", "abc", "xyz"],
                    [("sku", "revenue", "SKU1", 100, 1.0, 1.0, 0.1, "A", "X")])  # fmt: skip
    _, pareto = charts.abc_charts(summary, detail, "revenue", "ru")
    layout = pareto.figure["layout"]
    assert layout["xaxis"]["tickangle"] == -45
    assert layout["legend"]["y"] >= 1
    assert layout["legend"]["yanchor"] == "bottom"


def test_pareto_labels_are_short_and_the_hover_has_the_whole_name() -> None:
    assert charts.short_label("Одежда/Женская/Пальто") == "Пальто"
    coats = [("Одежда/Женская/Пальто", 100, 0.5, "A"), ("Обувь/Мужская/Пальто", 90, 1.0, "B")]
    detail = Report("abc_detail", "ABC", ["item", "value", "cumulative_share", "abc"], coats)
    summary = Report("abc", "ABC", ["abc", "xyz", "items", "value_share"], [])
    pareto = charts.abc_charts(summary, detail, "revenue", "ru")[1].figure
    bars, axis = pareto["data"][0], pareto["layout"]["xaxis"]
    assert bars["x"] == axis["tickvals"]  # two "Пальто" stay two bars; the hover names each
    assert axis["ticktext"] == ["Пальто", "Пальто"]
    assert charts.short_label("Электроника/Аксессуары/Зарядное устройство") == "Зарядное устрой…"
    assert len(charts.short_label("x" * 40)) == charts.LABEL_WIDTH


def test_a_ranking_chart_names_the_people_the_page_may_name() -> None:
    report = Report(
        "receipts", "Ranking by receipts", ["customer_id", "receipts"], [(7, 3), (9, 2)]
    )
    labelled = charts.ranking_chart(named(report, {7: "Иванова Анна"}), "receipts", "ru")
    assert labelled.figure["data"][0]["y"] == ["Иванова Анна", "#9"]  # no name: the id
    hidden = charts.ranking_chart(named(report, None), "receipts", "ru")  # a role without names
    assert hidden.figure["data"][0]["y"] == ["#7", "#9"]
