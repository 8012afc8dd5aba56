"""Loyalty-program KPIs (A1) for a period and the period of the same length before it, per
breakdown group. Money is integer minor units; shares are fractions (0.25 = 25%).

Terms. A *purchase* is a non-cancelled order in scope (``scope.py``); a *buyer* is a resolved
customer with a purchase in the period P = [since, until); *history* is every purchase in scope
placed before ``until``. A customer is *new* in P if their first purchase in history is in P,
*loyal* if they have two or more purchases in history, *one-time* if exactly one.

=================================  =================================================================
kpi                                definition (numerator / denominator)
=================================  =================================================================
turnover_minor                     sum of purchase totals in P (identified or not)
receipts                           purchases in P
average_receipt_minor              turnover / receipts
items_per_receipt                  units on the purchases in P / receipts
member_receipt_share               purchases in P by a customer enrolled at that moment / receipts
buyers                             distinct buyers in P
purchase_frequency                 buyers' purchases in P / buyers
purchase_frequency_per_year        purchase_frequency * 365 / days in P
spend_per_buyer_minor              buyers' purchase totals in P / buyers
spend_per_year_minor               spend_per_buyer * 365 / days in P
spend_all_time_minor               buyers' purchase totals in history / buyers
ltv_minor                          historical LTV: (history totals - returns made before ``until``
                                   of those purchases) / customers with a purchase in history
new_customers                      buyers new in P
enrolment_conversion               new customers enrolled in the programme before ``until`` / new
repeat_rate_new                    new customers with 2+ purchases in history / new customers
points_redemption_share            purchase payments made with points in P / turnover
referrer_share                     buyers who referred an account opened in P / buyers
churn_rate_annual                  customers with a purchase in [until-730d, until-365d) and none in
                                   [until-365d, until) / the former
visit_frequency                    buyers' distinct purchase days in P / buyers
visits_per_year                    visit_frequency * 365 / days in P
loyal_buyers, one_time_buyers      buyers in P who are loyal / one-time
loyal_average_receipt_minor        loyal buyers' purchase totals in P / their purchases in P
one_time_average_receipt_minor     the same for one-time buyers
loyal_vs_one_time_receipt          loyal_average_receipt / one_time_average_receipt
loyal_items_per_receipt,           units / purchases in P of loyal, of one-time buyers
one_time_items_per_receipt
=================================  =================================================================

Visits count purchase days only: in-store sightings (Wi-Fi, camera) are not linked to customers.
"""

import math
from datetime import UTC
from fractions import Fraction
from typing import Any

import duckdb

from omnicrm.analytics.period import Coverage, previous_coverage
from omnicrm.analytics.query import Period, Query
from omnicrm.analytics.report import Report, per, share
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import Step, fetch, run_steps

