"""The account of an import: counts per source and the first rejected rows."""

from dataclasses import dataclass, field

MAX_REPORTED_ERRORS = 100


@dataclass(slots=True)
class SourceCounts:
    records: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    rejected: int = 0
    suppressed: int = 0
    """Records of erased people: a member not recreated, or a record stored without their
    identifiers (``privacy.suppression``); counted besides inserted or skipped."""
    lines: int = 0
    """Order (or return) lines of the inserted records."""
    seconds: float = 0.0

    def add(self, other: "SourceCounts") -> None:
        for name in self.__slots__:  # type: ignore[attr-defined]
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True, slots=True)
class RejectedRow:
    source: str
    file_name: str
    row_no: int
    field: str
    message: str


@dataclass(slots=True)
class ImportReport:
    sources: dict[str, SourceCounts] = field(default_factory=dict)
    errors: list[RejectedRow] = field(default_factory=list)
    """The first ``MAX_REPORTED_ERRORS`` rejected fields (all of them are in ``import_errors``)."""
    suppressed: list[RejectedRow] = field(default_factory=list)
    """The first ``MAX_REPORTED_ERRORS`` rows suppressed, with what was done; they are not kept
    in ``import_errors`` (that would store the erased person's row again)."""
    skipped_batches: int = 0
    """Batches a previous run of the same file committed already (counted as duplicates)."""

    def counts(self, source: str) -> SourceCounts:
        return self.sources.setdefault(source, SourceCounts())

    def add_errors(self, errors: list[RejectedRow]) -> None:
        self.errors.extend(errors[: MAX_REPORTED_ERRORS - len(self.errors)])

    def add_suppressed(self, rows: list[RejectedRow]) -> None:
        self.suppressed.extend(rows[: MAX_REPORTED_ERRORS - len(self.suppressed)])

    def merge(self, other: "ImportReport") -> None:
        for source, counts in other.sources.items():
            self.counts(source).add(counts)
        self.add_errors(other.errors)
        self.add_suppressed(other.suppressed)
        self.skipped_batches += other.skipped_batches

    @property
    def total(self) -> SourceCounts:
        total = SourceCounts()
        for counts in self.sources.values():
            total.add(counts)
        return total
