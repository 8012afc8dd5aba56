"""The filters of the dashboard and the analytics pages, read from a GET form.

A person picks days in the workstation's time zone, both ends included (``until`` = the last day
shown); the analyses take ``[since, until)`` in UTC, so the end moves to the next local midnight.
Each value is checked against what the snapshot holds; a bad one gets a message beside its field
and is not applied (the rest of the filters still are), so the figures never silently change
meaning.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from starlette.datastructures import QueryParams

from omnicrm.analytics.period import DEFAULT_DAYS, last_day, local_period
from omnicrm.analytics.query import Filters, Period, Query
from omnicrm.analytics.segments import SEGMENTS
from omnicrm.web.insights.cache import Choices
from omnicrm.web.pages.forms import FormErrors

MAX_DAYS = 3 * 366
GRAINS = ("week", "month")
FILTER_FIELDS = ("channel", "store", "city", "level", "segment")


@dataclass(frozen=True, slots=True)
class Option:
    """A page's own knob (ABC subject, report grain, ranking size...): a list or a bounded
    whole number."""

    name: str
    label: str
    """A catalogue id."""
    default: str | int
    choices: tuple[str, ...] = ()
    """Allowed values of a list (label group ``opt``); empty for a number."""
    low: int = 1
    high: int = 1000

    @property
    def is_number(self) -> bool:
        return not self.choices


@dataclass(frozen=True)
class PageFilters:
    since: date
    until: date
    """Inclusive."""
    channel: str | None = None
    store: str | None = None
    city: str | None = None
    level: str | None = None
    segment: str | None = None
    options: tuple[tuple[str, str | int], ...] = ()
    errors: FormErrors = field(default_factory=FormErrors, compare=False, hash=False)

    def option(self, name: str) -> str | int:
        return dict(self.options)[name]

    def period(self, zone: ZoneInfo) -> Period:
        return local_period(self.since, self.until, zone)

    def query(self, zone: ZoneInfo, by: str = "total", segments: bool = True) -> Query:
        filters = Filters(
            self.channel, self.store, self.city, self.level, self.segment if segments else None
        )
        return Query(self.period(zone), filters, by)

    def previous(self) -> "PageFilters":
        """The same filters over the period of the same length just before."""
        days = (self.until - self.since).days + 1
        return replace(
            self, since=self.since - timedelta(days=days), until=self.since - timedelta(days=1)
        )

    def params(self) -> dict[str, str]:
        """The query string that shows these filters again (for export links)."""
        out = {"since": self.since.isoformat(), "until": self.until.isoformat()}
        for name in FILTER_FIELDS:
            if getattr(self, name):
                out[name] = getattr(self, name)
        out |= {name: str(value) for name, value in self.options}
        return out

    @property
    def key(self) -> tuple:
        """Hashable identity of the filter set (the errors aside)."""
        return (self.since, self.until, *(getattr(self, n) for n in FILTER_FIELDS), self.options)


def _day(raw: str | None, name: str, errors: FormErrors) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors.add(name, "Not a date: pick one in the calendar (YYYY-MM-DD)")
        return None


def _listed(raw: str | None, name: str, allowed: tuple[str, ...], errors: FormErrors) -> str | None:
    value = (raw or "").strip()
    if not value:
        return None
    if value not in allowed:
        errors.add(name, "Unknown value: choose one from the list")
        return None
    return value


def _option(raw: str | None, option: Option, errors: FormErrors) -> str | int:
    value = (raw or "").strip()
    if not value:
        return option.default
    if option.is_number:
        if not value.isdigit() or not option.low <= int(value) <= option.high:
            errors.add(option.name, "Must be a whole number in the range shown")
            return option.default
        return int(value)
    if value not in option.choices:
        errors.add(option.name, "Unknown value: choose one from the list")
        return option.default
    return value


def read_filters(
    query: QueryParams,
    choices: Choices,
    today: date,
    options: tuple[Option, ...] = (),
    segments: bool = False,
) -> PageFilters:
    """The filters of ``query``; problems go to ``.errors`` by field, and the bad values are
    replaced by the defaults."""
    errors = FormErrors()
    since, until = (
        _day(query.get("since"), "since", errors),
        _day(query.get("until"), "until", errors),
    )
    if since and until and since > until:
        errors.add("since", "The period must start on or before its last day")
        since = until = None
    elif since and until and (until - since).days >= MAX_DAYS:
        errors.add("since", "The period may be at most three years long")
        since = None
    until = until or last_day(today, choices.newest)
    if since is None or since > until:
        since = until - timedelta(days=DEFAULT_DAYS - 1)
    stores = tuple(code for code, _ in choices.stores)
    return PageFilters(
        since=since,
        until=until,
        channel=_listed(query.get("channel"), "channel", choices.channels, errors),
        store=_listed(query.get("store"), "store", stores, errors),
        city=_listed(query.get("city"), "city", choices.cities, errors),
        level=_listed(query.get("level"), "level", choices.levels, errors),
        segment=_listed(query.get("segment"), "segment", SEGMENTS, errors) if segments else None,
        options=tuple((o.name, _option(query.get(o.name), o, errors)) for o in options),
        errors=errors,
    )
