"""Orders recognised column-wise, and their writing: the rows ``writer.write_orders`` would
write for the same records, built and inserted a column at a time.

Every table an order fills is a set of columns; a child table (lines, payments, ...) carries
``owner``, the position of its order, which becomes ``order_id`` once ids are reserved. The
batch has already sent records whose key repeats within it to the validator, so the only
duplicates left here are orders stored before.
"""

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from omnicrm.ingest.outcome import Outcome
from omnicrm.ingest.sinks import Sink
from omnicrm.privacy.suppression import suppressed_among

Columns = dict[str, pa.Array | np.ndarray]

IDENTS = "record_identifiers"
STORED_KEYS = "SELECT source, source_key, id FROM orders WHERE source = ? AND source_key IN ({in})"


@dataclass(slots=True)
class Part:
    """Rows of one child table: ``owner[i]`` is the position of row i's order."""

    owner: np.ndarray
    columns: Columns
    id_column: str = "order_id"


@dataclass(slots=True)
class PlainOrders:
    source: str
    records: np.ndarray
    """The batch record each order came from."""
    orders: Columns
    """``orders`` columns other than ``id`` and ``source``; ``source_key`` included."""
    parts: dict[str, Part] = field(default_factory=dict)
    lines_per_order: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def empty(cls, source: str) -> "PlainOrders":
        """No plain orders: every record of the batch goes to the validator."""
        return cls(source, np.zeros(0, np.int64), {"source_key": pa.array([], pa.string())})

    def __len__(self) -> int:
        return len(self.records)

    def keys(self) -> list[str]:
        return _array(self.orders["source_key"]).to_pylist()

    def only(self, keep: np.ndarray) -> "PlainOrders":
        """These orders without the ones where ``keep`` is False."""
        position = np.cumsum(keep) - 1
        parts = {}
        for table, part in self.parts.items():
            rows = keep[part.owner]
            owner = position[part.owner][rows]
            parts[table] = Part(owner, _take(part.columns, rows), part.id_column)
        return PlainOrders(
            self.source,
            self.records[keep],
            _take(self.orders, keep),
            parts,
            self.lines_per_order[keep],
        )


def write_plain_orders(sink: Sink, plain: PlainOrders) -> list[Outcome]:
    """Insert the orders not stored yet; one outcome per order, in order."""
    keys = plain.keys()
    stored = {key: id_ for _, key, id_ in sink.select_in(STORED_KEYS, keys, plain.source)}
    fresh = np.fromiter((key not in stored for key in keys), dtype=bool, count=len(keys))
    new = plain.only(fresh) if not fresh.all() else plain
    stripped = _strip_suppressed(sink, new)
    ids = np.asarray(sink.reserve_ids("orders", len(new)), dtype=np.int64)
    if len(new):
        sink.insert_columns(
            "orders",
            {"id": ids, "source": pa.repeat(pa.scalar(plain.source), len(new)), **new.orders},
        )
        for table, part in new.parts.items():
            sink.insert_columns(table, {part.id_column: ids[part.owner], **part.columns})
    new_ids = iter(ids.tolist())
    new_lines = iter(new.lines_per_order.tolist())
    new_stripped = iter(stripped.tolist())
    return [
        Outcome("inserted", next(new_ids), next(new_lines), suppressed=next(new_stripped))
        if is_new
        else Outcome("duplicate", stored[key])
        for key, is_new in zip(keys, fresh.tolist(), strict=True)
    ]


def _strip_suppressed(sink: Sink, plain: PlainOrders) -> np.ndarray:
    """Take erased people's identifiers off (``privacy.suppression``), and with them the free
    text (contact name, delivery address) of the orders that lost one, as ``strip_record``
    does. How many each order lost."""
    stripped = np.zeros(len(plain), np.int64)
    part = plain.parts.get(IDENTS)
    if part is None or not len(part.owner):
        return stripped
    kinds, values = (_array(part.columns[c]).to_pylist() for c in ("kind", "value"))
    pairs = list(zip(kinds, values, strict=True))
    suppressed = suppressed_among(sink, pairs)
    if suppressed:
        hit = np.fromiter((p in suppressed for p in pairs), dtype=bool, count=len(pairs))
        np.add.at(stripped, part.owner[hit], 1)
        plain.parts[IDENTS] = Part(part.owner[~hit], _take(part.columns, ~hit), part.id_column)
        _blank(plain.orders, np.arange(len(plain)), "contact_name", stripped)
        if "fulfilments" in plain.parts:
            part = plain.parts["fulfilments"]
            _blank(part.columns, part.owner, "address", stripped)
    return stripped


def _blank(columns: Columns, owner: np.ndarray, name: str, stripped: np.ndarray) -> None:
    """Column ``name`` (if the orders have it) null in the rows of orders that lost one."""
    if name in columns:
        values = _array(columns[name])
        lost = pa.array(stripped[owner] > 0)
        columns[name] = pc.if_else(lost, pa.scalar(None, values.type), values)


def _take(columns: Columns, keep: np.ndarray) -> Columns:
    return {
        name: values[keep] if isinstance(values, np.ndarray) else values.filter(pa.array(keep))
        for name, values in columns.items()
    }


def _array(values: pa.Array | np.ndarray) -> pa.Array:
    return values if isinstance(values, pa.Array) else pa.array(values)
