"""How the same person's details get written differently by cashiers, web forms, a PBX and a
marketplace: phone formats, e-mail case, typos and Latin spellings.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.synth.formats import concat, digits

# Index -> example for 9162206393.
PHONE_FORMATS = (
    "+7 (916) 220-63-93",
    "89162206393",
    "8 916 220 63 93",
    "+79162206393",
    "79162206393",
    "8(916)220-63-93",
)


def _parts(phone10: np.ndarray) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    p = np.asarray(phone10, dtype=np.int64)
    return (
        digits(p // 10_000_000, 3),
        digits(p // 10_000 % 1000, 3),
        digits(p // 100 % 100, 2),
        digits(p % 100, 2),
    )


def phone_as(phone10: np.ndarray, style: np.ndarray | int) -> pa.Array:
    """Phones written in the given PHONE_FORMATS styles (one style per value, or one for all)."""
    code, a, b, c = _parts(phone10)
    plain = concat(code, a, b, c)
    variants = [
        concat("+7 (", code, ") ", a, "-", b, "-", c),
        concat("8", plain),
        concat("8 ", code, " ", a, " ", b, " ", c),
        concat("+7", plain),
        concat("7", plain),
        concat("8(", code, ")", a, "-", b, "-", c),
    ]
    if np.isscalar(style):
        return variants[int(style)]
    return pc.choose(pa.array(np.asarray(style, dtype=np.int8)), *variants)


def masked_phone(phone10: np.ndarray) -> pa.Array:
    """``+7 (916) ***-**-93`` as marketplaces show it."""
    code, _, _, c = _parts(phone10)
    return concat("+7 (", code, ") ***-**-", c)


def random_phone_styles(rng: np.random.Generator, n: int, weights: tuple[float, ...]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def email_as(email: pa.Array, rng: np.random.Generator, p_changed: float) -> pa.Array:
    """E-mails as people type them: mostly lower case, sometimes ``Anna.Ivanova@Mail.Ru``."""
    n = len(email)
    style = np.where(rng.random(n) < p_changed, rng.integers(1, 4, n), 0).astype(np.int8)
    return pc.choose(
        pa.array(style),
        email,
        pc.utf8_title(email),
        pc.utf8_capitalize(email),
        pc.utf8_upper(email),
    )


def spelling(rng: np.random.Generator, n: int, p_latin: float, p_typo: float) -> np.ndarray:
    """Per record: 0 = Cyrillic, 1 = Latin transliteration, 2 = typo (a Spellings form)."""
    u = rng.random(n)
    return np.where(u < p_latin, 1, np.where(u < p_latin + p_typo, 2, 0)).astype(np.int8)


def spelled(
    forms: tuple[pa.Array, pa.Array, pa.Array], idx: np.ndarray, style: np.ndarray
) -> pa.Array:
    """Take word ``idx`` from the form chosen by ``style`` (see ``spelling``)."""
    take = pa.array(np.asarray(idx, dtype=np.int64))
    return pc.choose(pa.array(style), *(f.take(take) for f in forms))