STEPS: tuple[Step, ...] = (
    (
        "k_hist",
        """SELECT grp, customer, count(*) AS n, min(placed_at) AS first_at,
                  sum(total_minor) AS spend,
                  bool_or(placed_at >= $until - INTERVAL 730 DAY
                          AND placed_at < $until - INTERVAL 365 DAY) AS active_before,
                  bool_or(placed_at >= $until - INTERVAL 365 DAY) AS active_last
           FROM scoped WHERE customer IS NOT NULL AND placed_at < $until
           GROUP BY grp, customer""",
    ),
    ("k_win", "SELECT * FROM scoped WHERE placed_at >= $since AND placed_at < $until"),
    (
        "k_buyers",
        """SELECT grp, customer, count(*) AS receipts, sum(total_minor) AS spend,
                  sum(items) AS items, count(DISTINCT CAST(placed_at AS DATE)) AS visits
           FROM k_win WHERE customer IS NOT NULL GROUP BY grp, customer""",
    ),
    (
        "k_referrers",
        """SELECT DISTINCT referrer FROM referrals
           WHERE referred_at >= $since AND referred_at < $until""",
    ),
    (
        "k_returned",
        """SELECT s.grp, s.customer, sum(rl.amount_minor) AS returned
           FROM return_lines rl JOIN returns r ON r.id = rl.return_id
           JOIN scoped s ON s.id = rl.order_id
           WHERE r.returned_at < $until AND s.customer IS NOT NULL
           GROUP BY s.grp, s.customer""",
    ),
    (
        "k_totals",
        """SELECT grp, count(*) AS receipts, sum(total_minor) AS turnover, sum(items) AS items,
                  sum(points_minor) AS points,
                  count(*) FILTER (WHERE enrolled_at <= placed_at) AS member_receipts
           FROM k_win GROUP BY grp""",
    ),
    (
        "k_people",
        """SELECT b.grp, count(*) AS buyers, sum(b.receipts) AS buyer_receipts,
                  sum(b.spend) AS buyer_spend, sum(h.spend) AS all_time_spend,
                  sum(b.visits) AS visits,
                  count(*) FILTER (WHERE h.first_at >= $since) AS new_buyers,
                  count(*) FILTER (WHERE h.first_at >= $since AND p.enrolled_at < $until)
                      AS new_enrolled,
                  count(*) FILTER (WHERE h.first_at >= $since AND h.n >= 2) AS new_repeat,
                  count(r.referrer) AS referrers,
                  count(*) FILTER (WHERE h.n >= 2) AS loyal,
                  sum(b.receipts) FILTER (WHERE h.n >= 2) AS loyal_receipts,
                  sum(b.spend) FILTER (WHERE h.n >= 2) AS loyal_spend,
                  sum(b.items) FILTER (WHERE h.n >= 2) AS loyal_items,
                  count(*) FILTER (WHERE h.n = 1) AS one_time,
                  sum(b.receipts) FILTER (WHERE h.n = 1) AS one_time_receipts,
                  sum(b.spend) FILTER (WHERE h.n = 1) AS one_time_spend,
                  sum(b.items) FILTER (WHERE h.n = 1) AS one_time_items
           FROM k_buyers b JOIN k_hist h ON h.grp = b.grp AND h.customer = b.customer
           LEFT JOIN people p ON p.id = b.customer
           LEFT JOIN k_referrers r ON r.referrer = b.customer
           GROUP BY b.grp""",
    ),
    (
        "k_history",
        """SELECT h.grp, count(*) AS ever_buyers,
                  sum(h.spend) - coalesce(sum(r.returned), 0) AS net_spend,
                  count(*) FILTER (WHERE h.active_before) AS churn_base,
                  count(*) FILTER (WHERE h.active_before AND NOT h.active_last) AS churned
           FROM k_hist h LEFT JOIN k_returned r ON r.grp = h.grp AND r.customer = h.customer
           GROUP BY h.grp""",
    ),
)

COUNTS = """SELECT g.grp, t.* EXCLUDE (grp), p.* EXCLUDE (grp), h.* EXCLUDE (grp)
            FROM (SELECT DISTINCT grp FROM scoped) g
            LEFT JOIN k_totals t ON t.grp = g.grp LEFT JOIN k_people p ON p.grp = g.grp
            LEFT JOIN k_history h ON h.grp = g.grp ORDER BY g.grp"""


def per_year(amount: int | None, count: int | None, days: float) -> int | None:
    """``amount / count`` scaled from ``days`` to 365, in minor units rounded half up."""
    if not count or amount is None:
        return None
    return math.floor(Fraction(amount) * 365 / (count * Fraction(days)) + Fraction(1, 2))


