"""Identifier normalisers: one spelling per value, so that equal identifiers compare equal.

Pure functions, each raising ValueError on input that is not an identifier of its kind. Ingest
stores the normalised value (and the raw spelling when it differs); identity resolution matches on
the normalised value only.
"""

import re
import unicodedata
from collections.abc import Callable

KINDS = (
    "card", "phone", "email", "device", "cookie", "mp_buyer", "mac", "face", "phone_mask",
    "social", "ip",
)  # fmt: skip
LINKABLE = frozenset(KINDS) - {"phone_mask", "ip"}
"""Kinds that can link two records; a masked phone or an address only narrows candidates."""

_PHONE_CHARS = re.compile(r"^\+?[0-9\s\-().]+$")
_NON_DIGITS = re.compile(r"[^0-9]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_MASKED_PHONE = re.compile(r"^\+[\d*]{11,15}$")
_TOKEN = re.compile(r"^\S{1,200}$")
_SOCIAL = re.compile(r"^([a-z][a-z0-9_]{1,31}):(\S{1,128})$")


def ascii_digits(raw: str) -> str:
    """``raw`` with full-width and other compatibility forms folded (NFKC) and every decimal
    digit of any script (Arabic-Indic, Devanagari, ...) written as an ASCII digit, so that a
    number typed on any keyboard has one spelling."""
    if raw.isascii():
        return raw
    text = unicodedata.normalize("NFKC", raw)
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def phone(raw: str) -> str:
    """E.164 with Russian defaults: ``8916...``, ``+7 (916) ...`` and ``916...`` -> ``+7916...``.

    A number written with ``+`` and another country code is kept as given (11-15 digits); digits
    of any script count (``ascii_digits``).
    """
    text = ascii_digits(raw).strip()
    if not _PHONE_CHARS.match(text):
        raise ValueError(f"not a phone number: {raw!r}")
    digits = _NON_DIGITS.sub("", text)
    if text.startswith("+") and not digits.startswith("7"):
        if not 11 <= len(digits) <= 15:
            raise ValueError(f"not a phone number: {raw!r}")
        return "+" + digits
    if len(digits) == 11 and digits[0] in "78":
        national = digits[1:]
    elif len(digits) == 10 and not text.startswith("+"):
        national = digits
    else:
        raise ValueError(f"not a phone number: {raw!r}")
    if national[0] in "012":
        raise ValueError(f"not a phone number (no such area code): {raw!r}")
    return "+7" + national


def email(raw: str) -> str:
    """Trimmed and lower-cased (mail providers treat the whole address case-insensitively)."""
    value = raw.strip().lower()
    if not _EMAIL.match(value):
        raise ValueError(f"not an e-mail address: {raw!r}")
    return value


def card(raw: str) -> str:
    """A loyalty card number: 13 digits of any script; spaces and dashes people type are dropped."""
    value = ascii_digits(raw).strip().replace(" ", "").replace("-", "")
    if len(value) != 13 or not (value.isdigit() and value.isascii()):
        raise ValueError(f"not a 13-digit card number: {raw!r}")
    return value


def device(raw: str) -> str:
    """An app install's device id (advertising ids are UUIDs whose case means nothing)."""
    return _token(raw, "device id").lower()


def cookie(raw: str) -> str:
    """A site cookie id, kept case-sensitive."""
    return _token(raw, "cookie")


def mp_buyer(raw: str) -> str:
    """The marketplace's opaque buyer id."""
    return _token(raw, "marketplace buyer id")


def mac(raw: str) -> str:
    """A Wi-Fi radar's MAC hash: sha256 as 64 lower-case hex digits."""
    value = raw.strip().lower()
    if not _HEX64.match(value):
        raise ValueError(f"not a sha256 MAC hash: {raw!r}")
    return value


def face(raw: str) -> str:
    """A camera's face-recognition token."""
    return _token(raw, "face token")


def phone_mask(raw: str) -> str:
    """The marketplace's masked phone ``+7 (916) ***-**-93`` as ``+7916*****93``."""
    value = re.sub(r"[\s\-()]", "", raw.strip())
    if value.startswith("8") and len(value) == 11:
        value = "+7" + value[1:]
    if not _MASKED_PHONE.match(value):
        raise ValueError(f"not a masked phone number: {raw!r}")
    return value


def social(raw: str) -> str:
    """A social network's or messenger's user id as ``platform:id`` (``vk:12345``,
    ``telegram:987``, an OpenID provider's ``sub``): the platform lower-cased, the id as the
    platform gives it (ids are case-sensitive on some platforms)."""
    platform, _, user = raw.strip().partition(":")
    value = f"{platform.lower()}:{user}"
    if not _SOCIAL.match(value):
        raise ValueError(f"not a platform:user id: {raw!r}")
    return value


def ip(raw: str) -> str:
    """A network address, as its keyed hash (64 hex digits; ``ingest.network.ip_identifier``
    makes it): the address itself is only ever matched, so it is never stored."""
    value = raw.strip().lower()
    if not _HEX64.match(value):
        raise ValueError(f"not a hashed network address: {raw!r}")
    return value


def _token(raw: str, what: str) -> str:
    value = raw.strip()
    if not _TOKEN.match(value):
        raise ValueError(f"not a {what}: {raw!r}")
    return value


NORMALIZERS: dict[str, Callable[[str], str]] = {
    "card": card,
    "phone": phone,
    "email": email,
    "device": device,
    "cookie": cookie,
    "mp_buyer": mp_buyer,
    "mac": mac,
    "face": face,
    "phone_mask": phone_mask,
    "social": social,
    "ip": ip,
}


def normalize(kind: str, raw: str) -> str:
    """The normalised value of an identifier of ``kind``; ValueError if it is not one."""
    try:
        return NORMALIZERS[kind](raw)
    except KeyError:
        raise ValueError(f"unknown identifier kind: {kind!r}") from None
