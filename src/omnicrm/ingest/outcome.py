"""What happened to one record written: the answer the writer gives per record."""

from dataclasses import dataclass, field

from omnicrm.core.errors import FieldError


@dataclass(slots=True)
class Outcome:
    """``inserted``, ``updated`` (reference data), ``duplicate`` (already stored: ``id`` is the
    stored record's) or ``rejected`` (a reference the database could not resolve)."""

    status: str
    id: int | None = None
    lines: int = 0
    errors: list[FieldError] = field(default_factory=list)
