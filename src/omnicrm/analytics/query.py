"""What an analysis is asked: a period, filters, and the dimension to break it down by."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

DIMENSIONS = {
    "total": "'all'",
    "channel": "channel",
    "store": "coalesce(store, '(no store)')",
    "city": "coalesce(city, '(unknown)')",
    "level": "level",
    "segment": "coalesce(segment, '(no purchase in period)')",
}
"""Breakdowns: a fixed set of column expressions over the ``scoped`` step (never user text)."""


@dataclass(frozen=True, slots=True)
class Period:
    """``[since, until)`` in UTC."""

    since: datetime
    until: datetime

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise ValueError("period bounds must be timezone-aware")
        if self.since >= self.until:
            raise ValueError("a period must end after it starts")

    @property
    def days(self) -> float:
        return (self.until - self.since) / timedelta(days=1)

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        return Period(self.since - (self.until - self.since), self.since)

    @classmethod
    def last_days(cls, until: datetime, days: int) -> "Period":
        return cls(until - timedelta(days=days), until)


@dataclass(frozen=True, slots=True)
class Filters:
    """Purchases kept: by the order's channel, its store's code, the city (the store's, else the
    customer's), the customer's current loyalty level, or their RFM segment over the period."""

    channel: str | None = None
    store: str | None = None
    city: str | None = None
    level: str | None = None
    segment: str | None = None

    def params(self) -> dict[str, str | None]:
        return {
            "f_channel": self.channel,
            "f_store": self.store,
            "f_city": self.city,
            "f_level": self.level,
            "f_segment": self.segment,
        }


@dataclass(frozen=True, slots=True)
class Query:
    period: Period
    filters: Filters = field(default_factory=Filters)
    by: str = "total"

    def __post_init__(self) -> None:
        if self.by not in DIMENSIONS:
            raise ValueError(f"unknown breakdown {self.by!r}; one of {sorted(DIMENSIONS)}")

    @property
    def needs_segments(self) -> bool:
        return self.by == "segment" or self.filters.segment is not None
