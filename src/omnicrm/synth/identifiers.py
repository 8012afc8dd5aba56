"""Identifiers that must be unique across the whole run although persons are made chunk by chunk.

Each is a bijection of the global person index (an affine map modulo a power of ten with a
multiplier coprime to ten), keyed by the seed, so no chunk needs to know what the others issued.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicrm.synth.formats import digits

# Card number kinds (the digit after the leading "2").
CARD_PRIMARY, CARD_DUPLICATE, CARD_HOUSE, CARD_BLANK = 0, 1, 5, 8


def scramble(index: np.ndarray, modulus: int, seed: int, salt: int) -> np.ndarray:
    """A seed-dependent permutation of ``[0, modulus)`` evaluated at ``index``."""
    mult = 7_654_321 * 3 ** ((seed + salt) % 7)  # odd, not a multiple of 5: coprime to 10**k
    shift = (seed * 1_000_003 + salt * 97_531) % modulus
    return (np.asarray(index, dtype=np.int64) % modulus * (mult % modulus) + shift) % modulus


def mobile_phone(index: np.ndarray, seed: int) -> np.ndarray:
    """10-digit Russian mobile numbers ``9XXXXXXXXX`` (without the country code)."""
    return 9_000_000_000 + scramble(index, 1_000_000_000, seed, 1)


def card_numbers(index: np.ndarray, seed: int, kind: int) -> np.ndarray:
    """13-digit EAN-13 loyalty card numbers ``2<kind><10 digits><check>`` as int64."""
    body = 200_000_000_000 + kind * 10_000_000_000 + scramble(index, 10_000_000_000, seed, 2 + kind)
    return body * 10 + ean13_check(body)


def ean13_check(body12: np.ndarray) -> np.ndarray:
    b = np.asarray(body12, dtype=np.int64)
    total = np.zeros_like(b)
    for pos in range(12):  # pos 0 = rightmost digit of the body, weight 3
        total += (b // 10**pos % 10) * (3 if pos % 2 == 0 else 1)
    return (10 - total % 10) % 10


def buyer_ids(index: np.ndarray, seed: int) -> pa.Array:
    """Marketplace buyer accounts: 9-digit numbers."""
    return digits(100_000_000 + scramble(index, 900_000_000, seed, 11))
