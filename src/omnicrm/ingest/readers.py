"""Streaming readers: CSV, JSON Lines and Parquet files become raw records one at a time, each
knowing the row it came from. Nothing reads a whole file into memory.

For sources with one row per line (receipts, call-centre orders, postings, returns), consecutive
rows with the same record key are grouped: the other columns once, the line columns in ``lines``
(the shape a streaming client posts). A record's row is its first row; ``line_rows`` keeps the
row of every line so an error on ``lines[2]`` points at the right row.
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq

from omnicrm.core.errors import FieldError
from omnicrm.ingest.sources import Source

FORMATS = (".csv", ".jsonl", ".parquet")
PARQUET_BATCH_ROWS = 8192


class UnreadableFile(Exception):
    """The file as a whole cannot be read as the source's export (not a single bad row)."""


@dataclass(slots=True)
class RawRecord:
    data: dict[str, Any]
    row_no: int
    line_rows: list[int] | None = None
    errors: list[FieldError] = field(default_factory=list)
    """Problems the reader found (a malformed row, header columns that differ between lines)."""

    def row_of(self, field_path: str) -> int:
        """The file row a field error belongs to: the line's own row for ``lines[i].x``."""
        if self.line_rows and field_path.startswith("lines["):
            index = field_path[6 : field_path.index("]")]
            if index.isdigit() and int(index) < len(self.line_rows):
                return self.line_rows[int(index)]
        return self.row_no


class RecordReader:
    """Iterates the raw records of ``path`` as ``source``'s export and tracks the bytes read."""

    def __init__(self, path: Path, source: Source) -> None:
        if path.suffix not in FORMATS:
            raise UnreadableFile(f"{path.name}: not one of {', '.join(FORMATS)}")
        if not path.is_file():
            raise UnreadableFile(f"{path}: no such file")
        self.path = path
        self.source = source
        self.size = path.stat().st_size
        self._binary: io.BufferedReader | None = None
        self._fraction = 0.0

    @property
    def bytes_read(self) -> int:
        if self._binary is not None and not self._binary.closed:
            return self._binary.tell()
        return int(self.size * self._fraction)

    def __iter__(self) -> Iterator[RawRecord]:
        suffix = self.path.suffix
        records = (
            self._jsonl()
            if suffix == ".jsonl"
            else self._csv()
            if suffix == ".csv"
            else self._parquet()
        )
        yield from records
        self._fraction = 1.0

    def _jsonl(self) -> Iterator[RawRecord]:
        with self.path.open("rb") as self._binary:
            for row_no, line in enumerate(self._binary, 1):
                if not line.strip():
                    continue
                try:
                    data = orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    yield RawRecord(
                        {}, row_no, errors=[FieldError("record", f"not valid JSON: {exc}")]
                    )
                    continue
                if not isinstance(data, dict):
                    yield RawRecord(
                        {}, row_no, errors=[FieldError("record", "must be a JSON object")]
                    )
                    continue
                yield RawRecord(data, row_no)

    def _csv(self) -> Iterator[RawRecord]:
        with self.path.open("rb") as self._binary:
            text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
            reader = csv.reader(text, delimiter=self.source.delimiter)
            try:
                columns = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise UnreadableFile(f"{self.path.name}: {exc}") from exc
            yield from group_rows(self._csv_rows(reader, len(columns)), columns, self.source)

    def _csv_rows(self, reader: Any, width: int) -> Iterator[tuple[int, Sequence[Any]] | RawRecord]:
        row_no = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise UnreadableFile(f"{self.path.name}, after row {row_no}: {exc}") from exc
            row_no += 1
            if len(row) == width:
                yield row_no, row
            elif row:  # blank lines are not records
                message = f"has {len(row)} columns, the header has {width}"
                yield RawRecord({}, row_no, errors=[FieldError("row", message)])

    def _parquet(self) -> Iterator[RawRecord]:
        try:
            parquet = pq.ParquetFile(self.path)
        except Exception as exc:  # pyarrow raises several types for a damaged file
            raise UnreadableFile(f"{self.path.name}: {exc}") from exc
        total = max(parquet.metadata.num_rows, 1)
        columns = parquet.schema_arrow.names
        nested = "lines" in columns or not self.source.grouped

        def rows() -> Iterator[tuple[int, Sequence[Any]]]:
            row_no = 0
            for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
                values = [column.to_pylist() for column in batch.columns]
                for row in zip(*values, strict=True):
                    row_no += 1
                    yield row_no, row
                self._fraction = row_no / total

        if nested:
            for row_no, row in rows():
                yield RawRecord(
                    {k: v for k, v in zip(columns, row, strict=True) if v is not None}, row_no
                )
        else:
            yield from group_rows(rows(), columns, self.source)


def group_rows(
    rows: Iterable[tuple[int, Sequence[Any]] | RawRecord], columns: Sequence[str], source: Source
) -> Iterator[RawRecord]:
    """Raw records from flat rows: one per row, or consecutive rows grouped by the record key."""
    if not source.grouped:
        for item in rows:
            yield (
                item
                if isinstance(item, RawRecord)
                else RawRecord(dict(zip(columns, item[1], strict=True)), item[0])
            )
        return
    key_idx = [columns.index(name) for name in source.group_by if name in columns]
    if len(key_idx) != len(source.group_by):
        missing = [name for name in source.group_by if name not in columns]
        raise UnreadableFile(f"no column {', '.join(missing)} (the record key of {source.name})")
    line_idx = [(name, i) for i, name in enumerate(columns) if name in source.line_fields]
    head_idx = [(name, i) for i, name in enumerate(columns) if name not in source.line_fields]
    current: RawRecord | None = None
    current_key: list[Any] | None = None
    first_head: list[Any] = []
    for item in rows:
        if isinstance(item, RawRecord):
            if current is not None:
                yield current
                current = None
            yield item
            continue
        row_no, row = item
        key = [row[i] for i in key_idx]
        line = {name: row[i] for name, i in line_idx}
        if current is not None and key == current_key:
            current.data["lines"].append(line)
            current.line_rows.append(row_no)  # type: ignore[union-attr]
            head = [row[i] for _, i in head_idx]
            if head != first_head:
                _report_differences(current, head_idx, first_head, head, row_no)
            continue
        if current is not None:
            yield current
        first_head = [row[i] for _, i in head_idx]
        data = dict(zip((name for name, _ in head_idx), first_head, strict=True))
        data["lines"] = [line]
        current, current_key = RawRecord(data, row_no, [row_no]), key
    if current is not None:
        yield current


def _report_differences(
    record: RawRecord,
    head_idx: list[tuple[str, int]],
    first: list[Any],
    other: list[Any],
    row_no: int,
) -> None:
    for (name, _), a, b in zip(head_idx, first, other, strict=True):
        if a != b:
            message = f"differs between the rows of one record: {a!r} here, {b!r} in row {row_no}"
            record.errors.append(FieldError(name, message))
