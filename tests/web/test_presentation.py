"""Formatting and masking for people (pure functions), and the Russian catalogue kept complete."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from omnicrm.core.masking import mask_email, mask_phone, shown
from omnicrm.web import formatting, i18n

WEB = Path(i18n.__file__).parent
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("minor", "lang", "text"),
    [
        (123450, "ru", f"1{NBSP}234,50{NBSP}₽"),
        (123450, "en", "₽1,234.50"),
        (-5, "ru", f"-0,05{NBSP}₽"),
        (100000000, "ru", f"1{NBSP}000{NBSP}000,00{NBSP}₽"),
        (None, "ru", "—"),
    ],
)
def test_money_is_written_the_way_each_language_writes_it(
    minor: int | None, lang: str, text: str
) -> None:
    assert formatting.money(minor, lang) == text


def test_dates_numbers_and_rates_follow_the_language() -> None:
    at = datetime(2025, 3, 5, 11, 30, tzinfo=UTC)
    moscow = ZoneInfo("Europe/Moscow")
    assert formatting.moment(at, "ru", moscow) == "05.03.2025 14:30"
    assert formatting.moment(at, "en", moscow) == "Mar 5, 2025 14:30"
    assert formatting.day(date(2025, 12, 31), "ru") == "31.12.2025"
    assert formatting.number(1234567, "ru") == f"1{NBSP}234{NBSP}567"
    assert formatting.percent(0.256, "en") == "25.6%"
    assert formatting.rate(Decimal("5.50"), "ru") == f"5,5{NBSP}%"


@pytest.mark.parametrize(
    ("kind", "value", "masked"),
    [
        ("phone", "+79162206393", "+7 916 ***-**-93"),
        ("email", "ivan.petrov@mail.ru", "i***@mail.ru"),
        ("card", "2000000000017", "•••••••••0017"),
        ("device", "abc", "•••"),
    ],
)
def test_masking_leaves_only_what_confirms_a_value(kind: str, value: str, masked: str) -> None:
    assert shown(kind, value, reveal=False) == masked
    assert shown(kind, value, reveal=True) == value
    assert mask_phone("12345") == "***45"
    assert mask_email("nobody") == "••••••"


def _message_ids() -> set[str]:
    """Every catalogue id the pages use: ``_('...')`` in templates, and the literal messages
    Python code hands to pages (field problems, flashes, menu titles, error pages)."""
    ids: set[str] = set()
    for template in (WEB / "templates").glob("*.html"):
        ids |= set(re.findall(r"_\('([^']+)'", template.read_text()))
    calls = r"(?:FieldError|errors\.add|flash|error_page|Entry)\([^)]*?\"([A-Z][^\"]+)\""
    for module in [*WEB.glob("*.py"), *WEB.glob("pages/*.py")]:
        text = module.read_text()
        ids |= set(re.findall(calls, text, re.S))
        ids |= set(re.findall(r'^\s+"[a-z]+": \(\s*review\.\w+, "([^"]+)"', text, re.M))
        ids |= set(re.findall(r'return "([A-Z][^"]+)"', text))
    return ids


def test_the_russian_catalogue_translates_every_message() -> None:
    ids = _message_ids()
    assert len(ids) > 100
    missing = sorted(ids - set(i18n.CATALOGUES["ru"]))
    assert not missing, missing


@pytest.mark.parametrize("parts", [i18n.RU_PARTS, i18n.EN_PARTS])
def test_no_message_is_translated_two_ways(parts: tuple[dict[str, str], ...]) -> None:
    """The catalogue is merged from modules; an id two of them translate differently would show
    whichever came last (the 360's "Order" column once read "Порядок", the ranking's order)."""
    texts: dict[str, set[str]] = {}
    for part in parts:
        for key, text in part.items():
            texts.setdefault(key, set()).add(text)
    assert {key: found for key, found in texts.items() if len(found) > 1} == {}


def test_an_analysis_text_with_values_is_translated_with_them() -> None:
    assert i18n.sentence("ru", "Customers without a purchase in 90 days") == (
        "Клиенты без покупок за 90 дн."
    )
    assert i18n.sentence("ru", "Product loyalty by gender and brand") == (
        "Лояльность к товарам: пол × бренд"
    )
    assert i18n.sentence("ru", "no such text 7") == "no such text 7"
    assert i18n.sentence("en", "Customers without a purchase in 90 days") == (
        "Customers without a purchase in 90 days"
    )


def test_labels_of_stored_codes_fall_back_to_the_code() -> None:
    assert i18n.label("ru", "channel", "web") == "Интернет-магазин"
    assert i18n.label("en", "channel", "call_centre") == "Call centre"
    assert i18n.label("en", "step", "add_to_cart") == "add to cart"
