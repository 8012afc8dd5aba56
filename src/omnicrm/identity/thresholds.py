"""The operator's settings of automatic matching: where a probable match merges on its own, where
it goes to review, and how the circuit breaker judges a batch. Stored (one row), changed by API,
CLI and the review page, checked before anything is saved.

Why stored and not constants: the right thresholds depend on the estate (how clean its registry
is, how much a wrong merge costs it), and the review decisions made so far show an operator where
precision falls off (``review.threshold_curve``); until an operator saves them the defaults hold.
"""

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.store.schema import IdentityControls

ROW = 1


@dataclass(frozen=True, slots=True)
class Thresholds:
    merge_at: float = 0.9
    """Match probability from which a pair is linked without a person looking. The model's prior
    is counted from the store's own data (``linkage_model``), so a probability means what it
    says; above this a pair the guard doubts still goes to review."""
    review_at: float = 0.5
    """Match probability from which a pair is queued for review."""
    breaker_factor: float = 5.0
    """A batch trips the breaker when it merges more than this many times its baseline rate ..."""
    breaker_floor: int = 50
    """... and more than this many profiles (a quiet batch never trips on a handful)."""
    breaker_window: int = 10
    """Earlier batches of the same kind whose median rate is the baseline."""
    stream_batch: int = 1000
    """Streamed records per batch of the stream (per server process)."""

    def as_dict(self) -> dict:
        return asdict(self)


LIMITS = {
    "breaker_factor": (1.0, 1000.0),
    "breaker_floor": (1, 1_000_000),
    "breaker_window": (1, 100),
    "stream_batch": (10, 1_000_000),
}


def problems(t: Thresholds) -> list[FieldError]:
    """Every bad field, named: probabilities in (0, 1], review below merge, counts in range."""
    errors = [
        FieldError(name, "must be above 0 and at most 1")
        for name in ("merge_at", "review_at")
        if not 0 < getattr(t, name) <= 1
    ]
    if not errors and t.review_at >= t.merge_at:
        errors.append(FieldError("review_at", "must be below merge_at"))
    for name, (low, high) in LIMITS.items():
        if not low <= getattr(t, name) <= high:
            errors.append(FieldError(name, f"must be {low:g}..{high:g}"))
    return errors


def _row(session: Session) -> IdentityControls | None:
    return session.get(IdentityControls, ROW)


def load(session: Session) -> Thresholds:
    """The saved settings, or the defaults before an operator saved any."""
    row = _row(session)
    if row is None:
        return Thresholds()
    return Thresholds(**{name: getattr(row, name) for name in Thresholds.__dataclass_fields__})


def controls_row(session: Session, now: datetime) -> IdentityControls:
    """The one row (created with the defaults on first use), for writers of the breaker state."""
    row = _row(session)
    if row is None:
        row = IdentityControls(
            id=ROW, updated_at=now, updated_by="defaults", **asdict(Thresholds())
        )
        session.add(row)
        session.flush()
    return row


def save(session: Session, changes: dict, now: datetime, by: str) -> Thresholds:
    """Apply ``changes`` (a subset of the fields) to the saved settings; an invalid result is
    refused whole (422 naming every bad field) and nothing changes."""
    unknown = sorted(set(changes) - set(Thresholds.__dataclass_fields__))
    if unknown:
        raise InvalidRecord([FieldError(name, "unknown setting") for name in unknown])
    settings = replace(load(session), **changes)
    errors = problems(settings)
    if errors:
        raise InvalidRecord(errors)
    row = controls_row(session, now)
    for name, value in settings.as_dict().items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = now, by
    return settings
