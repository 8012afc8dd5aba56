"""Money is an integer number of minor units (kopecks); parsing never goes through float."""

from decimal import Decimal, InvalidOperation

MINOR_PER_MAJOR = 100


def parse_major(text: str) -> int:
    """Parse a decimal amount in major units ("1234.50", "1 234,50") to minor units.

    Raises ValueError on anything that is not an exact amount with at most two decimals.
    """
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not an amount: {text!r}")
    minor = value * MINOR_PER_MAJOR
    if minor != minor.to_integral_value():
        raise ValueError(f"more than two decimals: {text!r}")
    return int(minor)


def parse_minor(text: str | int) -> int:
    """Parse an integer amount already in minor units."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    if isinstance(text, str) and text.strip().lstrip("-").isdigit():
        return int(text)
    raise ValueError(f"not an integer amount in minor units: {text!r}")


def format_major(minor: int, currency: str = "RUB") -> str:
    """Render minor units for people: ``123450`` -> ``"1234.50 RUB"``."""
    sign = "-" if minor < 0 else ""
    major, rest = divmod(abs(minor), MINOR_PER_MAJOR)
    return f"{sign}{major}.{rest:02d} {currency}"
