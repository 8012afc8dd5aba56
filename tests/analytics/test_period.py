"""The one default period (``analytics.period``) and what the comparison with the previous period
may say, as pure rules."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from omnicrm.analytics.period import default_days, local_period, previous_coverage, resolve

MOSCOW = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 12, 4, 19, 0, tzinfo=UTC)


def test_the_default_ends_today_or_with_the_data_if_it_stops_earlier() -> None:
    assert default_days(date(2026, 12, 4), None) == (date(2025, 12, 5), date(2026, 12, 4))
    assert default_days(date(2026, 12, 4), date(2025, 6, 30)) == (
        date(2024, 7, 1),
        date(2025, 6, 30),
    )
    assert default_days(date(2026, 12, 4), date(2027, 1, 1), 7)[1] == date(2026, 12, 4)


def test_the_api_period_is_the_pages_period() -> None:
    """Bounds left open: the same local days as the workstation's default filters."""
    newest = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)  # 1 July in Moscow
    api = resolve(None, None, newest=newest, now=NOW, zone=MOSCOW)
    pages = local_period(*default_days(NOW.astimezone(MOSCOW).date(), date(2025, 7, 1)), MOSCOW)
    assert api == pages
    assert api.until == datetime(2025, 7, 1, 21, tzinfo=UTC)
    given = datetime(2025, 1, 1, tzinfo=UTC)
    assert resolve(None, given, newest=newest, now=NOW, zone=MOSCOW).since == given - timedelta(
        days=365
    )


def test_the_previous_period_is_judged_against_the_data_start() -> None:
    period = local_period(date(2025, 1, 1), date(2025, 12, 31), MOSCOW)
    assert previous_coverage(period, datetime(2020, 1, 1, tzinfo=UTC)).full
    partly = previous_coverage(period, period.since - timedelta(days=90))
    assert (partly.full, partly.empty, partly.days, partly.of_days) == (False, False, 90.0, 365.0)
    assert previous_coverage(period, period.since + timedelta(days=1)).empty
    assert previous_coverage(period, None).empty
