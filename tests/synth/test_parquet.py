"""``fmt="parquet"``: the same columns under the same stems, nested orders as structs and lists."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from omnicrm.synth import generate
from omnicrm.synth.schema import ALL


def test_parquet_mode_is_readable_and_equivalent(tmp_path: Path) -> None:
    m_pq = generate(tmp_path / "pq", 400, seed=11, fmt="parquet")
    m_nat = generate(tmp_path / "nat", 400, seed=11)
    for spec in ALL:
        table = pq.read_table(tmp_path / "pq" / f"{spec.stem}.parquet")
        assert tuple(table.column_names) == spec.columns, spec.stem
        assert table.num_rows == m_nat["files"][spec.native_name]["rows"], spec.stem
        assert (
            m_pq["files"][f"{spec.stem}.parquet"]["records"]
            == m_nat["files"][spec.native_name]["records"]
        )
    web = pq.read_table(tmp_path / "pq" / "web_orders.parquet")
    assert pa.types.is_list(web.schema.field("items").type)
    assert pa.types.is_struct(web.schema.field("customer").type)
    assert (tmp_path / "pq" / "ground_truth.csv").read_bytes() == (
        tmp_path / "nat" / "ground_truth.csv"
    ).read_bytes()
    assert m_pq["order_lines"] == m_nat["order_lines"]
