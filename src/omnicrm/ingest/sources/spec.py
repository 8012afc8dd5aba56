"""What the readers, the bulk importer and the router need to know about a source."""

from collections.abc import Callable, Mapping, Sequence
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
    go into its ``lines`` list. ``columns`` are the columns a flat file (CSV, Parquet) must have,
    ``optional_columns`` those it may have (a source with no ``columns`` has nested records and
    its validator alone judges them)."""

    name: str
    file_stem: str
    stage: int
    validate: Validator
    group_by: tuple[str, ...] = ()
    line_fields: tuple[str, ...] = ()
    delimiter: str = ","
    columns: tuple[str, ...] = ()
    optional_columns: tuple[str, ...] = ()

    @property
    def grouped(self) -> bool:
        return bool(self.group_by)

    def header_problem(self, header: Sequence[str]) -> str | None:
        """Why a file with these columns is not this source's export: required columns it lacks,
        columns the source does not have, a column named twice. A nested Parquet file keeps the
        line columns inside its ``lines`` column."""
        if not self.columns:
            return None
        required, allowed = set(self.columns), {*self.columns, *self.optional_columns}
        if self.grouped and "lines" in header:
            required -= set(self.line_fields)
            allowed = (allowed - set(self.line_fields)) | {"lines"}
        problems = [
            (what, names)
            for what, names in (
                (
                    "lacks the required column(s)",
                    [c for c in self.columns if c in required and c not in header],
                ),
                ("has unknown column(s)", [c for c in header if c not in allowed]),
                ("names twice", sorted({c for c in header if header.count(c) > 1})),
            )
            if names
        ]
        if not problems:
            return None
        found = "; ".join(f"{what} {', '.join(names)}" for what, names in problems)
        expected = ", ".join(self.columns)
        if self.optional_columns:
            expected += f" (optional: {', '.join(self.optional_columns)})"
        return f"the header {found}. A {self.name} file has the columns {expected}"
