"""Helpers shared by channel writers: columns of the chunk's reference data and key building."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from omnicrm.synth.formats import concat, digits, null_where, pick
from omnicrm.synth.world import Chunk

_DAY = 86400


def store_codes(ch: Chunk, idx: np.ndarray) -> pa.Array:
    return pick(pa.array(ch.world.net.code), idx)


def skus(ch: Chunk, idx: np.ndarray) -> pa.Array:
    return pick(pa.array(ch.world.cat.sku), idx)


def person_ids(ch: Chunk, person: np.ndarray) -> pa.Array:
    return pick(ch.people.person_id, person)


def card_text(card: np.ndarray) -> pa.Array:
    """13-digit card numbers; 0 means no card (null)."""
    c = np.asarray(card, dtype=np.int64)
    return null_where(c == 0, digits(c, 13))


def local_ids(prefix: str, ch: Chunk, n: int, width: int = 7) -> pa.Array:
    """Ids unique across the run: chunk number then a counter (``W0030000012``)."""
    return concat(
        prefix, digits(np.full(n, ch.index, dtype=np.int64), 3), digits(np.arange(1, n + 1), width)
    )


def clip_to_export(ch: Chunk, ts: np.ndarray) -> np.ndarray:
    """Events that would happen after the export moment have not happened yet."""
    return ts <= ch.world.end_s


def in_store_hours(
    rng: np.random.Generator, ch: Chunk, store: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """Epoch seconds at a random time between 10:00 and 21:59 local on the given period day."""
    off = ch.world.net.offset_h[store]
    sec = rng.integers(10 * 3600, 22 * 3600, len(store))
    return ch.world.start_s + day * _DAY + sec - off * 3600


def gather_lines(ch: Chunk, sel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line indices of the selected orders (in order) and the int32 offsets delimiting them."""
    o = ch.orders
    lo, hi = o.line_lo[sel], o.line_lo[sel + 1]
    counts = hi - lo
    ends = np.cumsum(counts)
    lines = np.repeat(lo - ends + counts, counts) + np.arange(int(ends[-1]) if len(ends) else 0)
    return lines, np.concatenate([[0], ends]).astype(np.int32)


def lists(offsets: np.ndarray, values: pa.Array) -> pa.Array:
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values)


def struct(fields: dict[str, pa.Array], null: np.ndarray | None = None) -> pa.Array:
    mask = None if null is None else pa.array(np.asarray(null, dtype=bool))
    return pa.StructArray.from_arrays(list(fields.values()), names=list(fields), mask=mask)


def slots(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, offsets) of the present cells (>= 0) of an (n, k) matrix, row-major."""
    present = values >= 0
    row, col = np.nonzero(present)
    offsets = np.concatenate([[0], np.cumsum(present.sum(axis=1))]).astype(np.int32)
    return row, col, offsets
