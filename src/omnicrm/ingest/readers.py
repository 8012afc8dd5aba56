"""Streaming readers: CSV, JSON Lines and Parquet files become raw records one at a time, each
knowing the row it came from. Nothing reads a whole file into memory.

For sources with one row per line (receipts, call-centre orders, postings, returns), consecutive
rows with the same record key are grouped: the other columns once, the line columns in ``lines``
(the shape a streaming client posts). A record's row is its first row; ``line_rows`` keeps the
row of every line so an error on ``lines[2]`` points at the right row.
"""

import codecs
import csv
import io
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow.parquet as pq

from omnicrm.core.errors import FieldError
from omnicrm.ingest.encoding import UTF8, resolve
from omnicrm.ingest.sources import Source

FORMATS = (".csv", ".jsonl", ".parquet")
PARQUET_BATCH_ROWS = 8192
MAX_ROW_BYTES = 1 << 20
"""A CSV row longer than this (line breaks inside quotes included) is rejected without being
held: one huge field, or a quote left open that would swallow the rest of the file."""


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
    """Iterates the raw records of ``path`` as ``source``'s export and tracks the bytes read.

    ``encoding`` is what text files are read in (default: detected, see ``encoding``)."""

    def __init__(self, path: Path, source: Source, encoding: str | None = None) -> None:
        if path.suffix not in FORMATS:
            raise UnreadableFile(f"{path.name}: not one of {', '.join(FORMATS)}")
        if not path.is_file():
            raise UnreadableFile(f"{path}: no such file")
        self.path = path
        self.source = source
        self.size = path.stat().st_size
        try:
            self.encoding = resolve(path, encoding)
        except ValueError as exc:
            raise UnreadableFile(f"{path.name}: {exc}") from None
        self._binary: io.BufferedReader | None = None
        self._fraction = 0.0

    @property
    def bytes_read(self) -> int:
        if self._binary is not None and not self._binary.closed:
            return self._binary.tell()
        return int(self.size * self._fraction)

    def header(self) -> list[str] | None:
        """The file's column names (None for JSON Lines, whose records name their own)."""
        if self.path.suffix == ".parquet":
            try:
                return pq.ParquetFile(self.path).schema_arrow.names
            except Exception as exc:  # pyarrow raises several types for a damaged file
                raise UnreadableFile(f"{self.path.name}: {exc}") from exc
        if self.path.suffix == ".jsonl":
            return None
        with self.path.open("rb") as binary:
            lines = _Lines(binary, self.encoding)
            return _csv_header(self.path, lines, csv.reader(lines, delimiter=self.source.delimiter))

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
                if line.strip():
                    yield json_record(line, row_no, self.encoding)

    def _csv(self) -> Iterator[RawRecord]:
        with self.path.open("rb") as self._binary:
            lines = _Lines(self._binary, self.encoding)
            reader = csv.reader(lines, delimiter=self.source.delimiter)
            columns = _csv_header(self.path, lines, reader)
            if columns is not None:
                rows = _csv_rows(reader, lines, columns, self.source.delimiter)
                yield from group_rows(rows, columns, self.source)

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


def json_record(line: bytes, row_no: int, encoding: str = UTF8) -> RawRecord:
    """One JSON Lines record as the reader hands it out (an unreadable line is a record with an
    error, so it is reported with its row number)."""
    try:
        data = orjson.loads(line if encoding == UTF8 else line.decode(encoding))
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        return RawRecord({}, row_no, errors=[FieldError("record", f"not valid JSON: {exc}")])
    if not isinstance(data, dict):
        return RawRecord({}, row_no, errors=[FieldError("record", "must be a JSON object")])
    return RawRecord(data, row_no)


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


class _RowTooLong(Exception):
    """The CSV row being read passed ``MAX_ROW_BYTES``."""


