"""Output files: each chunk's rows are encoded (in the worker) and appended here in chunk order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from omnicrm.synth.encoding import csv_bytes, csv_header, jsonl_bytes
from omnicrm.synth.schema import FileSpec


@dataclass
class Encoded:
    """One file's share of a chunk, ready to append: bytes (native) or a table (parquet)."""

    stem: str
    payload: bytes | pa.Table
    rows: int
    records: int
    lines: int = 0  # order lines, for order files


def encode(spec: FileSpec, table: pa.Table, records: int, fmt: str) -> Encoded:
    if fmt == "parquet":
        return Encoded(spec.stem, table, table.num_rows, records)
    if spec.kind == "jsonl":
        return Encoded(spec.stem, jsonl_bytes(table), table.num_rows, records)
    return Encoded(spec.stem, csv_bytes(table, spec.delimiter), table.num_rows, records)


class Sink:
    """Appends chunks to one file and counts what went in."""

    def __init__(self, directory: Path, spec: FileSpec, fmt: str) -> None:
        self.spec = spec
        self.fmt = fmt
        self.path = directory / spec.file_name(fmt)
        self.rows = 0
        self.records = 0
        self.lines = 0
        self._file: BinaryIO | None = None
        self._parquet: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None
        if fmt != "parquet":
            self._file = self.path.open("wb")
            if spec.kind == "csv":
                self._file.write(csv_header(spec.columns, spec.delimiter))

    def append(self, part: Encoded) -> None:
        self.rows += part.rows
        self.records += part.records
        self.lines += part.lines
        if self._file is not None:
            assert isinstance(part.payload, bytes)
            self._file.write(part.payload)
            return
        table = part.payload
        assert isinstance(table, pa.Table)
        if self._parquet is None:
            self._schema = table.schema
            self._parquet = pq.ParquetWriter(self.path, table.schema, compression="zstd")
        elif table.schema != self._schema:
            table = table.cast(self._schema)
        self._parquet.write_table(table, row_group_size=1_000_000)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        elif self._parquet is not None:
            self._parquet.close()
        else:  # nothing was ever appended: still leave an empty file with the right columns
            empty = pa.table({c: pa.array([], pa.string()) for c in self.spec.columns})
            pq.write_table(empty, self.path)
