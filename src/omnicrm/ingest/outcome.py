"""What happened to one record written: the answer the writer gives per record."""

from dataclasses import dataclass, field

from omnicrm.core.errors import FieldError


@dataclass(slots=True)
class Outcome:
    """``inserted``, ``updated`` (reference data), ``duplicate`` (already stored: ``id`` is the
    stored record's), ``rejected`` (a reference the database could not resolve) or
    ``suppressed`` (a registry member who was erased: nothing written)."""

    status: str
    id: int | None = None
    lines: int = 0
    errors: list[FieldError] = field(default_factory=list)
    suppressed: int = 0
    """Identifiers of erased people taken off the record before it was written."""
