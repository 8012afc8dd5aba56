"""Identifier policies: what each kind of identifier is trusted to do, as data.

A policy answers, per kind: may this identifier link records on its own, when does it stop naming
one person (shared by a family, used by a cashier for everyone) and which values name nobody at all
(``0000000000000``, ``+79999999999``, ``test@test.ru``). The same table drives the bulk resolver
(compiled into DuckDB predicates), the incremental resolver (Python ``re``) and the reports, so the
patterns are kept to the syntax both engines share (RE2: no back-references).
"""

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache


class Linking(StrEnum):
    ALONE = "alone"
    """Two records carrying the value belong to one person."""
    CORROBORATED = "corroborated"
    """Attaches records to a profile the value was seen with, never merges two profiles."""
    NEVER = "never"
    """Only narrows candidates for probabilistic matching (a masked phone)."""


class Creates(StrEnum):
    ALWAYS = "always"
    WITH_ORDER = "with_order"
    """Only when the cluster bought something (an app install that never ordered is no customer)."""
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class IdentifierPolicy:
    kind: str
    linking: Linking
    creates: Creates
    priority: int
    """Lower is stronger: names a new profile's anchor and wins when two links conflict."""
    max_people: int = 1
    """Distinct people (loyalty members that are clearly not one person) who may carry the value
    before it is *shared* and quarantined (a family phone)."""
    max_receipts_a_day: int | None = None
    """Receipts in one (UTC) day above which the value is on more baskets than one household
    makes: a loyal shopper visits daily and may buy 8 times in a day, a till's card is on every
    forgetful customer's receipt. Frequency alone never says more than this."""
    overlap_minutes: int | None = None
    """Two receipts carrying the value at different tills (another store, or another terminal of
    the store) within this many minutes are two people at once ..."""
    min_overlap_days: int = 1
    """... and seen so on at least this many distinct days, the value is passed between people
    (once is a couple splitting at two tills; a house card does it every week)."""
    max_companions: int | None = None
    """Distinct values of one other contact or device kind (phones, e-mails, buyer accounts,
    wallets, app devices) seen on the same orders and events above which the value is passed
    around (a card a cashier lends every customer who forgot theirs) rather than one person's."""
    blocked: tuple[str, ...] = ()
    """Regular expressions (matched against the normalised value) of values that name nobody."""
    near_receipt_minutes: int | None = None
    """A sensor sighting (a MAC, a face) corroborates the profile of an identified receipt placed
    in the same store within this many minutes of it (None: only a record carrying a strong
    identifier next to the value corroborates) ..."""
    near_receipt_days: int = 1
    """... on at least this many distinct (UTC) days before the value links to that profile; a
    value that reaches this with two profiles (a staff phone, a couple shopping together) links to
    neither."""


def _repeated_digits(prefix: str, length: int) -> str:
    """``^prefix(0{n}|1{n}|...)$``: a number of one repeated digit, without back-references."""
    return f"^{re.escape(prefix)}(" + "|".join(f"{d}{{{length}}}" for d in range(10)) + ")$"


_TEST_MAILBOXES = (
    r"^(test|tests|testing|example|noemail|no-email|none|null|nomail|asdf|qwerty|123|1|a|aa|x|xx)@"
)
_TEST_DOMAINS = r"@(test|example|mail\.test|localhost|noemail|nomail)(\.[a-z]+)?$"
_EMPTY_TOKENS = r"^(0+|-+|null|none|undefined|unknown|n/?a|00000000-0000-0000-0000-000000000000)$"

