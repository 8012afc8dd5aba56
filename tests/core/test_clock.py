from datetime import UTC, datetime

import pytest

from omnicrm.core.clock import from_epoch_ms, parse_aware, parse_local


def test_local_wall_time_is_converted_with_the_store_zone() -> None:
    # 10:00 in Yekaterinburg (UTC+5) and 10:00 in Moscow (UTC+3) are different instants.
    assert parse_local("2025-03-01 10:00:00", "Asia/Yekaterinburg") == datetime(
        2025, 3, 1, 5, tzinfo=UTC
    )
    assert parse_local("2025-03-01 10:00:00", "Europe/Moscow") == datetime(
        2025, 3, 1, 7, tzinfo=UTC
    )


def test_aware_parsing_requires_an_offset() -> None:
    assert parse_aware("2025-03-01T12:00:00+03:00") == datetime(2025, 3, 1, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="no time zone"):
        parse_aware("2025-03-01T12:00:00")


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        parse_local("2025-03-01 10:00:00", "Mars/Olympus")


def test_epoch_milliseconds() -> None:
    assert from_epoch_ms(1_700_000_000_123) == datetime(
        2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC
    )
