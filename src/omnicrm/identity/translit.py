"""One canonical Latin spelling per Russian name, whichever way it was written.

A cashier types ``Фёдор``, a web form gets ``Fyodor``, a passport says ``Fedor``, a foreign site
``Phedor``: all become ``fedor``. Cyrillic goes through one fixed table; then every Latin spelling
(including the table's own output) is folded by rules that merge the usual romanisation variants
(GOST, ICAO, BGN, English habits). The result is for comparison only, never shown.
"""

import re
import unicodedata
from functools import lru_cache

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "ї": "i", "є": "e", "ў": "u",
}  # fmt: skip

# Applied in order to the Latin text: each folds the variants of one sound into one spelling.
_FOLDS: tuple[tuple[str, str], ...] = (
    (r"shch|sch|shh", "sch"),
    (r"ph", "f"),
    (r"x", "ks"),
    (r"w", "v"),
    (r"ck", "k"),
    (r"q", "k"),
    (r"kh|h", "h"),
    (r"tz|tc|c(?!h)", "ts"),
    (r"ii|iy|yi|yy", "i"),
    (r"(?<=[^aeiou])[iyj]o", "e"),  # Fyodor / Fiodor / Fjodor -> Fedor
    (r"^[yij]o", "e"),
    (r"[ij]u|yu|ju", "yu"),
    (r"[ij]a|ja", "ya"),
    (r"[ij]e", "e"),
    (r"ey$|ei$|ej$", "ei"),
    (r"(?<=[^aeiou])y$", "i"),  # Dmitry -> dmitri
    (r"(.)\1+", r"\1"),  # doubled letters are the commonest slip (Anna/Ana, Alla/Ala)
)
_FOLD_RES = tuple((re.compile(p), r) for p, r in _FOLDS)
_NOT_LETTERS = re.compile(r"[^a-z]+")


@lru_cache(maxsize=65536)
def canonical_name(text: str | None) -> str:
    """The canonical Latin form of one name (``"Юлия"``, ``"Iuliia"``, ``"Yulia"`` -> ``"yulya"``);
    empty for an empty or missing name."""
    if not text:
        return ""
    lowered = unicodedata.normalize("NFC", text.strip().lower())
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in lowered)
    latin = "".join(
        ch for ch in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(ch)
    )
    latin = _NOT_LETTERS.sub("", latin)
    for pattern, replacement in _FOLD_RES:
        latin = pattern.sub(replacement, latin)
    return latin


@lru_cache(maxsize=65536)
def plain_latin(text: str | None) -> str:
    """The letter-for-letter Latin form of one name, without folding variants: a typo inside one
    script (``"Тиумр"`` for ``"Тимур"``) stays a one-letter slip here, where the folds of
    ``canonical_name`` may turn it into a different sound."""
    if not text:
        return ""
    lowered = unicodedata.normalize("NFC", text.strip().lower())
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in lowered)
    latin = "".join(
        ch for ch in unicodedata.normalize("NFKD", latin) if not unicodedata.combining(ch)
    )
    return _NOT_LETTERS.sub("", latin)


_PATRONYMIC = re.compile(r"(вич|вна|ична|инична|vich|vna|ichna)$", re.IGNORECASE)


def split_full_name(text: str | None) -> tuple[str | None, str | None]:
    """``"Анна Иванова"`` -> ("Анна", "Иванова"); ``"Анна И."`` -> ("Анна", "И."); one word ->
    first only. A patronymic is dropped. Which word is the surname is not known (forms get both
    orders); ``person.clearly_different`` compares either reading."""
    if not text or not text.strip():
        return None, None
    words = [w for w in text.split() if not _PATRONYMIC.search(w)] or text.split()
    if len(words) == 1:
        return words[0], None
    return words[0], words[-1]
