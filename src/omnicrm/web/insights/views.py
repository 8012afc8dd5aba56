"""The analytics pages, as data: each names its own options, the reports it shows (each one a
table with CSV / Excel downloads) and the charts drawn from them."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

from omnicrm.analytics import abc as abc_analysis
from omnicrm.analytics.attribution import attribution
from omnicrm.analytics.cohorts import cohorts
from omnicrm.analytics.funnel import funnel
from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report
from omnicrm.analytics.reports import REPORTS, ReportOptions
from omnicrm.analytics.rfm import rfm_movement, rfm_segments
from omnicrm.web.insights import buying_charts, charts
from omnicrm.web.insights.cache import Insights
from omnicrm.web.insights.charts import Chart
from omnicrm.web.insights.filters import Option, PageFilters

STOCK_OF_GOODS = "Average stock is measured for product groups and SKUs, not customers."
Reports = dict[str, Report]

GRAIN = Option("grain", "By", "month", ("week", "month"))
LIMIT = Option("limit", "Rows", 100, low=1, high=100_000)
"""Up to every group a catalogue has: "show all" asks for the count the report gave."""
ORDER = Option("order", "Sort order", "most", ("most", "fewest"))
MIN_RECEIPTS = Option("min_receipts", "At least receipts", 1, low=1, high=1000)
GROUP = Option("group", "Group by", "category", ("category", "brand", "sku"))
BREAKDOWN = Option("by", "Breakdown", "total", ("total", "channel", "segment", "level", "city"))


@dataclass(frozen=True)
class View:
    slug: str
    """The page's path under ``/analytics/``."""
    title: str
    intro: str
    section: str
    reports: Callable[[Insights, PageFilters, Query], Reports]
    charts: Callable[[Reports, PageFilters, str], list[Chart]]
    options: tuple[Option, ...] = ()
    segments: bool = True
    """Whether the RFM segment filter is offered."""
    customers: bool = False
    """The reports list customers: ids link to profiles, contacts shown as the role may."""

    @property
    def path(self) -> str:
        return f"/analytics/{self.slug}"


def _named(report: Report, name: str, title: str) -> Report:
    """A second table of the same analysis, told apart on the page and in the workbook."""
    return replace(report, name=name, title=title)


def _rfm(ins: Insights, f: PageFilters, q: Query) -> Reports:
    return {
        "rfm": ins.report("rfm", rfm_segments, q),
        "rfm_movement": ins.report("rfm_movement", rfm_movement, q),
    }


def _abc(ins: Insights, f: PageFilters, q: Query) -> Reports:
    subject, measure = str(f.option("subject")), str(f.option("measure"))
    if measure == abc_analysis.STOCK and subject not in abc_analysis.STOCK_SUBJECTS:
        empty = Report("abc", "ABC / XYZ analysis", [], [], [STOCK_OF_GOODS])
        return {
            "abc": empty,
            "abc_detail": _named(empty, "abc_detail", "ABC / XYZ analysis: items"),
        }
    rows = int(f.option("limit"))
    bound = {"subjects": (subject,), "measures": (measure,)}
    summary = partial(abc_analysis.abc, **bound)
    detail = partial(abc_analysis.abc, **bound, detail=rows)
    return {
        "abc": ins.report("abc", summary, q, (subject, measure)),
        "abc_detail": _named(
            ins.report("abc_detail", detail, q, (subject, measure, rows)),
            "abc_detail",
            "ABC / XYZ analysis: items",
        ),
    }


def _attribution(ins: Insights, f: PageFilters, q: Query) -> Reports:
    days = int(f.option("lookback_days"))
    return {
        "attribution": ins.report("attribution", partial(attribution, lookback_days=days), q, days)
    }


def report_options(f: PageFilters) -> ReportOptions:
    given = dict(f.options)
    return ReportOptions(
        limit=int(given.get("limit", 100)),
        fewest=given.get("order") == "fewest",
        min_receipts=int(given.get("min_receipts", 1)),
        inactive_days=int(given.get("inactive_days", 90)),
        grain=str(given.get("grain", "month")),
        profile=str(given.get("profile", "gender")),
        group=str(given.get("group", "category")),
    )


