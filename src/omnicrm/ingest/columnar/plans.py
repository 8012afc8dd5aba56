"""The sources with a columnar plan: a function from a batch's records to the plain orders
among them (see ``columnar``), and how the batches are read."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.columnar import online, pos
from omnicrm.ingest.columnar.frames import FrameReader, RecordFrame
from omnicrm.ingest.columnar.json_frames import JsonFrame, JsonFrameReader
from omnicrm.ingest.columnar.plain_orders import PlainOrders
from omnicrm.ingest.encoding import UTF8
from omnicrm.ingest.sources import Source

Frame = RecordFrame | JsonFrame


@dataclass(frozen=True, slots=True)
class Plan:
    plain: Callable[[Frame, Catalog], PlainOrders]
    json_schema: pa.Schema | None = None
    """Set for a source exporting nested JSON Lines (read by ``json_frames``); else the source
    exports one row per line (CSV, Parquet: ``frames``)."""

    def reader(
        self, path: Path, source: Source, batch_size: int, encoding: str
    ) -> FrameReader | JsonFrameReader | None:
        """The file's column-wise reader, or None when it is read record by record."""
        if self.json_schema is None:
            return (
                None if path.suffix == ".jsonl" else FrameReader(path, source, batch_size, encoding)
            )
        if path.suffix != ".jsonl" or encoding != UTF8:
            return None
        return JsonFrameReader(path, source, batch_size, self.json_schema)


PLANS: dict[str, Plan] = {
    "pos": Plan(pos.plain_sales),  # type: ignore[arg-type]
    "web": Plan(online.online_orders_plan("web", "web"), online.SCHEMA),  # type: ignore[arg-type]
    "app": Plan(online.online_orders_plan("app", "app"), online.SCHEMA),  # type: ignore[arg-type]
}
