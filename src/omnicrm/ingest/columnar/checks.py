"""Column-wise recognisers of plain values. Each answers, per value, "the field parser would
accept this unchanged" and gives the parsed column; a value it does not recognise is not
necessarily bad, it just goes to the field parser. So every pattern here is narrower than what
``fields.Fields`` accepts, never wider."""

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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


def _mask(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return pc.fill_null(values, False).to_numpy(zero_copy_only=False)