def _retail(name: str) -> Callable[[Insights, PageFilters, Query], Reports]:
    def reports(ins: Insights, f: PageFilters, q: Query) -> Reports:
        options = report_options(f)
        analysis = partial(REPORTS[name], options=options)
        return {name: ins.report(f"report:{name}", analysis, q, options)}

    return reports


def _broken_down(name: str) -> Callable[[Insights, PageFilters, Query], Reports]:
    """A retail report under the page's breakdown (``by``) instead of the total."""

    def reports(ins: Insights, f: PageFilters, q: Query) -> Reports:
        by = str(f.option("by"))
        analysis = partial(REPORTS[name], options=report_options(f))
        return {name: ins.report(f"report:{name}", analysis, replace(q, by=by), by)}

    return reports


def _one(draw: Callable[[Report, PageFilters, str], Chart]) -> Callable:
    def chart(reports: Reports, f: PageFilters, lang: str) -> list[Chart]:
        (report,) = reports.values()
        return [draw(report, f, lang)] if report.rows else []

    return chart


def _none(reports: Reports, f: PageFilters, lang: str) -> list[Chart]:
    return []


SEGMENTS_SECTION, PRODUCTS, STORES, CHANNELS = (
    "Segments and customers",
    "Products and sales",
    "Stores",
    "Channels and funnel",
)
RANKINGS = {
    "items_per_receipt": ("Items per receipt ranking", "Customers with the most (or fewest) "
                          "items per receipt.", "items_per_receipt"),
    "receipts": ("Ranking by receipts", "Customers with the most (or fewest) receipts in the "
                 "period.", "receipts"),
    "receipt_sum": ("Ranking by receipt sum", "Customers who spent the most (or the least) in the "
                    "period.", "receipt_sum_minor"),
}  # fmt: skip

