"""Column-wise recognisers of plain values. Each answers, per value, "the field parser would
accept this unchanged" and gives the parsed column; a value it does not recognise is not
necessarily bad, it just goes to the field parser. So every pattern here is narrower than what
``fields.Fields`` accepts, never wider."""

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.ingest.fields import latest_time

_EDGE = r"[!-~\pL\pN]"  # never whitespace to Python's str.isspace
PLAIN_TEXT = rf"(?s)^{_EDGE}(.*{_EDGE})?$"
MAX_DIGITS = 12
"""Amounts and counts up to 12 digits: products and per-record sums stay far inside int64."""


def plain_text(values: pa.Array, max_len: int) -> np.ndarray:
    """Non-empty text with nothing to strip, at most ``max_len`` characters."""
    return matches(values, PLAIN_TEXT) & short(values, max_len)


def short(values: pa.Array, max_len: int) -> np.ndarray:
    return _mask(pc.less_equal(pc.utf8_length(values), max_len))


def matches(values: pa.Array, pattern: str) -> np.ndarray:
    return _mask(pc.match_substring_regex(values, pattern))


def equals(values: pa.Array, text: str) -> np.ndarray:
    return _mask(pc.equal(values, text))


def is_empty(values: pa.Array) -> np.ndarray:
    return equals(values, "")


def digits(values: pa.Array, max_digits: int = MAX_DIGITS) -> tuple[np.ndarray, np.ndarray]:
    """(plain, value): ASCII digits only, as int64 (0 where not plain)."""
    plain = matches(values, rf"^[0-9]{{1,{max_digits}}}$")
    text = pc.if_else(pa.array(plain), values, "0")
    return plain, pc.cast(text, pa.int64()).to_numpy()


def major(values: pa.Array, max_digits: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """(plain, minor units): a decimal with exactly two decimals (``"1234.50"``), as int64."""
    plain = matches(values, rf"^[0-9]{{1,{max_digits}}}\.[0-9]{{2}}$")
    text = pc.if_else(pa.array(plain), pc.replace_substring(values, ".", ""), "0")
    return plain, pc.cast(text, pa.int64()).to_numpy()


ISO_AWARE = (
    r"^(?:19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
    r"[+-](?:0[0-9]|1[0-8]):[0-5][0-9]$"
)
ISO_WALL = "%Y-%m-%dT%H:%M:%S"


def aware_time(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(plain, epoch seconds UTC): ISO 8601 with seconds and an offset (``...T10:00:00+03:00``),
    a valid wall time and not after ``latest_time``."""
    shape = matches(values, ISO_AWARE)
    text = pc.if_else(pa.array(shape), values, "2000-01-01T00:00:00+00:00")
    wall_ok, wall = wall_time(pc.utf8_slice_codeunits(text, 0, 19), ISO_WALL)
    sign = np.where(equals(pc.utf8_slice_codeunits(text, 19, 20), "-"), -1, 1)
    hours, minutes = (
        pc.cast(pc.utf8_slice_codeunits(text, at, at + 2), pa.int64()).to_numpy() for at in (20, 23)
    )
    epoch = wall.cast(pa.int64()).fill_null(0).to_numpy() - sign * (hours * 3600 + minutes * 60)
    return shape & wall_ok & (epoch <= int(latest_time().timestamp())), epoch


def lookup(values: pa.Array, codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(found, position in ``codes``): exact catalogue matches (codes are stored stripped)."""
    index = pc.index_in(values, value_set=pa.array(codes, pa.string()))
    return _mask(pc.is_valid(index)), index.fill_null(0).to_numpy()


def wall_time(values: pa.Array, fmt: str) -> tuple[np.ndarray, pa.Array]:
    """(plain, timestamp[s]): a valid wall time written exactly as ``fmt`` writes it (so a
    parser that rolls 30 February over into March is caught)."""
    parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
    same = pc.equal(pc.strftime(parsed, format=fmt), values)
    return _mask(same), parsed


def local_to_utc(
    parsed: pa.Array, zones: np.ndarray, known: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(plain, epoch seconds UTC) of wall times ``parsed`` in the IANA zones ``zones``.

    Plain where the wall time names one instant: a time a clock change skips or repeats is left
    to the field parser (zoneinfo's fold rule), as is a zone Arrow does not know."""
    plain = np.zeros(len(parsed), dtype=bool)
    epoch = np.zeros(len(parsed), dtype=np.int64)
    for name in np.unique(zones[known]):
        rows = np.flatnonzero(known & (zones == name))
        wall = parsed.take(pa.array(rows))
        try:
            early, late = (
                pc.assume_timezone(wall, timezone=name, ambiguous=rule, nonexistent=rule)
                for rule in ("earliest", "latest")
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowKeyError):
            continue
        early_s = early.cast(pa.int64()).fill_null(-1).to_numpy()
        one = early_s == late.cast(pa.int64()).fill_null(-2).to_numpy()
        plain[rows] = one
        epoch[rows] = early_s
    return plain, epoch


def segment_sums(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Sums of ``values[starts[i]:starts[i+1]]`` (every segment non-empty)."""
    return np.add.reduceat(values, starts[:-1]) if len(values) else np.zeros(0, np.int64)


def segment_all(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.minimum.reduceat(values.astype(np.int8), starts[:-1]).astype(bool)


def repeated_pairs(owner: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Owners (records) naming a value (a line number, ...) twice."""
    keys = np.sort(owner.astype(np.int64) << 32 | (value & 0x7FFFFFFF))
    return np.unique(keys[1:][keys[1:] == keys[:-1]] >> 32)


def repeat(text: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(text), n)


def _mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)
