"""Flat exports read as Arrow columns and cut into exactly the records and batches that
``readers.RecordReader`` makes: consecutive rows with the same record key are one record,
``batch_size`` records one batch, and every row keeps its file row number.

Only a *regular* file is read this way: every CSV row as wide as the header (no blank lines, no
line breaks inside values), Parquet columns of text or integers. Anything else raises
``NotColumnar`` before a batch that could differ is handed out; the import then carries on
record by record, skipping the batches already committed.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from omnicrm.ingest.encoding import UTF8
from omnicrm.ingest.readers import MAX_ROW_BYTES, RawRecord, group_rows
from omnicrm.ingest.sources import Source

CSV_BLOCK_BYTES = 4 << 20
PARQUET_BATCH_ROWS = 65536


class NotColumnar(Exception):
    """The file (from some point on) is not regular enough to be read column-wise."""


@dataclass(frozen=True, slots=True)
class RecordFrame:
    """A batch of records as rows: record ``r`` is rows ``starts[r]:starts[r+1]``."""

    table: pa.Table
    """The rows as read (typed, for Parquet): what a validator sees for a record it checks."""
    first_row_no: int
    starts: np.ndarray
    source: Source

    @property
    def records(self) -> int:
        return len(self.starts) - 1

    @property
    def record_of_row(self) -> np.ndarray:
        return np.repeat(np.arange(self.records), np.diff(self.starts))

    def text(self, name: str) -> pa.Array:
        """Column ``name`` as text, a missing value (null) as the empty string."""
        column = self.table.column(name).combine_chunks()
        if not pa.types.is_string(column.type):
            column = column.cast(pa.string())
        return column.fill_null("")

    def row_nos_of(self, records: np.ndarray) -> list[int]:
        """The file row each record starts on."""
        return (self.first_row_no + self.starts[records]).tolist()

    def raw_records(self, records: np.ndarray) -> list[RawRecord]:
        """Records as the row-by-row reader makes them, for the source's validator."""
        if not len(records):
            return []
        bounds = np.stack([self.starts[records], self.starts[records + 1]], axis=1)
        rows = np.concatenate([np.arange(start, end) for start, end in bounds])
        part = self.table.take(pa.array(rows))
        values = list(zip(*(column.to_pylist() for column in part.columns), strict=True))
        columns = self.table.column_names
        raws, at = [], 0
        for start, end in bounds.tolist():
            row_nos = range(self.first_row_no + start, self.first_row_no + end)
            numbered = zip(row_nos, values[at : at + end - start], strict=True)
            raws.extend(group_rows(numbered, columns, self.source))  # one record: its own rows
            at += end - start
        return raws


class FrameReader:
    """The batches of ``path``, tracking (roughly, by blocks) the bytes read for progress."""

    def __init__(self, path: Path, source: Source, batch_size: int, encoding: str = UTF8) -> None:
        if path.suffix not in (".csv", ".parquet"):
            raise NotColumnar(f"{path.suffix} files are read record by record")
        if path.suffix == ".csv" and encoding != UTF8:
            raise NotColumnar(f"{encoding} files are read record by record")
        self.path = path
        self.source = source
        self.batch_size = batch_size
        self.size = path.stat().st_size
        self.bytes_read = 0

    def __iter__(self) -> Iterator[RecordFrame]:
        if self.path.suffix == ".csv":
            chunks, first_row_no = _csv_chunks(self.path, self.source), 2
        else:
            chunks, first_row_no = _parquet_chunks(self.path), 1
        yield from _frames(self._counted(chunks), first_row_no, self.source, self.batch_size)
        self.bytes_read = self.size

    def _counted(self, chunks: Iterator[pa.Table]) -> Iterator[pa.Table]:
        for chunk in chunks:
            self.bytes_read = min(self.size, self.bytes_read + chunk.nbytes)
            yield chunk


def _frames(
    chunks: Iterator[pa.Table], first_row_no: int, source: Source, batch_size: int
) -> Iterator[RecordFrame]:
    pending: pa.Table | None = None
    for chunk in chunks:
        pending = chunk if pending is None else pa.concat_tables([pending, chunk])
        starts = _record_starts(pending, source)
        while len(starts) - 1 > batch_size:  # the last record may go on in the next chunk
            end = int(starts[batch_size])
            yield RecordFrame(pending.slice(0, end), first_row_no, starts[: batch_size + 1], source)
            first_row_no += end
            pending = pending.slice(end)
            starts = starts[batch_size:] - end
    if pending is not None and pending.num_rows:
        starts = _record_starts(pending, source)
        for k in range(0, len(starts) - 1, batch_size):
            begin, end = int(starts[k]), int(starts[min(k + batch_size, len(starts) - 1)])
            cut = starts[k : k + batch_size + 1] - begin
            yield RecordFrame(pending.slice(begin, end - begin), first_row_no + begin, cut, source)


def _record_starts(table: pa.Table, source: Source) -> np.ndarray:
    """Offsets of the records: a record starts where any key column differs from the row above."""
    n = table.num_rows
    new = np.zeros(max(n - 1, 0), dtype=bool)
    for name in source.group_by:
        if name not in table.column_names:
            raise NotColumnar(f"no column {name}")
        column = table.column(name).combine_chunks()
        new |= ~same_values(column.slice(1), column.slice(0, n - 1))
    return np.concatenate(([0], np.flatnonzero(new) + 1, [n])).astype(np.int64)


def same_values(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Element-wise equality as Python compares the values read (None equals None)."""
    equal = pc.fill_null(pc.equal(a, b), False)
    both_null = pc.and_(pc.is_null(a), pc.is_null(b))
    return pc.or_(equal, both_null).to_numpy(zero_copy_only=False)


def _csv_chunks(path: Path, source: Source) -> Iterator[pa.Table]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f, delimiter=source.delimiter), None)
    if not header or len(set(header)) != len(header):
        raise NotColumnar("no header, or a repeated column name")
    irregular: list[Any] = []

    def on_invalid_row(row: Any) -> str:
        irregular.append(row)
        return "skip"

    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(
                delimiter=source.delimiter,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=False
            ),
        )
        if reader.schema.names != header:
            raise NotColumnar("the header reads differently column-wise")
        for batch in reader:
            if irregular:
                raise NotColumnar(f"irregular row: {irregular[0]}")
            if _longest_row(batch) > MAX_ROW_BYTES // 2:  # near the record reader's limit
                raise NotColumnar("a row near the longest a row may be")
            yield pa.Table.from_batches([batch])
    except pa.ArrowException as exc:  # bad UTF-8, unbalanced quotes, ...
        raise NotColumnar(str(exc)) from exc
    if irregular:
        raise NotColumnar(f"irregular row: {irregular[0]}")


def _longest_row(batch: pa.RecordBatch) -> int:
    """The bytes of the batch's longest row (its values; quotes and delimiters aside)."""
    if not batch.num_rows:
        return 0
    lengths = np.zeros(batch.num_rows, dtype=np.int64)
    for column in batch.columns:
        lengths += pc.binary_length(column).to_numpy(zero_copy_only=False)
    return int(lengths.max())


def _parquet_chunks(path: Path) -> Iterator[pa.Table]:
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise NotColumnar(str(exc)) from exc
    for field in parquet.schema_arrow:
        if not (
            pa.types.is_string(field.type)
            or pa.types.is_integer(field.type)
            or pa.types.is_null(field.type)
        ):
            raise NotColumnar(f"column {field.name} is {field.type}")
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
        yield pa.Table.from_batches([batch])
