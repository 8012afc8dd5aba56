"""The one default period of the analyses, shared by the API, the command line and the
workstation, and what a comparison with the previous period may say.

Default: the last ``DEFAULT_DAYS`` local days of the reporting zone (``OMNICRM_REPORT_TIMEZONE``)
up to today, or up to the newest purchase's day when the data stops earlier (a demo, an old
export: a period that ends before the data is more useful than an empty one). Days are whole
local days, so the same request gives the same numbers on every surface.

The previous period has the same length and ends where this one starts; when the data starts
inside it, it holds fewer days of purchases (or none), and a relative change against it says more
about the data than the business: ``previous_coverage`` tells how many of its days hold data.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from omnicrm.analytics.query import Period
from omnicrm.core.settings import get_settings

DEFAULT_DAYS = 365


def report_zone() -> ZoneInfo:
    return ZoneInfo(get_settings().report_timezone)


def last_day(today: date, newest: date | None) -> date:
    """Today, or the newest purchase's day when the data stops earlier."""
    return newest if newest is not None and newest < today else today


def default_days(today: date, newest: date | None, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    """The default period as local days, both included."""
    until = last_day(today, newest)
    return until - timedelta(days=days - 1), until


def local_period(since: date, until: date, zone: ZoneInfo) -> Period:
    """Local days ``since``..``until`` (both included) as ``[since, until)`` in UTC."""
    start = datetime.combine(since, time(), zone).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), time(), zone).astimezone(UTC)
    return Period(start, end)


def resolve(
    since: datetime | None,
    until: datetime | None,
    *,
    newest: datetime | None,
    now: datetime,
    zone: ZoneInfo,
    days: int = DEFAULT_DAYS,
) -> Period:
    """The API's and the command line's period: bounds given win; a missing end is the default
    period's end, a missing start ``days`` before the end."""
    if until is None:
        local_newest = newest.astimezone(zone).date() if newest is not None else None
        first, last = default_days(now.astimezone(zone).date(), local_newest, days)
        end = local_period(first, last, zone).until
    else:
        end = until.astimezone(UTC)
    start = since.astimezone(UTC) if since is not None else end - timedelta(days=days)
    return Period(start, end)


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the previous period the data reaches."""

    days: float
    """Days of the previous period on or after the first purchase in the data."""
    of_days: float

    @property
    def full(self) -> bool:
        return self.days >= self.of_days

    @property
    def empty(self) -> bool:
        return self.days <= 0


def previous_coverage(period: Period, first_purchase: datetime | None) -> Coverage:
    """Whether the previous period of ``period`` lies within the data (pure)."""
    before = period.previous()
    if first_purchase is None:
        return Coverage(0.0, before.days)
    start = max(before.since, first_purchase)
    covered = max((before.until - start) / timedelta(days=1), 0.0)
    return Coverage(min(covered, before.days), before.days)
