"""Postal addresses folded to one comparable form, whichever way they were typed.

A cashier types ``ул. Ленина, д. 5, кв. 12``, a web form gets ``улица Ленина 5-12``, a courier app
``Lenina ul 5 kv 12``; an Australian or British one ``Unit 4, 12 Smith St`` or ``4/12 Smith
Street``. The street keeps only its name (type words such as ``ул.``, ``пр-т``, ``St``, ``Road``
say little and are typed every way), in the canonical Latin of ``translit`` (so ё/е and Cyrillic
against Latin do not matter); the house and flat keep their numbers and letters; the postcode its
digits and letters. Pure functions: the result is for comparison only, never shown.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

from omnicrm.identity.translit import canonical_name

_split = str.split  # word lists written as text, as people read them
# Street-type words (Russian abbreviations and full forms, their usual transliterations, and the
# English ones), in canonical-Latin spelling after ``canonical_name``.
_STREET_TYPES = frozenset(
    canonical_name(w)
    for w in _split(
        "ул улица пр пр-т пркт просп проспект пер переулок бул б-р бульвар ш шоссе пл площадь "
        "наб набережная проезд пр-д туп тупик мкр микрорайон аллея линия тракт кв-л квартал "
        "ul ulitsa prospekt prosp pr-t per pereulok bulvar shosse pl ploshchad nab "
        "naberezhnaya proezd mkr st street rd road ave av avenue dr drive ln lane ct court pl "
        "place blvd boulevard cres crescent tce terrace hwy highway pde parade cct circuit cl "
        "close gr grove way"
    )
)
_CITY_WORDS = frozenset(canonical_name(w) for w in _split("г гор город пос посёлок с село city"))
_HOUSE_WORDS = frozenset(canonical_name(w) for w in ["д", "дом", "house", "no"])
_FLAT_WORDS = frozenset(
    canonical_name(w) for w in _split("кв квартира оф офис apt apartment unit flat suite u")
)
_BUILDING_WORDS = {"к": "k", "корп": "k", "корпус": "k", "стр": "s", "строение": "s"}
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)?", re.UNICODE)
_LETTERS = re.compile(r"[^\W\d_]+", re.UNICODE)
_REGION = re.compile(r"^[A-Z]{2,3}$")
_NUMBER = re.compile(r"^\d+[a-zа-я]?$", re.IGNORECASE)
_POSTCODE = re.compile(r"^(?:\d{4,6}|[a-z]{1,2}\d[a-z\d]?\d[a-z]{2})$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NormalAddress:
    """The comparable parts of an address (None where unknown)."""

    region: str | None = None
    city: str | None = None
    street: str | None = None
    house: str | None = None
    flat: str | None = None
    postcode: str | None = None


def _words(text: str | None) -> list[str]:
    return _WORD.findall((text or "").lower().replace("ё", "е"))


@lru_cache(maxsize=1 << 16)
def street_name(text: str | None) -> str | None:
    """``"ул. Ленина"``, ``"Lenina ulitsa"`` -> ``"lenina"``; ``"Smith St"`` -> ``"smit"``."""
    words = [canonical_name(w) for w in _words(text)]
    kept = [w for w in words if w and w not in _STREET_TYPES]
    return " ".join(kept or words) or None


@lru_cache(maxsize=1 << 16)
def place_name(text: str | None) -> str | None:
    """A city or region without its type word (``"г. Москва"`` -> ``"moskva"``)."""
    words = [canonical_name(w) for w in _words(text)]
    kept = [w for w in words if w and w not in _CITY_WORDS]
    return " ".join(kept or words) or None


def number(text: str | None, words: frozenset[str] = _HOUSE_WORDS) -> str | None:
    """A house or flat number: ``"д. 5к2"``, ``"5 корп. 2"`` -> ``"5k2"``; ``"кв. 12"`` ->
    ``"12"``."""
    out = []
    for w in _words(text):
        if canonical_name(w) in words or canonical_name(w) in _FLAT_WORDS:
            continue
        out.append(_BUILDING_WORDS.get(w) or _LETTERS.sub(lambda m: canonical_name(m[0]), w))
    return "".join(out) or None


def postcode(text: str | None) -> str | None:
    """Digits and letters only, upper case (``"101 000"`` -> ``"101000"``, ``"sw1a 1aa"``)."""
    value = re.sub(r"[^0-9A-Za-z]", "", text or "").upper()
    return value or None


def parse_line(raw: str | None) -> NormalAddress:
    """Read a one-line address into parts: comma-separated pieces named by their type words
    (``ул.``, ``д.``, ``кв.``, ``St``, ``Unit``), a ``flat/house`` or ``house-flat`` pair, a
    postcode of 4-6 digits (or a British one)."""
    parts: dict[str, str | None] = {}
    for piece in (p.strip() for p in (raw or "").split(",")):
        words = _words(piece)
        if not words:
            continue
        first, canon = words[0], {canonical_name(w) for w in words}
        if len(words) == 1 and _POSTCODE.match(words[0]) and "postcode" not in parts:
            parts["postcode"] = postcode(words[0])
        elif canonical_name(first) in _FLAT_WORDS:
            parts["flat"] = number(piece)
        elif canonical_name(first) in _HOUSE_WORDS or (
            _NUMBER.match(first) and len(words) <= 3 and not canon & _STREET_TYPES
        ):
            parts["house"] = number(piece)
        elif canon & _CITY_WORDS and "street" not in parts:
            parts["city"] = place_name(piece)
        else:
            _street_piece(piece, words, parts)
    return NormalAddress(**parts)


def _street_piece(piece: str, words: list[str], parts: dict[str, str | None]) -> None:
    """``"12 Smith St"``, ``"4/12 Smith St"``, ``"Ленина 5-12"``: numbers around a street name.
    A piece after the street is the locality (a suburb, with its postcode)."""
    if "street" in parts:
        code = words[-1] if _POSTCODE.match(words[-1]) else None
        if code:
            parts.setdefault("postcode", postcode(code))
            words = words[:-1]
        region = _REGION.match(piece.split()[len(words) - 1]) if words else None
        if region:  # "Bondi NSW": an upper-case state code after the locality
            parts.setdefault("region", place_name(region[0]))
            words = words[:-1]
        if words:
            parts.setdefault("city", place_name(" ".join(words)))
        return
    lead = re.match(r"^\s*(\d+[a-zA-Z]?)\s*/\s*(\d+[a-zA-Z]?)\s+", piece)
    if lead:  # Australian "unit/number street"
        parts["flat"], parts["house"] = lead.group(1).lower(), lead.group(2).lower()
        piece = piece[lead.end() :]
    else:
        lead = re.match(r"^\s*(\d+[a-zA-Z]?)\s+", piece)
        if lead:
            parts["house"] = lead.group(1).lower()
            piece = piece[lead.end() :]
    tail = re.search(r"\s(\d+[a-zA-Zа-яА-Я]?)(?:\s*[-/]\s*(\d+))?\s*$", piece)
    if tail and "house" not in parts:
        parts["house"] = tail.group(1).lower()
        if tail.group(2):
            parts["flat"] = tail.group(2)
        piece = piece[: tail.start()]
    parts["street"] = street_name(piece)


def normalise(
    *,
    region: str | None = None,
    city: str | None = None,
    street: str | None = None,
    house: str | None = None,
    flat: str | None = None,
    code: str | None = None,
    raw: str | None = None,
) -> NormalAddress:
    """The structured parts where given, the raw line read for the rest."""
    line = parse_line(raw) if raw else NormalAddress()
    if street and not house:  # "12 Smith St" typed in the street column
        line = parse_line(street)
    return NormalAddress(
        region=place_name(region) or line.region,
        city=place_name(city) or line.city,
        street=street_name(street) or line.street,
        house=number(house) or line.house,
        flat=number(flat, _FLAT_WORDS) or line.flat,
        postcode=postcode(code) or line.postcode,
    )
