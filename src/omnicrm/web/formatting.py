"""Money, numbers and dates as people of each language write them: ``1 234,50 ₽`` and
``05.03.2025 14:30`` in Russian, ``₽1,234.50`` and ``Mar 5, 2025 14:30`` in English.

Times are stored in UTC and shown in the workstation's time zone (``OMNICRM_WEB_TIMEZONE``).
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from omnicrm.core.money import MINOR_PER_MAJOR

NBSP = "\u00a0"
SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€"}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _grouped(whole: int, lang: str) -> str:
    text = f"{whole:,}"
    return text.replace(",", NBSP) if lang == "ru" else text


def number(value: int | float, lang: str, decimals: int = 0) -> str:
    """``1234567`` -> ``1 234 567`` (ru) / ``1,234,567`` (en)."""
    text = f"{value:,.{decimals}f}"
    if lang == "ru":
        return text.replace(",", NBSP).replace(".", ",")
    return text


def money(minor: int | None, lang: str, currency: str = "RUB") -> str:
    """Minor units for people; kopecks are exact (integers, never floats)."""
    if minor is None:
        return "—"
    sign = "-" if minor < 0 else ""
    whole, rest = divmod(abs(minor), MINOR_PER_MAJOR)
    symbol = SYMBOLS.get(currency, currency)
    if lang == "ru":
        return f"{sign}{_grouped(whole, lang)},{rest:02d}{NBSP}{symbol}"
    return f"{sign}{symbol}{_grouped(whole, lang)}.{rest:02d}"


def percent(share: float | None, lang: str, decimals: int = 1) -> str:
    """A share (0.256) as a percentage (``25,6 %`` / ``25.6%``)."""
    if share is None:
        return "—"
    text = number(share * 100, lang, decimals)
    return f"{text}{NBSP}%" if lang == "ru" else f"{text}%"


def rate(pct: Decimal | None, lang: str) -> str:
    """A configured percentage (``Decimal('5.50')``) without trailing zeros: ``5,5 %``."""
    if pct is None:
        return "—"
    text = f"{pct.normalize():f}"
    if lang == "ru":
        return f"{text.replace('.', ',')}{NBSP}%"
    return f"{text}%"


def day(value: date | None, lang: str) -> str:
    if value is None:
        return "—"
    if lang == "ru":
        return value.strftime("%d.%m.%Y")
    return f"{MONTHS_EN[value.month - 1]} {value.day}, {value.year}"


def moment(value: datetime | None, lang: str, zone: ZoneInfo) -> str:
    """An aware time in the workstation's zone, to the minute."""
    if value is None:
        return "—"
    local = value.astimezone(zone)
    return f"{day(local.date(), lang)} {local:%H:%M}"


COMPACT = {
    "ru": ((10**9, "млрд"), (10**6, "млн"), (10**3, "тыс.")),
    "en": ((10**9, "B"), (10**6, "M"), (10**3, "K")),
}
COMPACT_MONEY_FROM = 100_000
"""Rubles from which a tile shows money compactly: "123 456,78 ₽" is about as wide as a tile."""


def compact(value: int | float | Decimal, lang: str) -> str:
    """``84289442`` -> ``84,3 млн`` / ``84.3M``: a figure that fits a tile; the exact one goes
    beside it (on hover)."""
    for size, word in COMPACT.get(lang, COMPACT["en"]):
        if abs(value) >= size:
            text = number(Decimal(value) / size, lang, 1)
            return f"{text}{NBSP}{word}" if lang == "ru" else f"{text}{word}"
    return number(value, lang)


def compact_money(minor: int, lang: str, currency: str = "RUB") -> str:
    """``8428944224`` kopecks -> ``84,3 млн ₽`` / ``₽84.3M`` from ``COMPACT_MONEY_FROM`` rubles;
    below it the exact amount."""
    major = Decimal(minor) / MINOR_PER_MAJOR
    if abs(major) < COMPACT_MONEY_FROM:
        return money(minor, lang, currency)
    symbol = SYMBOLS.get(currency, currency)
    text = compact(major, lang)
    return f"{text}{NBSP}{symbol}" if lang == "ru" else f"{symbol}{text}"
