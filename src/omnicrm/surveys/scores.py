"""Scores, pure over answers' overall scores: NPS = % promoters (9-10) - % detractors (0-6);
CSI = mean satisfaction and % satisfied (4-5 of 5). Every score comes with its counts."""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

PROMOTER, DETRACTOR = 9, 6  # NPS: >= 9 promotes, <= 6 detracts
SATISFIED = 4  # CSI: >= 4 of 5 is satisfied


@dataclass(frozen=True, slots=True)
class Scored:
    """One answer as scoring sees it: its overall score and what it may be grouped by."""

    score: float
    answered_at: datetime
    store: str | None
    channel: str
    customer_id: int | None
    source: str  # where it came from: the page, the till, or an import


@dataclass(frozen=True, slots=True)
class Score:
    group: str
    answers: int
    value: float | None
    """NPS (-100..100) or CSI mean (1..5); None for a group with no answers."""
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    satisfied_pct: float | None = None


def nps(scores: Iterable[float], group: str = "all") -> Score:
    values = list(scores)
    promoters = sum(1 for s in values if s >= PROMOTER)
    detractors = sum(1 for s in values if s <= DETRACTOR)
    n = len(values)
    value = round(100 * (promoters - detractors) / n, 1) if n else None
    return Score(group, n, value, promoters, n - promoters - detractors, detractors)


def csi(scores: Iterable[float], group: str = "all") -> Score:
    values = list(scores)
    n = len(values)
    if not n:
        return Score(group, 0, None)
    satisfied = sum(1 for s in values if s >= SATISFIED)
    return Score(group, n, round(sum(values) / n, 2), satisfied_pct=round(100 * satisfied / n, 1))


SCORERS = {"nps": nps, "csi": csi}


def month_of(a: Scored) -> str:
    return f"{a.answered_at:%Y-%m}"


def grouped(
    kind: str, answers: Iterable[Scored], key: Callable[[Scored], str | None]
) -> list[Score]:
    """The overall score first, then one per group (sorted; a missing key is ``-``)."""
    rows = list(answers)
    groups: dict[str, list[float]] = defaultdict(list)
    for a in rows:
        groups[key(a) or "-"].append(a.score)
    score = SCORERS[kind]
    return [score((a.score for a in rows), "all")] + [
        score(values, name) for name, values in sorted(groups.items())
    ]