VIEWS: tuple[View, ...] = (
    View(
        "rfm", "RFM segments",
        "Customers by recency, frequency and spend, and how they moved since the previous period.",
        SEGMENTS_SECTION, _rfm,
        lambda r, f, lang: charts.rfm_charts(r["rfm"], r["rfm_movement"], lang),
        segments=False,
    ),
    View(
        "cohorts", "Cohorts",
        "Customers by month of first purchase: how many bought again month after month.",
        SEGMENTS_SECTION,
        lambda ins, f, q: {"cohorts": ins.report("cohorts", cohorts, q)},
        _one(lambda r, f, lang: charts.cohort_chart(r, lang)),
    ),
    *(
        View(
            f"reports/{name}", title, intro, SEGMENTS_SECTION, _retail(name),
            _one(lambda r, f, lang, column=column: charts.ranking_chart(r, column, lang)),
            (ORDER, MIN_RECEIPTS, LIMIT), customers=True,
        )
        for name, (title, intro, column) in RANKINGS.items()
    ),
    View(
        "reports/inactive", "Inactive customers",
        "Customers who bought before and not since, the most valuable first.",
        SEGMENTS_SECTION, _retail("inactive"), _none,
        (Option("inactive_days", "Inactive for, days", 90, low=1, high=3650), LIMIT),
        customers=True,
    ),
    View(
        "reports/demographics", "Sales by demographics",
        "Buyers, revenue and average receipt by gender, age band and city.",
        SEGMENTS_SECTION, _retail("demographics"),
        _one(lambda r, f, lang: charts.demographics_chart(r, lang)),
    ),
    View(
        "abc", "ABC / XYZ analysis",
        "Customers, product groups and SKUs by their share of revenue, units, orders or average "
        "stock (ABC) and the stability of the measure month by month (XYZ).",
        PRODUCTS, _abc,
        lambda r, f, lang: charts.abc_charts(r["abc"], r["abc_detail"], str(f.option("measure")),
                                             lang) if r["abc"].rows else [],
        (Option("subject", "Subject", "category", tuple(abc_analysis.SUBJECTS)),
         Option("measure", "Measure", "revenue", abc_analysis.MEASURE_NAMES),
         replace(LIMIT, default=50)),
    ),
    View(
        "reports/product_loyalty", "Product loyalty by customer profile",
        "Share of buyers of each product group who bought it again, by customer profile.",
        PRODUCTS, _retail("product_loyalty"),
        _one(lambda r, f, lang: charts.product_loyalty_chart(
            r, str(f.option("profile")), str(f.option("group")), lang)),
        (Option("profile", "Profile", "gender", ("gender", "age_band", "level", "city")), GROUP),
    ),
    View(
        "reports/sales", "Sales",
        "Units, revenue, receipts and returns per product group; stock beside sales is on "
        "the sales and stock page.",
        PRODUCTS, _retail("sales"),
        _one(lambda r, f, lang: charts.sales_chart(r, str(f.option("group")), lang)),
        (GROUP, LIMIT),
    ),
    View(
        "reports/sales_stock", "Sales and stock",
        "Units sold in each store against the stock feed's counts: average and closing stock, "
        "sell-through and days of cover per product group.",
        PRODUCTS, _retail("sales_stock"),
        _one(lambda r, f, lang: charts.sales_stock_chart(r, str(f.option("group")), lang)),
        (GROUP, LIMIT),
    ),
    View(
        "reports/store_dynamics", "Sales dynamics by store",
        "Receipts, revenue, units and buyers per store by week or month.",
        STORES, _retail("store_dynamics"),
        _one(lambda r, f, lang: charts.by_store_chart(
            r, str(f.option("grain")), "revenue_minor", lang, "line")),
        (GRAIN,),
    ),
    View(
        "reports/purchase_times", "When people buy",
        "Receipts by hour of day and day of week in the local time of the store (online orders: "
        "the customer's home store's zone).",
        STORES, _broken_down("purchase_times"),
        lambda r, f, lang: buying_charts.heatmap_charts(r["purchase_times"], str(f.option("by")),
                                                        lang),
        (BREAKDOWN,),
    ),
    View(
        "reports/purchase_places", "Where people buy",
        "Receipts, revenue, buyers and average receipt by city and store.",
        STORES, _broken_down("purchase_places"),
        _one(lambda r, f, lang: buying_charts.places_chart(r, str(f.option("by")), lang)),
        (BREAKDOWN,),
    ),
    View(
        "reports/store_frequency", "Purchase frequency by store",
        "Identified buyers, their receipts and receipts per buyer in each store.",
        STORES, _retail("store_frequency"),
        _one(lambda r, f, lang: charts.store_frequency_chart(r, lang)),
    ),
    View(
        "reports/registrations", "Registrations by store",
        "Loyalty members enrolled per store by week or month.",
        STORES, _retail("registrations"),
        _one(lambda r, f, lang: charts.by_store_chart(
            r, str(f.option("grain")), "members_enrolled", lang, "bar")),
        (GRAIN,),
    ),
    View(
        "funnel", "Funnel",
        "Customers at each stage from first touch to feedback, per acquisition source.",
        CHANNELS, lambda ins, f, q: {"funnel": ins.report("funnel", funnel, q)},
        _one(lambda r, f, lang: charts.funnel_chart(r, lang)),
    ),
    View(
        "attribution", "Attribution",
        "Which channels acquire customers and which convert them: first touch, last touch and "
        "position-based (40/20/40).",
        CHANNELS, _attribution,
        _one(lambda r, f, lang: charts.attribution_chart(r, lang)),
        (Option("lookback_days", "Lookback, days", 30, low=1, high=365),),
    ),
)  # fmt: skip
BY_SLUG = {view.slug: view for view in VIEWS}
SECTIONS = (SEGMENTS_SECTION, PRODUCTS, STORES, CHANNELS)
