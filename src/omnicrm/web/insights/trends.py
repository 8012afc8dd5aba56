"""The dashboard's trends by week or month: revenue, receipts, active members, points redemption
and annual churn, over the same ``scoped`` purchases (and so the same filters) as the KPIs.

Buckets are calendar weeks (from Monday) or months in the workstation's time zone; every bucket of
the period is listed, with zeros where nothing was bought. Churn at a bucket is the KPI's annual
churn (``kpi.churn_rate_annual``) measured at the bucket's end: customers who bought in the year
before the last one and not in the last one, over the former.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, share
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch

BUCKETS = """SELECT strftime(date_trunc($grain, timezone($zone, placed_at)), '%Y-%m-%d') AS bucket,
                    sum(total_minor) AS revenue, count(*) AS receipts,
                    count(DISTINCT customer) FILTER (WHERE enrolled_at <= placed_at) AS members,
                    sum(points_minor) AS points
             FROM scoped WHERE placed_at >= $since AND placed_at < $until
             GROUP BY 1"""

CHURN = """WITH bought AS (
               SELECT placed_at AS at_,
                      lead(placed_at) OVER (PARTITION BY customer ORDER BY placed_at) AS next_
               FROM scoped
               WHERE customer IS NOT NULL AND placed_at >= $first_end - INTERVAL 730 DAY),
             spans AS (
               SELECT at_ + INTERVAL 365 DAY AS lo,
                      least(at_ + INTERVAL 730 DAY,
                            coalesce(next_ + INTERVAL 365 DAY, 'infinity'::TIMESTAMPTZ)) AS base_hi,
                      least(at_ + INTERVAL 730 DAY,
                            coalesce(next_, 'infinity'::TIMESTAMPTZ)) AS churn_hi
               FROM bought),
             ends AS (SELECT unnest($ends) AS at_)
           SELECT epoch_ms(e.at_), count(*), count(*) FILTER (WHERE e.at_ <= s.churn_hi)
           FROM ends e JOIN spans s ON e.at_ > s.lo AND e.at_ <= s.base_hi
           GROUP BY 1"""
"""Annual churn at each end ``e`` without joining every end to every purchase: with ``L(t)`` a
customer's last purchase before ``t``, they are in the base at ``e`` iff ``L(e - 365d) >= e - 730d``
and churned iff ``e - 730d <= L(e) < e - 365d``. Each purchase ``p`` (next purchase ``n``) is
``L`` on ``(p, n]``, so it puts its customer in the base for ``e`` in
``(p + 365d, min(p + 730d, n + 365d)]`` and among the churned for ``e`` in
``(p + 365d, min(p + 730d, n)]``: disjoint spans per customer, counted by one range join."""


@dataclass(frozen=True, slots=True)
class Bucket:
    start: date
    """Local first day of the week or month."""
    end: datetime
    """UTC end (exclusive), the period end at the latest."""
    revenue_minor: int
    receipts: int
    active_members: int
    redemption_share: float | None
    churn_rate: float | None


def bucket_starts(since: date, until: date, grain: str) -> list[date]:
    """First days of the weeks / months that ``[since, until]`` (local days) touches."""
    if grain == "week":
        day, step = since - timedelta(days=since.weekday()), None
    else:
        day, step = since.replace(day=1), "month"
    starts = []
    while day <= until:
        starts.append(day)
        if step:
            day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        else:
            day += timedelta(days=7)
    return starts


def trends(
    db: duckdb.DuckDBPyConnection,
    query: Query,
    since: date,
    until: date,
    grain: str,
    zone: ZoneInfo,
) -> list[Bucket]:
    starts = bucket_starts(since, until, grain)
    ends = [
        min(datetime.combine(s, time(), zone).astimezone(UTC), query.period.until)
        for s in [*starts[1:], until + timedelta(days=1)]
    ]
    params = prepare(db, query) | {
        "grain": grain,
        "zone": zone.key,
        "ends": ends,
        "first_end": ends[0],
    }
    _, rows = fetch(db, BUCKETS, params)
    found = {row[0]: row[1:] for row in rows}
    _, churn_rows = fetch(db, CHURN, params)
    churn = {ms: share(lost, base) for ms, base, lost in churn_rows}
    out = []
    for start, end in zip(starts, ends, strict=True):
        revenue, receipts, members, points = found.get(start.isoformat(), (0, 0, 0, 0))
        out.append(
            Bucket(
                start,
                end,
                int(revenue or 0),
                receipts,
                members,
                share(int(points or 0), int(revenue or 0)),
                churn.get(int(end.timestamp() * 1000)),
            )
        )
    return out


def trends_report(buckets: list[Bucket], grain: str) -> Report:
    """The trends as a report, for the CSV / Excel download."""
    return Report(
        "trends",
        f"Loyalty trends by {grain}",
        [
            grain,
            "revenue_minor",
            "receipts",
            "active_members",
            "points_redemption_share",
            "churn_rate_annual",
        ],
        [
            (
                b.start.isoformat(),
                b.revenue_minor,
                b.receipts,
                b.active_members,
                b.redemption_share,
                b.churn_rate,
            )
            for b in buckets
        ],
        [
            f"{grain}s in the workstation's time zone",
            "active members: loyalty members with a purchase in the " + grain,
            "churn: the annual churn KPI measured at the end of each " + grain,
        ],
    )
