"""Timezone-aware time: everything stored is UTC; stores keep their own zone for local time."""

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """An IANA time zone; ValueError for an unknown name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone: {name!r}") from None


def parse_aware(text: str) -> datetime:
    """Parse ISO 8601 that must carry an offset; returns UTC."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise ValueError(f"timestamp has no time zone offset: {text!r}")
    return value.astimezone(UTC)


def parse_local(text: str, tz: str) -> datetime:
    """Parse a wall-clock time in the zone ``tz`` (a till's local time); returns UTC."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=zone(tz)).astimezone(UTC)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
