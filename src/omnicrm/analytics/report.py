"""The one result shape every analysis returns: named columns and rows, with notes saying what the
figures do not cover. The API, the CLI and the exports all take this shape."""

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Report:
    name: str
    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    notes: list[str] = field(default_factory=list)
    total: int | None = None
    """Rows there were before a row limit cut them (None: nothing was cut)."""

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def column(self, name: str) -> list[Any]:
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


def share(part: float | None, whole: float | None, digits: int = 4) -> float | None:
    """``part / whole`` rounded, or None when there is no whole."""
    if not whole or part is None:
        return None
    return round(part / whole, digits)


def per(amount: int | None, count: int | None) -> int | None:
    """Money per unit in integer minor units, rounded half up (never via float)."""
    if not count or amount is None:
        return None
    return (2 * amount + count) // (2 * count)
