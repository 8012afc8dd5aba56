"""Home addresses of registry members: identity evidence for people who share no contact.

A person's home is fixed by their index (a hash, no random draw), so their second card names the
same home, typed anew: another abbreviation (``ул.`` / ``улица``), now and then the whole line in
one field, sometimes left out, and for a few the home they moved to. Drawn from a generator of
its own so the other files keep the bytes they had.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicrm.synth.formats import concat, digits, null_where, pick, where
from omnicrm.synth.geography import CITIES
from omnicrm.synth.identifiers import scramble

STREETS = (
    "Ленина", "Мира", "Советская", "Гагарина", "Пушкина", "Садовая", "Лесная", "Школьная",
    "Молодёжная", "Набережная", "Кирова", "Чехова", "Горького", "Заречная", "Строителей",
    "Полевая", "Первомайская", "Юбилейная", "Зелёная", "Октябрьская", "Комсомольская",
    "Победы", "Солнечная", "Новая", "Центральная", "Луговая", "Рабочая", "Спортивная",
)  # fmt: skip
KINDS = (("ул.", "улица"), ("пр-т", "проспект"), ("пер.", "переулок"), ("б-р", "бульвар"))
POSTCODE_BASE = (101000, 190000, 420000, 603000, 443000, 620000, 644000, 630000, 660000,
                 690000, 236000)  # fmt: skip


def homes(
    seed: int, global_index: np.ndarray, city: np.ndarray, salt: int
) -> dict[str, np.ndarray]:
    """Street, street type, house, flat and postcode of each person (``salt`` 1: where they
    moved)."""
    h = scramble(global_index, 1_000_000_007, seed, 40 + salt)
    base = np.array(POSTCODE_BASE)[np.asarray(city) % len(POSTCODE_BASE)]
    return {
        "street": h % len(STREETS),
        "kind": (h // 31) % (len(KINDS) if salt else 2),
        "house": 1 + (h // 97) % 120,
        "flat": np.where((h // 13) % 4 == 0, 0, 1 + (h // 1009) % 240),
        "postcode": base + (h // 7) % 90,
    }


def address_columns(
    seed: int, chunk: int, global_index: np.ndarray, city: np.ndarray, is_dup: np.ndarray
) -> dict[str, pa.Array]:
    """The registry's address columns (region, postcode, street, house, flat, address_raw)."""
    n = len(global_index)
    rng = np.random.default_rng([seed, chunk, 77])
    moved = is_dup & (rng.random(n) < 0.1)
    here, there = homes(seed, global_index, city, 0), homes(seed, global_index, city, 1)
    home = {k: np.where(moved, there[k], v) for k, v in here.items()}
    long_kind = rng.random(n) < 0.4
    kinds = pa.array([k[0] for k in KINDS] + [k[1] for k in KINDS])
    kind = pick(kinds, home["kind"] + np.where(long_kind, len(KINDS), 0))
    street = concat(kind, " ", pick(pa.array(STREETS), home["street"]))
    house, flat = digits(home["house"]), digits(home["flat"])
    no_flat = home["flat"] == 0
    absent = rng.random(n) < np.where(is_dup, 0.3, 0.5)
    one_line = ~absent & (rng.random(n) < 0.15)
    parts = absent | one_line
    raw = concat(street, ", д. ", house)
    raw = where(no_flat, raw, concat(raw, ", кв. ", flat))
    regions = pa.array([c.region for c in CITIES])
    return {
        "region": null_where(parts, pick(regions, city)),
        "postcode": null_where(parts | (rng.random(n) < 0.1), digits(home["postcode"])),
        "street": null_where(parts, street),
        "house": null_where(parts, house),
        "flat": null_where(parts | no_flat, flat),
        "address_raw": null_where(~one_line, raw),
    }
