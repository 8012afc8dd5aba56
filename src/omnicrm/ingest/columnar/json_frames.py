"""JSON Lines exports read as Arrow tables, cut into exactly the batches ``readers.RecordReader``
makes: one record per non-blank line, ``batch_size`` records a batch, each with its line number.

A batch is parsed against the source's schema, strictly: a value of another JSON type than the
schema's (a number where text is expected, a fraction where an integer is), a key given twice or
a line that is not an object fails the whole batch, which then goes to the validator record by
record (``table()`` is None), as does one with bytes that are not UTF-8 or a byte order mark.
Keys the schema does not name are ignored, as the validators do.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.json as pajson

from omnicrm.ingest.readers import RawRecord, json_record
from omnicrm.ingest.sources import Source

BOM = "\ufeff".encode()


@dataclass(frozen=True, slots=True)
class JsonFrame:
    """A batch of JSON records: line ``lines[r]`` (file row ``row_nos[r]``) is record ``r``."""

    lines: list[bytes]
    row_nos: list[int]
    schema: pa.Schema
    source: Source

    @property
    def records(self) -> int:
        return len(self.lines)

    def table(self) -> pa.Table | None:
        """The records parsed against the schema; None when the batch does not parse so.
        Parsed on demand: a worker reads every batch but validates only its own."""
        return parse_lines(self.lines, self.schema)

    def row_nos_of(self, records: np.ndarray) -> list[int]:
        return [self.row_nos[r] for r in records.tolist()]

    def raw_records(self, records: np.ndarray) -> list[RawRecord]:
        """Records as the row-by-row reader makes them, for the source's validator."""
        return [json_record(self.lines[r], self.row_nos[r]) for r in records.tolist()]


class JsonFrameReader:
    """The batches of a UTF-8 ``.jsonl`` file, tracking the bytes read for progress."""

    def __init__(self, path: Path, source: Source, batch_size: int, schema: pa.Schema) -> None:
        self.path = path
        self.source = source
        self.batch_size = batch_size
        self.schema = schema
        self.size = path.stat().st_size
        self.bytes_read = 0

    def __iter__(self) -> Iterator[JsonFrame]:
        lines: list[bytes] = []
        row_nos: list[int] = []
        with self.path.open("rb") as f:
            for row_no, line in enumerate(f, 1):
                self.bytes_read += len(line)
                if not line.strip():
                    continue
                lines.append(line)
                row_nos.append(row_no)
                if len(lines) == self.batch_size:
                    yield JsonFrame(lines, row_nos, self.schema, self.source)
                    lines, row_nos = [], []
        if lines:
            yield JsonFrame(lines, row_nos, self.schema, self.source)
        self.bytes_read = self.size


def parse_lines(lines: list[bytes], schema: pa.Schema) -> pa.Table | None:
    """``lines`` as one table of ``schema`` (a row per line), or None if any line does not fit."""
    text = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
    if BOM in text:  # Arrow skips a byte order mark that the record reader refuses
        return None
    try:
        text.decode()  # Arrow keeps bytes that are not UTF-8 as text
        table = pajson.read_json(
            io.BytesIO(text),
            read_options=pajson.ReadOptions(use_threads=False, block_size=max(len(text), 1)),
            parse_options=pajson.ParseOptions(
                explicit_schema=schema, unexpected_field_behavior="ignore"
            ),
        )
    except (pa.ArrowException, UnicodeDecodeError):
        return None
    return table if table.num_rows == len(lines) else None
