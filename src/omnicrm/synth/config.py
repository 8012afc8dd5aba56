"""Settings of one synthetic run: what the seed and scale fix, and the knobs of the model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

FORMATS = ("native", "parquet")


@dataclass(frozen=True)
class SynthConfig:
    """Everything that decides the bytes written.

    The period is fixed rather than relative to today so that a seed always means the same data.
    ``chunk_size`` is part of the output identity (persons are generated chunk by chunk from
    spawned seeds), so it is not tied to the number of worker processes.
    """

    customers: int
    seed: int = 42
    fmt: str = "native"
    start: date = date(2025, 1, 1)
    end: date = date(2026, 3, 31)  # inclusive
    chunk_size: int = 10_000
    n_skus: int = 3_000
    # Share of the population that was already a customer on the first day of the period.
    existing_share: float = 0.7
    loyalty_share: float = 0.62

    def __post_init__(self) -> None:
        if self.customers < 1:
            raise ValueError("customers must be at least 1")
        if self.fmt not in FORMATS:
            raise ValueError(f"fmt must be one of {FORMATS}, not {self.fmt!r}")
        if self.end < self.start:
            raise ValueError("end must not precede start")

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def n_chunks(self) -> int:
        return -(-self.customers // self.chunk_size)

    def chunk_bounds(self, chunk: int) -> tuple[int, int]:
        """Global person index range ``[lo, hi)`` of one chunk."""
        lo = chunk * self.chunk_size
        return lo, min(lo + self.chunk_size, self.customers)
