"""Russian and English. Message ids are the English texts (gettext style): English needs entries
only for labels of stored codes (``channel:callcentre``), Russian translates everything; an id
missing from a catalogue shows as itself, and a test keeps the Russian catalogue complete."""

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

CATALOGUES = {
    "ru": RU
    | insights.RU
    | promo_messages.RU
    | survey_messages.RU
    | campaign_messages.RU
    | predict_messages.RU
    | identity_messages.RU
    | finance_messages.RU
    | stock_messages.RU
    | export_messages.RU,
    "en": EN
    | insights.EN
    | promo_messages.EN
    | campaign_messages.EN
    | predict_messages.EN
    | finance_messages.EN
    | stock_messages.EN
    | export_messages.EN,
}


def translate(lang: str, message: str, **params: Any) -> str:
    """``message`` in ``lang`` with ``{name}`` placeholders filled."""
    text = CATALOGUES.get(lang, {}).get(message, message)
    return text.format(**params) if params else text


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