def derive(c: dict[str, Any], days: float) -> dict[str, int | float | None]:
    """The KPIs from the counts of one group over a period of ``days`` (see the module table)."""
    year = 365 / days
    frequency = share(c["buyer_receipts"], c["buyers"], 6)
    spend = per(c["buyer_spend"], c["buyers"])
    visits = share(c["visits"], c["buyers"], 6)
    loyal_receipt = per(c["loyal_spend"], c["loyal_receipts"])
    one_time_receipt = per(c["one_time_spend"], c["one_time_receipts"])
    return {
        "turnover_minor": c["turnover"] or 0,
        "receipts": c["receipts"] or 0,
        "average_receipt_minor": per(c["turnover"], c["receipts"]),
        "items_per_receipt": share(c["items"], c["receipts"]),
        "member_receipt_share": share(c["member_receipts"], c["receipts"]),
        "buyers": c["buyers"] or 0,
        "purchase_frequency": None if frequency is None else round(frequency, 4),
        "purchase_frequency_per_year": None if frequency is None else round(frequency * year, 4),
        "spend_per_buyer_minor": spend,
        "spend_per_year_minor": per_year(c["buyer_spend"], c["buyers"], days),
        "spend_all_time_minor": per(c["all_time_spend"], c["buyers"]),
        "ltv_minor": per(c["net_spend"], c["ever_buyers"]),
        "new_customers": c["new_buyers"] or 0,
        "enrolment_conversion": share(c["new_enrolled"], c["new_buyers"]),
        "repeat_rate_new": share(c["new_repeat"], c["new_buyers"]),
        "points_redemption_share": share(c["points"], c["turnover"]),
        "referrer_share": share(c["referrers"] or 0, c["buyers"]),
        "churn_rate_annual": share(c["churned"], c["churn_base"]),
        "visit_frequency": None if visits is None else round(visits, 4),
        "visits_per_year": None if visits is None else round(visits * year, 4),
        "loyal_buyers": c["loyal"] or 0,
        "one_time_buyers": c["one_time"] or 0,
        "loyal_average_receipt_minor": loyal_receipt,
        "one_time_average_receipt_minor": one_time_receipt,
        "loyal_vs_one_time_receipt": share(loyal_receipt, one_time_receipt),
        "loyal_items_per_receipt": share(c["loyal_items"], c["loyal_receipts"]),
        "one_time_items_per_receipt": share(c["one_time_items"], c["one_time_receipts"]),
    }


def _period_kpis(
    db: duckdb.DuckDBPyConnection, period: Period, params: dict[str, Any]
) -> dict[str, dict[str, int | float | None]]:
    bound = {**params, "since": period.since, "until": period.until}
    run_steps(db, STEPS, bound)
    columns, rows = fetch(db, COUNTS, bound)
    return {row[0]: derive(dict(zip(columns, row, strict=True)), period.days) for row in rows}


def change(value: float | None, before: float | None) -> float | None:
    """Relative change from ``before`` to ``value`` (0.1 = +10%)."""
    if value is None or not before:
        return None
    return round((value - before) / before, 4)


NO_CHANGE = ": changes are not shown"
"""The end of the note that says why a report's changes are missing."""


def comparison_note(report: Report) -> str | None:
    """The note saying the previous period cannot be compared, if the report has one."""
    return next((note for note in report.notes if note.endswith(NO_CHANGE)), None)


def _coverage_notes(coverage: Coverage) -> list[str]:
    """Why the changes are missing, when the previous period is empty or partly before the
    data (a change against three months of a twelve-month period is not a change)."""
    if coverage.empty:
        return [f"no purchases in the previous period{NO_CHANGE}"]
    if not coverage.full:
        return [
            f"the previous period holds data for {int(coverage.days)} of its "
            f"{round(coverage.of_days)} days{NO_CHANGE}"
        ]
    return []


def kpis(db: duckdb.DuckDBPyConnection, query: Query) -> Report:
    """Every KPI per group, this period beside the previous one."""
    params = prepare(db, query)
    now = _period_kpis(db, query.period, params)
    before = _period_kpis(db, query.period.previous(), params)
    (at,) = db.execute("SELECT min(placed_at) FROM purchases").fetchone()  # type: ignore[misc]
    first = None if at is None else at.astimezone(UTC)
    coverage = previous_coverage(query.period, first)
    rows = []
    for grp, values in now.items():
        prior = before.get(grp, {})
        for name, value in values.items():
            moved = change(value, prior.get(name)) if coverage.full else None
            rows.append((grp, name, value, prior.get(name), moved))
    notes = [*_coverage_notes(coverage)]
    notes.append("visits count purchase days: in-store sightings are not linked to customers")
    (referrals,) = db.execute("SELECT count(*) FROM referrals").fetchone()  # type: ignore[misc]
    if not referrals:
        notes.append("no referrals recorded in loyalty accounts: referrer_share is 0")
    if query.needs_segments:
        notes.append("segments are as of the current period end, in both periods")
    return Report(
        "kpi",
        "Loyalty programme KPIs",
        ["group", "kpi", "value", "previous", "change"],
        rows,
        notes,
    )
