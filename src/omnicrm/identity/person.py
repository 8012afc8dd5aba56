"""When two descriptions of a person are clearly two different people.

The guard against over-merging: a shared identifier may only join profiles whose people could be
one (a duplicate card of the same person), never a mother and a daughter behind one family phone.
"Clearly different" is deliberately strict: missing data is no evidence of anything.
"""

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from omnicrm.identity.translit import canonical_name, plain_latin

NAME_SIMILARITY = 0.84
"""Jaro-Winkler on canonical Latin names at which two spellings count as one name (a typo)."""


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What a profile says about its person; every field optional."""

    first_name: str | None = None
    last_name: str | None = None
    birth_date: date | None = None
    gender: str | None = None


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity in [0, 1] (the same measure Splink compiles for DuckDB)."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(len(a), len(b)) // 2 - 1
    matched_b = [False] * len(b)
    a_matches = []
    for i, ch in enumerate(a):
        lo, hi = max(0, i - window), min(len(b), i + window + 1)
        for j in range(lo, hi):
            if not matched_b[j] and b[j] == ch:
                matched_b[j] = True
                a_matches.append(ch)
                break
    m = len(a_matches)
    if m == 0:
        return 0.0
    b_matches = [b[j] for j in range(len(b)) if matched_b[j]]
    transpositions = sum(x != y for x, y in zip(a_matches, b_matches, strict=True)) / 2
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


def _is_initial(text: str) -> bool:
    return len(text.strip().rstrip(".")) == 1


@lru_cache(maxsize=1 << 18)
def _names_differ(x: str | None, y: str | None) -> bool:
    cx, cy = canonical_name(x), canonical_name(y)
    if not cx or not cy:
        return False
    if _is_initial(x) or _is_initial(y):  # type: ignore[arg-type]
        return not (cx.startswith(cy) or cy.startswith(cx))  # "Анна И." against "Иванова"
    if jaro_winkler(cx, cy) >= NAME_SIMILARITY:
        return False
    # A slip inside one script ("Тиумр", "Динаа") reads as another sound once folded: compare
    # the letter-for-letter spelling too.
    return jaro_winkler(plain_latin(x), plain_latin(y)) < NAME_SIMILARITY


def clearly_different(a: PersonFacts, b: PersonFacts) -> bool:
    """True when ``a`` and ``b`` cannot be one person: birth date, gender or a name disagree."""
    if a.birth_date and b.birth_date and a.birth_date != b.birth_date:
        return True
    if a.gender and b.gender and a.gender != b.gender:
        return True
    return names_differ((a.first_name, a.last_name), (b.first_name, b.last_name))


Name = tuple[str | None, str | None]


@lru_cache(maxsize=1 << 18)
def names_differ(a: Name, b: Name) -> bool:
    """Whether (first, last) ``a`` and ``b`` name two people. Order forms get "Иванова Анна" as
    often as "Анна Иванова": either reading may match."""
    straight = _names_differ(a[0], b[0]) or _names_differ(a[1], b[1])
    return straight and (_names_differ(a[0], b[1]) or _names_differ(a[1], b[0]))


def clearly_same(a: PersonFacts, b: PersonFacts) -> bool:
    """Positive evidence of one person (a duplicate card): both names and the birth date agree."""
    if not (a.birth_date and a.birth_date == b.birth_date):
        return False
    names = ((a.first_name, b.first_name), (a.last_name, b.last_name))
    return all(x and y and not _names_differ(x, y) for x, y in names) and not clearly_different(
        a, b
    )


def one_person(people: list[PersonFacts]) -> bool:
    """Whether every pair in ``people`` may be the same person."""
    return not any(clearly_different(a, b) for i, a in enumerate(people) for b in people[i + 1 :])