class _Lines:
    """A CSV file's physical lines, decoded one at a time for ``csv.reader``, so that a bad
    byte or an oversized row stays the problem of its own row.

    ``row`` holds the raw lines of the row being read; lines pushed back to ``pending`` are
    read again (after a row with an open quote is cut back to its first line)."""

    def __init__(self, binary: io.BufferedReader, encoding: str) -> None:
        self.binary = binary
        self.encoding = encoding
        self.pending: deque[bytes] = deque()
        self.row: list[bytes] = []
        self.row_bytes = 0
        self.undecodable: UnicodeDecodeError | None = None
        self.first = True

    def start_row(self) -> None:
        self.row, self.row_bytes, self.undecodable = [], 0, None

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self.pending.popleft() if self.pending else self._read()
        if self.first:
            self.first = False
            if self.encoding == UTF8 and line.startswith(codecs.BOM_UTF8):
                line = line[len(codecs.BOM_UTF8) :]
        self.row.append(line)
        self.row_bytes += len(line)
        if self.row_bytes > MAX_ROW_BYTES:
            raise _RowTooLong
        try:
            return line.decode(self.encoding)
        except UnicodeDecodeError as exc:
            if self.undecodable is None:
                self.undecodable = exc
            return line.decode(self.encoding, errors="replace")

    def _read(self) -> bytes:
        line = self.binary.readline(MAX_ROW_BYTES + 1)
        if not line:
            raise StopIteration
        if len(line) > MAX_ROW_BYTES and not line.endswith(b"\n"):
            while (rest := self.binary.readline(MAX_ROW_BYTES)) and not rest.endswith(b"\n"):
                pass  # the rest of an oversized line is skipped unread
        return line

    def text(self, lines: list[bytes] | None = None) -> str:
        return b"".join(self.row if lines is None else lines).decode(self.encoding, "replace")


def _csv_header(path: Path, lines: _Lines, reader: Any) -> list[str] | None:
    """The header row (None for an empty file); a header that cannot be read is the file's fault."""
    try:
        header = next(reader)
    except StopIteration:
        return None
    except (csv.Error, _RowTooLong) as exc:
        problem = str(exc) or "too long"
        raise UnreadableFile(f"{path.name}: the header cannot be read ({problem})") from None
    if lines.undecodable is not None:
        problem = f"not {lines.encoding}: {lines.undecodable}"
        raise UnreadableFile(f"{path.name}: the header is {problem}")
    return header


def _csv_rows(
    reader: Any, lines: _Lines, columns: Sequence[str], delimiter: str
) -> Iterator[tuple[int, Sequence[Any]] | RawRecord]:
    """Rows of the header's width, numbered; any other row a RawRecord naming its problem."""
    width, row_no = len(columns), 1

    def bad(at: int, message: str) -> RawRecord:
        name = columns[at] if 0 <= at < width else "row"
        return RawRecord({}, row_no, errors=[FieldError(name, message)])

    while True:
        lines.start_row()
        try:
            row = next(reader)
        except StopIteration:
            return
        except _RowTooLong:
            row_no += 1
            if len(lines.row) == 1:  # one oversized line: skipped, named by the field it cuts
                at = _column_at(lines.text(), delimiter)
                yield bad(at, f"makes the row longer than {MAX_ROW_BYTES} bytes; row skipped")
            else:
                yield _open_quote(lines, columns, row_no, delimiter)
            continue
        except csv.Error as exc:
            row_no += 1
            limit = csv.field_size_limit()
            lengths = _field_lengths(lines.text(), delimiter)
            at = next((i for i, n in enumerate(lengths) if n > limit), len(lengths) - 1)
            yield bad(at, f"cannot be read: {exc}")
            continue
        row_no += 1
        if lines.undecodable is not None:
            exc, text = lines.undecodable, lines.text()
            at = _column_at(text[: text.index("\ufffd")], delimiter)
            byte = exc.object[exc.start : exc.start + 1].hex()
            message = f"byte 0x{byte} is not valid {lines.encoding}; declare the file's encoding"
            yield bad(at, message)
        elif len(row) == width:
            yield row_no, row
        elif len(lines.row) > 1:  # a quote opened on this line closes rows later
            yield _open_quote(lines, columns, row_no, delimiter)
        elif row:  # blank lines are not records
            yield bad(-1, f"has {len(row)} columns, the header has {width}")


def _open_quote(lines: _Lines, columns: Sequence[str], row_no: int, delimiter: str) -> RawRecord:
    """A row whose quote does not close on its line: only that line is rejected, and the lines
    it swallowed are read again as rows of their own."""
    first, *rest = lines.row
    lines.pending.extendleft(reversed(rest))
    at = _column_at(lines.text([first]), delimiter)
    name = columns[at] if at < len(columns) else "row"
    message = "opens a quote that does not close on its line (a quote inside a value is doubled)"
    return RawRecord({}, row_no, errors=[FieldError(name, message)])


def _field_lengths(text: str, delimiter: str) -> list[int]:
    """The length of each field of one row, quotes read as ``csv`` reads them (for naming the
    field a problem is in; only rejected rows pay for this loop)."""
    lengths, length, quoted = [], 0, False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            lengths.append(length)
            length = 0
        else:
            length += 1
    lengths.append(length)
    return lengths


def _column_at(text: str, delimiter: str) -> int:
    """The index of the field in which ``text`` (the start of a row) ends."""
    return len(_field_lengths(text, delimiter)) - 1
