"""Probabilistic matching of profiles that share no key (Fellegi-Sunter with Splink on DuckDB).

Each live profile is described by its names, birth date, gender, address and phone digits
(``profiles``) and every candidate pair scored by a model trained on the store's own data
(``linkage_model``: blocking on several fields, graded comparisons, m by EM, u from random pairs,
term frequencies on surnames and birth dates). Above the operator's ``merge_at`` (``thresholds``)
a pair is linked: an always-link rule (``reason`` "probabilistic <score>") is recorded and the
profiles involved are re-resolved in one set-based pass, so a replay keeps the link and the merge
says 'probabilistic' with its score; between ``review_at`` and ``merge_at`` it goes to the review
queue; below, nothing. Every pair keeps the match weight of each comparison as its evidence, the
explanation the review page shows.

Two things hold an automatic merge back and send the pair to a person instead, with the reason:
the guard (``doubt``: the two people look clearly different even allowing for typos: another
first name, birth dates several digits apart, another gender), and the circuit breaker
(``breaker``) when a run proposes far more links than the runs before it. Neither drops a pair
the model scored: the guard is a reason to look, not a silent veto.

The settings are backend-free Splink ``SettingsCreator`` objects: the same model runs on Spark
(``SparkAPI``) when the profiles no longer fit one machine.
"""

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine, insert, select

from omnicrm.core.clock import utcnow
from omnicrm.identity import breaker, thresholds
from omnicrm.identity.linkage_model import score_pairs
from omnicrm.identity.person import names_differ
from omnicrm.identity.profiles import profiles as read_profiles
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import LinkRule, ReviewItem

if TYPE_CHECKING:
    from splink.internals.database_api import DatabaseAPI

RULE_PREFIX = "probabilistic"
DOB_DIGITS_APART = 2
"""Birth dates differing in more digits than this (and not by a day/month swap) are a doubt."""


@dataclass
class MatchOutcome:
    merged: int = 0
    queued: int = 0
    compared: int = 0
    profiles: int = 0
    held_by_guard: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _dates_apart(a: str | None, b: str | None) -> bool:
    if not a or not b or a == b:
        return False
    if len(a) == len(b) == 8 and a[:4] == b[:4] and a[4:6] == b[6:] and a[6:] == b[4:6]:
        return False  # day and month swapped
    return len(a) != len(b) or sum(x != y for x, y in zip(a, b, strict=True)) > DOB_DIGITS_APART


def doubt(a: dict, b: dict, weights: dict | None = None) -> str | None:
    """Why profiles ``a`` and ``b`` (compared columns) look like two people despite the score:
    None when nothing speaks against one person. Typos, swapped names, diminutives, a date off
    by a digit or two are no doubt. Given the pair's ``weights`` (``linkage_model``), another
    birth date or gender counts only where the model too weighed it against the pair; another
    first name always does (a family's one home must not outvote it)."""
    against = {
        c: weights is None or weights.get(c, {"weight": 0.0})["weight"] < 0
        for c in ("gender", "dob")
    }
    if against["gender"] and a["gender"] and b["gender"] and a["gender"] != b["gender"]:
        return "genders differ"
    if against["dob"] and _dates_apart(a["dob"], b["dob"]):
        return "birth dates differ"
    same_key = a["first_key"] and a["first_key"] == b["first_key"]
    first_a = None if same_key else a["raw_first"]
    first_b = None if same_key else b["raw_first"]
    if names_differ((first_a, a["raw_last"]), (first_b, b["raw_last"])):
        return "names differ"
    return None


def match_profiles(engine: Engine, db_api: "DatabaseAPI | None" = None) -> MatchOutcome:
    """Score profiles with no shared key; link the sure pairs, queue the likely ones."""
    outcome, tick = MatchOutcome(), time.perf_counter()

    def step(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        outcome.seconds[name] = round(now - tick, 3)
        tick = now

    profiles = read_profiles(engine)
    outcome.profiles = profiles.num_rows
    with unit_of_work(engine) as session:
        settings = thresholds.load(session)
    step("read")
    pairs = score_pairs(profiles, settings.review_at, db_api)
    outcome.compared = len(pairs)
    step("score")
    rows = {r["unique_id"]: r for r in profiles.to_pylist()}
    with unit_of_work(engine) as session:
        never, linked = (
            set(
                session.execute(
                    select(LinkRule.left_id, LinkRule.right_id).where(LinkRule.kind == kind)
                ).all()
            )
            for kind in ("never_link", "always_link")
        )
        queued = set(session.execute(select(ReviewItem.left_id, ReviewItem.right_id)).all())
        now = utcnow()
        sure, items = [], []

        def review(left: int, right: int, p: float, evidence: dict, why: str | None) -> None:
            if (left, right) not in queued:
                items.append(
                    {"left_id": left, "right_id": right, "score": p, "evidence": evidence,
                     "status": "pending", "created_at": now, "queued_because": why}
                )  # fmt: skip

        for left, right, p, explained in pairs:
            if (left, right) in never:
                continue
            why = doubt(rows[left], rows[right], explained["weights"])
            evidence = {"score": round(p, 6), "model": "splink-fellegi-sunter", **explained}
            if why:
                evidence["doubt"] = why
            if p < settings.merge_at:
                review(left, right, p, evidence, None)
            elif why:  # the guard: a person looks before two such profiles become one
                outcome.held_by_guard += 1
                review(left, right, p, evidence, f"guard: {why}")
            elif (left, right) not in linked:
                sure.append((left, right, p, evidence))
        breaker.record_batch(session, "bulk", profiles.num_rows, len(sure))
        held = breaker.open_reason(session)
        rules = []
        for left, right, p, evidence in sure:
            if not held:
                rules.append(
                    {"kind": "always_link", "left_id": left, "right_id": right,
                     "reason": f"{RULE_PREFIX} {p:.6f}", "created_at": now}
                )  # fmt: skip
            else:  # the breaker is open: a person decides
                review(left, right, p, evidence, held)
        if rules:
            session.execute(insert(LinkRule), rules)
        if items:
            session.execute(insert(ReviewItem), items)
        outcome.queued = len(items)
        if rules:
            from omnicrm.identity.resolve import reresolve_profiles

            touched = sorted({r["left_id"] for r in rules} | {r["right_id"] for r in rules})
            stats = reresolve_profiles(session, touched)
            outcome.merged = stats.merges
    step("link")
    return outcome
