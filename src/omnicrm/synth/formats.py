"""Vectorised value formatting: timestamps, dates, money and identifiers as Arrow string arrays.

Everything is table lookups plus Arrow string kernels so that millions of values format in well
under a second (``strftime`` per value would dominate the run).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

EPOCH_DAY0 = date(1930, 1, 1)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY0 = EPOCH_DAY0.toordinal() - _EPOCH_ORDINAL  # days from 1970-01-01 to EPOCH_DAY0
_N_DAYS = (date(2040, 1, 1) - EPOCH_DAY0).days
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def concat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise string concatenation; a null part makes the result null."""
    return pc.binary_join_element_wise(*parts, "")


@cache
def _iso_days() -> pa.Array:
    return pa.array([(EPOCH_DAY0 + timedelta(days=i)).isoformat() for i in range(_N_DAYS)])


@cache
def _ru_days() -> pa.Array:
    return pa.array([(EPOCH_DAY0 + timedelta(days=i)).strftime("%d.%m.%Y") for i in range(_N_DAYS)])


@cache
def _clock_seconds() -> pa.Array:
    return pa.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)])


@cache
def _clock_minutes() -> pa.Array:
    return pa.array([f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)])


@cache
def _offsets() -> pa.Array:
    """Index ``h + 12`` -> ``+HH:00``."""
    return pa.array([f"{'+' if h >= 0 else '-'}{abs(h):02d}:00" for h in range(-12, 15)])


def _split(local_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    days = local_s // 86400
    return days - _DAY0, local_s - days * 86400


def day_of(epoch_s: np.ndarray, offset_h: np.ndarray | int = 0) -> np.ndarray:
    """Local calendar day as days since 1970-01-01."""
    return (np.asarray(epoch_s) + np.asarray(offset_h) * 3600) // 86400


def iso_date(epoch_day: np.ndarray) -> pa.Array:
    """``YYYY-MM-DD`` from days since 1970-01-01."""
    return _iso_days().take(pa.array(np.asarray(epoch_day, dtype=np.int64) - _DAY0))


def local_wall(epoch_s: np.ndarray, offset_h: np.ndarray | int, sep: str = " ") -> pa.Array:
    """``YYYY-MM-DD HH:MM:SS`` in the zone with the given offset (no offset written)."""
    d, s = _split(np.asarray(epoch_s, dtype=np.int64) + np.asarray(offset_h, dtype=np.int64) * 3600)
    return concat(_iso_days().take(pa.array(d)), sep, _clock_seconds().take(pa.array(s)))


def iso_ts(epoch_s: np.ndarray, offset_h: np.ndarray | int) -> pa.Array:
    """ISO 8601 with offset: ``2025-03-01T12:04:11+03:00``."""
    off = np.broadcast_to(np.asarray(offset_h, dtype=np.int64), np.shape(epoch_s))
    return concat(local_wall(epoch_s, off, "T"), _offsets().take(pa.array(off + 12)))


def ru_minute(epoch_s: np.ndarray, offset_h: int) -> pa.Array:
    """``DD.MM.YYYY HH:MM`` (the marketplace's export)."""
    d, s = _split(np.asarray(epoch_s, dtype=np.int64) + offset_h * 3600)
    return concat(_ru_days().take(pa.array(d)), " ", _clock_minutes().take(pa.array(s // 60)))


def decimal_rubles(minor: np.ndarray) -> pa.Array:
    """Kopecks -> ``"1234.50"``."""
    m = np.asarray(minor, dtype=np.int64)
    return concat(_digits(m // 100), ".", _pad(m % 100, 2))


def market_rubles(minor: np.ndarray) -> pa.Array:
    """Kopecks -> ``"1 234,50"`` (space between thousands, comma before kopecks)."""
    m = np.asarray(minor, dtype=np.int64)
    rub = m // 100
    low = concat(_digits(rub // 1000 % 1000), " ", _pad(rub % 1000, 3))
    high = concat(
        _digits(rub // 1_000_000), " ", _pad(rub // 1000 % 1000, 3), " ", _pad(rub % 1000, 3)
    )
    whole = pc.if_else(
        pa.array(rub >= 1_000_000), high, pc.if_else(pa.array(rub >= 1000), low, _digits(rub))
    )
    return concat(whole, ",", _pad(m % 100, 2))


def _digits(v: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(v, pa.int64()), pa.string())


def _pad(v: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(_digits(v), width=width, padding="0")


def numbered(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded number: ``numbered("W", [7], 8) -> "W00000007"``."""
    return concat(prefix, _pad(np.asarray(numbers), width))


def digits(numbers: np.ndarray, width: int | None = None) -> pa.Array:
    return _digits(np.asarray(numbers)) if width is None else _pad(np.asarray(numbers), width)


def hex_strings(rng: np.random.Generator, n: int, nbytes: int) -> pa.Array:
    """n random lowercase hex strings of ``2 * nbytes`` characters."""
    raw = rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)
    return hex_of(raw)


def hex_of(raw: np.ndarray) -> pa.Array:
    """Rows of bytes (n, k) -> hex strings of 2k characters."""
    n, k = raw.shape
    chars = np.empty((n, 2 * k), dtype=np.uint8)
    chars[:, 0::2] = _HEX[raw >> 4]
    chars[:, 1::2] = _HEX[raw & 15]
    data = pa.py_buffer(chars.tobytes())
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * 2 * k).tobytes())
    return pa.StringArray.from_buffers(n, offsets, data)


def strings(values: list[str] | tuple[str, ...]) -> pa.Array:
    return pa.array(list(values), pa.string())


def pick(table: pa.Array, idx: np.ndarray) -> pa.Array:
    """``table[idx]`` for a lookup array of strings."""
    return table.take(pa.array(np.asarray(idx, dtype=np.int64)))


def where(mask: np.ndarray, a: pa.Array | str | None, b: pa.Array | str | None) -> pa.Array:
    """Element-wise choice between two string arrays/scalars; None means null."""
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), _s(a), _s(b))


def _s(v: pa.Array | str | None) -> pa.Array | pa.Scalar:
    if v is None:
        return pa.scalar(None, pa.string())
    if isinstance(v, str):
        return pa.scalar(v, pa.string())
    return v


def null_where(mask: np.ndarray, values: pa.Array) -> pa.Array:
    """``values`` with nulls where mask is true."""
    return where(mask, None, values)
