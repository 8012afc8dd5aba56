"""The column-wise CSV and JSON Lines encoders agree with standard parsers."""

from __future__ import annotations

import csv
import io

import numpy as np
import orjson
import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from omnicrm.synth import formats
from omnicrm.synth.encoding import csv_bytes, jsonl_bytes
from omnicrm.synth.noise import masked_phone, phone_as

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@given(
    st.lists(
        st.tuples(st.none() | text, st.none() | st.integers(-(2**40), 2**40)),
        min_size=1,
        max_size=20,
    )
)
def test_jsonl_round_trip(values: list[tuple[str | None, int | None]]) -> None:
    table = pa.table(
        {
            "s": pa.array([v[0] for v in values], pa.string()),
            "i": pa.array([v[1] for v in values], pa.int64()),
            "nested": pa.array([{"a": v[0], "b": [v[1], 1]} for v in values]),
        }
    )
    lines = jsonl_bytes(table).splitlines()
    assert [orjson.loads(line) for line in lines] == table.to_pylist()


@given(
    st.lists(st.tuples(st.none() | text, st.integers(0, 10**6)), min_size=1, max_size=20),
    st.sampled_from(",;"),
)
def test_csv_round_trip(values: list[tuple[str | None, int]], delimiter: str) -> None:
    values = [(v.replace("\r", ""), n) if v is not None else (v, n) for v, n in values]
    table = pa.table(
        {"s": pa.array([v[0] for v in values], pa.string()), "n": [v[1] for v in values]}
    )
    data = csv_bytes(table, delimiter).decode()
    parsed = list(csv.reader(io.StringIO(data, newline=""), delimiter=delimiter))
    assert parsed == [[v or "", str(n)] for v, n in values]


def test_money_and_time_formats() -> None:
    minor = np.array([5, 123450, 100000050, 99999, 0])
    assert formats.market_rubles(minor).to_pylist() == [
        "0,05",
        "1 234,50",
        "1 000 000,50",
        "999,99",
        "0,00",
    ]
    assert formats.decimal_rubles(minor[:2]).to_pylist() == ["0.05", "1234.50"]
    t = np.array([1740819851])
    assert formats.iso_ts(t, 3).to_pylist() == ["2025-03-01T12:04:11+03:00"]
    assert formats.iso_ts(t, 0).to_pylist() == ["2025-03-01T09:04:11+00:00"]
    assert formats.local_wall(t, 10).to_pylist() == ["2025-03-01 19:04:11"]
    assert formats.ru_minute(t, 3).to_pylist() == ["01.03.2025 12:04"]


def test_phone_formats() -> None:
    p = np.array([9162206393] * 6)
    assert phone_as(p, np.arange(6)).to_pylist() == [
        "+7 (916) 220-63-93",
        "89162206393",
        "8 916 220 63 93",
        "+79162206393",
        "79162206393",
        "8(916)220-63-93",
    ]
    assert masked_phone(p[:1]).to_pylist() == ["+7 (916) ***-**-93"]
