"""What the readers, the bulk importer and the router need to know about a source."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from omnicrm.ingest.canonical import Canonical
from omnicrm.ingest.catalog import Catalog

Validator = Callable[[Mapping[str, Any], Catalog], Canonical]

STAGE_REFERENCE, STAGE_MEMBERS, STAGE_ORDERS, STAGE_AFTER_ORDERS, STAGE_EVENTS = range(5)


@dataclass(frozen=True, slots=True)
class Source:
    """A channel's export. ``group_by``/``line_fields`` describe files with one row per line:
    consecutive rows with the same ``group_by`` values form one record whose ``line_fields``
    go into its ``lines`` list."""

    name: str
    file_stem: str
    stage: int
    validate: Validator
    group_by: tuple[str, ...] = ()
    line_fields: tuple[str, ...] = ()
    delimiter: str = ","

    @property
    def grouped(self) -> bool:
        return bool(self.group_by)
