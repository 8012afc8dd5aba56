"""What identity resolution decides and why: merges with their evidence, manual link rules,
the review queue of probable matches, and identifiers quarantined as shared or suspicious.

Raw records are never rewritten by resolution; these tables (and the ``customer_id`` columns of
orders, events and identifiers) are its whole output, so every decision can be explained and undone.
"""

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class Merge(Base):
    """One profile absorbed into another; ``absorbed_id`` stays an alias of the survivor."""

    __tablename__ = "identity_merges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # deterministic | probabilistic | manual
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    undone_reason: Mapped[str | None] = mapped_column(String(200))


class LinkRule(Base):
    """A person's decision that outranks the matcher: two profiles are never / always one.

    ``left_id < right_id`` so that a pair has one spelling.
    """

    __tablename__ = "identity_rules"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # never_link | always_link
    left_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    right_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("kind", "left_id", "right_id"),)


class ReviewItem(Base):
    """A probable match the model was not sure enough to merge: a person decides."""

    __tablename__ = "identity_review_queue"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    left_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    right_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    # pending | approved | rejected | stale (its two profiles became one, or one is gone)
    status: Mapped[str] = mapped_column(String(10), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("identity_merges.id"))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    """Who decided (``web:<user>``, ``api:<key>``, ``cli``) and how (``bulk >= 0.95``)."""
    queued_because: Mapped[str | None] = mapped_column(String(200))
    """Why a person must look: None for a score between the thresholds; the circuit breaker's
    reason for a pair it held back from an automatic merge."""

    # The queue is read best first by status: at millions of profiles the model queues tens of
    # thousands of pairs, and a page must not sort them all.
    __table_args__ = (UniqueConstraint("left_id", "right_id"), Index(None, "status", "score"))


class QuarantinedIdentifier(Base):
    """An identifier that names no single person (a family phone, a cashier's house card): it is
    kept on the records that carried it but links nothing."""

    __tablename__ = "quarantined_identifiers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(32))  # shared | house_card | conflict
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("kind", "value"), Index(None, "reason"))


class IdentityControls(Base):
    """The operator's settings of automatic matching (one row, ``id`` 1) and the state of the
    circuit breaker: while ``breaker_open_since`` is set nothing merges automatically."""

    __tablename__ = "identity_controls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    merge_at: Mapped[float] = mapped_column(Float)
    review_at: Mapped[float] = mapped_column(Float)
    breaker_factor: Mapped[float] = mapped_column(Float)
    breaker_floor: Mapped[int] = mapped_column(Integer)
    breaker_window: Mapped[int] = mapped_column(Integer)
    stream_batch: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_by: Mapped[str] = mapped_column(String(120))
    breaker_open_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    breaker_reason: Mapped[str | None] = mapped_column(String(300))


class ResolutionBatch(Base):
    """One batch of automatic merging the circuit breaker judged: a bulk probabilistic run, or a
    window of ``stream_batch`` streamed records; its rate is the baseline of the next ones."""

    __tablename__ = "identity_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # bulk | stream
    records: Mapped[int] = mapped_column(Integer)
    merges: Mapped[int] = mapped_column(Integer)
    """Automatic merges the batch proposed (made, or held back when the breaker tripped)."""
    baseline: Mapped[float | None] = mapped_column(Float)
    """Trailing median of merges per 1,000 records of the earlier batches (None: too few)."""
    tripped: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "kind", "id"),)
