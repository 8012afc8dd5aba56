import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicrm.core.money import format_major, parse_major, parse_minor


@pytest.mark.parametrize(
    ("text", "minor"),
    [("1234.50", 123450), ("1 234,50", 123450), ("0.01", 1), ("12", 1200), ("-5.5", -550)],
)
def test_parse_major_is_exact(text: str, minor: int) -> None:
    assert parse_major(text) == minor


@pytest.mark.parametrize("text", ["", "abc", "1.005", "NaN", "inf", "1.2.3"])
def test_parse_major_rejects_what_is_not_an_amount(text: str) -> None:
    with pytest.raises(ValueError, match=r"amount|decimals"):
        parse_major(text)


def test_parse_minor_takes_integers_only() -> None:
    assert parse_minor("12345") == 12345
    assert parse_minor(7) == 7
    for bad in ("12.5", "", True):
        with pytest.raises(ValueError, match="minor units"):
            parse_minor(bad)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_then_parse_round_trips(minor: int) -> None:
    assert parse_major(format_major(minor).removesuffix(" RUB")) == minor
