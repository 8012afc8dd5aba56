"""Russian and English. Message ids are the English texts (gettext style): English needs entries
only for labels of stored codes (``channel:callcentre``), Russian translates everything; an id
missing from a catalogue shows as itself, and a test keeps the Russian catalogue complete."""

import re
from functools import cache
from typing import Any

from omnicrm.web import (
    campaign_messages,
    export_messages,
    finance_messages,
    identity_messages,
    predict_messages,
    promo_messages,
    stock_messages,
    survey_messages,
)
from omnicrm.web.insights import catalogue as insights
from omnicrm.web.messages_ru import RU

LANGUAGES = {"ru": "Русский", "en": "English"}

EN = {
    "channel:web": "Web shop",
    "channel:app": "Mobile app",
    "channel:call_centre": "Call centre",
    "kind:mp_buyer": "marketplace buyer",
    "role:marketer": "Marketer",
    "role:analyst": "Analyst",
    "role:store_staff": "Store staff",
    "role:administrator": "Administrator",
    "method:deterministic": "shared identifier",
    "detail:total_minor": "total",
    "detail:store_code": "store",
}

RU_PARTS = (
    RU,
    insights.RU,
    promo_messages.RU,
    survey_messages.RU,
    campaign_messages.RU,
    predict_messages.RU,
    identity_messages.RU,
    finance_messages.RU,
    stock_messages.RU,
    export_messages.RU,
)
"""The Russian catalogue's modules; an id in two of them must mean the same there (a test)."""
EN_PARTS = (
    EN,
    insights.EN,
    promo_messages.EN,
    campaign_messages.EN,
    predict_messages.EN,
    finance_messages.EN,
    stock_messages.EN,
    export_messages.EN,
)


def _merged(parts: tuple[dict[str, str], ...]) -> dict[str, str]:
    return {key: text for part in parts for key, text in part.items()}


CATALOGUES = {"ru": _merged(RU_PARTS), "en": _merged(EN_PARTS)}


def translate(lang: str, message: str, **params: Any) -> str:
    """``message`` in ``lang`` with ``{name}`` placeholders filled."""
    text = CATALOGUES.get(lang, {}).get(message, message)
    return text.format(**params) if params else text


@cache
def _patterns(lang: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Catalogue ids with ``{placeholders}`` as patterns, for texts made with values in them."""
    found: list[tuple[int, re.Pattern[str], str]] = []
    for key, text in CATALOGUES.get(lang, {}).items():
        if "{" in key:
            body = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", re.escape(key))
            found.append((len(re.sub(r"\{\w+\}", "", key)), re.compile(f"^{body}$"), text))
    found.sort(key=lambda entry: -entry[0])  # the most specific id first
    return tuple((pattern, text) for _, pattern, text in found)


def sentence(lang: str, text: str) -> str:
    """A text an analysis wrote with its values filled in (a report's title or note: ``Customers
    without a purchase in 90 days``) in ``lang``: the catalogue id it matches, its values put
    back; a value that is a word of the catalogue (``word:month``) is translated too."""
    catalogue = CATALOGUES.get(lang, {})
    if text in catalogue:
        return catalogue[text]
    for pattern, template in _patterns(lang):
        if found := pattern.match(text):
            values = {k: catalogue.get(f"word:{v}", v) for k, v in found.groupdict().items()}
            return template.format(**values)
    return text


def label(lang: str, group: str, value: str | None) -> str:
    """A stored code for people: ``label('ru', 'channel', 'web')`` -> ``Интернет-магазин``."""
    if value is None:
        return "—"
    return CATALOGUES.get(lang, {}).get(f"{group}:{value}", value.replace("_", " "))


def problem(lang: str, message: str) -> str:
    """A validation problem for people: a catalogue id, or a message of the promotions' model
    (``unknown sku 'X'``, pydantic's ``Input should be ...``) matched by pattern."""
    if message in CATALOGUES.get(lang, {}):
        return translate(lang, message)
    if lang == "ru":
        return (
            promo_messages.problem_ru(message) or campaign_messages.problem_ru(message) or message
        )
    return message