POLICIES: dict[str, IdentifierPolicy] = {
    p.kind: p
    for p in (
        IdentifierPolicy(
            "card",
            Linking.ALONE,
            Creates.ALWAYS,
            priority=10,
            max_receipts_a_day=20,
            overlap_minutes=5,
            min_overlap_days=3,
            max_companions=3,
            blocked=(_repeated_digits("", 13), r"^1234567890123$", r"^0123456789012$"),
        ),
        IdentifierPolicy("wallet", Linking.ALONE, Creates.ALWAYS, priority=15),
        IdentifierPolicy(
            "phone",
            Linking.ALONE,
            Creates.ALWAYS,
            priority=20,
            blocked=(
                _repeated_digits("+7", 10),
                r"^\+79(0{9}|9{9}|123456789|876543210)$",
                r"^\+7(1234567890|9001234567|9876543210|9000000001)$",
            ),
        ),
        IdentifierPolicy(
            "email",
            Linking.ALONE,
            Creates.ALWAYS,
            priority=30,
            blocked=(_TEST_MAILBOXES, _TEST_DOMAINS),
        ),
        IdentifierPolicy("mp_buyer", Linking.ALONE, Creates.ALWAYS, priority=40),
        IdentifierPolicy(
            "device", Linking.ALONE, Creates.WITH_ORDER, priority=50, blocked=(_EMPTY_TOKENS,)
        ),
        IdentifierPolicy(
            "cookie", Linking.ALONE, Creates.WITH_ORDER, priority=60, blocked=(_EMPTY_TOKENS,)
        ),
        IdentifierPolicy(
            "mac",
            Linking.CORROBORATED,
            Creates.NEVER,
            priority=80,
            near_receipt_minutes=15,
            near_receipt_days=2,
        ),
        IdentifierPolicy(
            "face",
            Linking.CORROBORATED,
            Creates.NEVER,
            priority=85,
            near_receipt_minutes=15,
            near_receipt_days=2,
        ),
        IdentifierPolicy(
            "social",
            Linking.ALONE,
            Creates.NEVER,
            priority=45,
            max_companions=3,
            blocked=(r"^[a-z0-9_]+:(0+|-+|null|none|undefined|unknown)$",),
        ),
        IdentifierPolicy("phone_mask", Linking.NEVER, Creates.NEVER, priority=90),
        IdentifierPolicy("ip", Linking.NEVER, Creates.NEVER, priority=95),
    )
}


@dataclass(frozen=True, slots=True)
class RegistryPolicy:
    """When a loyalty registry record is no person but a till's card registered for the store:
    its name is not a person's name (a digit, a service word such as "Карта" or "Магазин") and it
    carries none of the personal data a member gives (phone, e-mail, birth date). Every card of
    such a record is a house card whatever its usage."""

    non_person_words: tuple[str, ...]
    """Regular expressions matched against each lower-cased word of the first and last name."""
    require_no_personal_data: bool = True


REGISTRY = RegistryPolicy(
    non_person_words=(
        r"\d",
        r"^(карта|карточка|магазин|касса|кассир|клиент|гость|покупатель|сотрудник|персонал)$",
        r"^(дисконт|скидка|бонус|тест|администратор|склад|филиал|общая|общий|служебная)$",
        r"^(card|store|shop|cashier|till|house|guest|client|customer|staff|test|admin|pos)$",
    )
)


@cache
def _non_person_re() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in REGISTRY.non_person_words))


def non_person_name(*names: str | None) -> bool:
    """True when any word of the given names is no person's name ("Магазин S001", "Карта")."""
    pattern = _non_person_re()
    return any(pattern.search(word) for name in names if name for word in name.lower().split())


def is_registry_house_card(
    first: str | None, last: str | None, *, has_contact: bool, has_birth_date: bool
) -> bool:
    """Whether a registry record is a till's card rather than a member (see ``RegistryPolicy``)."""
    if not non_person_name(first, last):
        return False
    return not (REGISTRY.require_no_personal_data and (has_contact or has_birth_date))


def policy_of(kind: str) -> IdentifierPolicy | None:
    """The policy of ``kind``; None for a kind resolution does not know (it then links nothing)."""
    return POLICIES.get(kind)


@cache
def _blocked_re(kind: str) -> re.Pattern[str] | None:
    policy = POLICIES.get(kind)
    if policy is None or not policy.blocked:
        return None
    return re.compile("|".join(f"(?:{p})" for p in policy.blocked))


def is_blocked(kind: str, value: str) -> bool:
    """True for a placeholder or test value that must never link anyone."""
    pattern = _blocked_re(kind)
    return bool(pattern and pattern.search(value))


def links_alone(kind: str) -> bool:
    policy = POLICIES.get(kind)
    return policy is not None and policy.linking is Linking.ALONE


def links_corroborated(kind: str) -> bool:
    policy = POLICIES.get(kind)
    return policy is not None and policy.linking is Linking.CORROBORATED


def priority(kind: str) -> int:
    policy = POLICIES.get(kind)
    return policy.priority if policy else 1000


def creates_profile(kinds: set[str], has_order: bool) -> bool:
    """Whether a cluster carrying identifiers of ``kinds`` deserves a profile of its own;
    anonymous receipts and browsing without any contact stay anonymous."""
    for kind in kinds:
        policy = POLICIES.get(kind)
        if policy is None:
            continue
        if policy.creates is Creates.ALWAYS or (policy.creates is Creates.WITH_ORDER and has_order):
            return True
    return False


def anchor_key(kind: str, value: str) -> str:
    """How a profile created from identifiers alone is keyed (``customers.source_key``)."""
    return f"{kind}:{value}"
