"""Probabilistic matching of profiles that share no key (Fellegi-Sunter with Splink on DuckDB).

Each live profile is described by canonical Latin first and last name (``translit``), birth date,
city and phone digits (the operator code and last two digits, which is all a marketplace shows of
a masked phone, and what a full phone also gives). The model's m and u probabilities are learnt on
the store's own data (u from random pairs, m by EM), never downloaded. Above ``MERGE_AT`` a pair is
merged (method 'probabilistic', evidence = score and compared fields) and an always-link rule keeps
it on replay; between ``REVIEW_AT`` and ``MERGE_AT`` it goes to the review queue; below, nothing.

The settings are backend-free Splink ``SettingsCreator`` objects: the same model runs on Spark
(``SparkAPI``) when the profiles no longer fit one machine.
"""

import logging
from dataclasses import dataclass

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, select, text

from omnicrm.core.clock import utcnow
from omnicrm.identity.merge import merge_profiles
from omnicrm.identity.person import PersonFacts, clearly_different
from omnicrm.identity.rules import add_rule
from omnicrm.identity.translit import canonical_name, split_full_name
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import LinkRule, ReviewItem

MERGE_AT = 0.995
REVIEW_AT = 0.80
SEED = 42


@dataclass
class MatchOutcome:
    merged: int = 0
    queued: int = 0
    compared: int = 0


def _profiles(engine: Engine) -> pa.Table:
    """One row per live profile with the fields the model compares."""
    with engine.connect() as conn:
        people = conn.execute(
            text(
                """SELECT c.id, c.first_name, c.last_name, c.birth_date, c.city,
                          (SELECT min(o.contact_name) FROM orders o
                           WHERE o.customer_id = c.id) AS contact
                   FROM customers c WHERE c.merged_into_id IS NULL"""
            )
        ).all()
        phones = conn.execute(
            text(
                """SELECT o.customer_id, ri.value FROM record_identifiers ri
                   JOIN orders o ON ri.record_type = 'order' AND o.id = ri.record_id
                   WHERE ri.kind IN ('phone', 'phone_mask') AND o.customer_id IS NOT NULL
                   UNION SELECT customer_id, value FROM identifiers
                   WHERE kind = 'phone' AND customer_id IS NOT NULL"""
            )
        ).all()
    phone_key: dict[int, str] = {}
    for cid, value in phones:
        if value.startswith("+7") and len(value) == 12:
            phone_key.setdefault(cid, value[2:5] + value[-2:])
    rows = []
    for cid, first, last, birth, city, contact in people:
        if not first and not last and contact:
            first, last = split_full_name(contact)
        fn, ln = canonical_name(first), canonical_name(last)
        if not fn and not ln:
            continue
        initial = ln[:1] or None
        if last and len(last.strip().rstrip(".")) == 1:
            ln = (
                ""  # "Анна И.": only the initial is known, so the surname is missing, not different
            )
        rows.append(
            {
                "unique_id": cid, "first_name": fn or None, "last_name": ln or None,
                "last_initial": initial, "birth_date": str(birth) if birth else None,
                "city": (city or "").strip().lower() or None, "phone_key": phone_key.get(cid),
                "raw_first": first, "raw_last": last,
            }
        )  # fmt: skip
    return pa.Table.from_pylist(rows)


def _settings():  # type: ignore[no-untyped-def]
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "phone_key"),
            block_on("last_name", "birth_date"),
            block_on("first_name", "last_initial", "phone_key"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("first_name", [0.92, 0.84]),
            cl.JaroWinklerAtThresholds("last_name", [0.92, 0.84]),
            cl.ExactMatch("last_initial"),
            cl.ExactMatch("birth_date"),
            cl.ExactMatch("city"),
            cl.ExactMatch("phone_key"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def score_pairs(profiles: pa.Table) -> list[tuple[int, int, float, dict]]:
    """Candidate pairs above ``REVIEW_AT`` with their probability and the fields that agreed."""
    from splink import DuckDBAPI, Linker, block_on

    if profiles.num_rows < 2:
        return []
    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = DuckDBAPI(connection=duckdb.connect())
    table = db_api.register(profiles.drop_columns(["raw_first", "raw_last"]), table_name="profiles")
    linker = Linker(table, _settings())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e5, seed=SEED)
    for rule in (
        block_on("phone_key"),
        block_on("first_name", "last_initial"),
        block_on("birth_date"),
    ):
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
        except (ValueError, ZeroDivisionError):  # a block too small or too pure to learn from
            continue
    scored = linker.inference.predict(threshold_match_probability=REVIEW_AT).as_duckdbpyrelation()
    rows = (
        scored.select(
            "unique_id_l, unique_id_r, match_probability, first_name_l, first_name_r, last_name_l, "
            "last_name_r, birth_date_l, birth_date_r, phone_key_l, phone_key_r"
        )
        .order("unique_id_l, unique_id_r")
        .fetchall()
    )
    out = []
    for l_id, r_id, p, fl, fr, ll, lr, bl, br, pl, pr in rows:
        agreed = {
            "first_name": fl == fr,
            "last_name": ll == lr,
            "birth_date": bl == br and bl is not None,
            "phone_digits": pl == pr and pl is not None,
        }
        out.append((min(l_id, r_id), max(l_id, r_id), float(p), agreed))
    return out


def match_profiles(engine: Engine) -> MatchOutcome:
    """Score profiles with no shared key; merge the sure pairs, queue the likely ones."""
    profiles = _profiles(engine)
    pairs = score_pairs(profiles)
    facts = {
        r["unique_id"]: PersonFacts(r["raw_first"], r["raw_last"], None)
        for r in profiles.to_pylist()
    }
    outcome = MatchOutcome(compared=len(pairs))
    with unit_of_work(engine) as session:
        never = set(
            session.execute(
                select(LinkRule.left_id, LinkRule.right_id).where(LinkRule.kind == "never_link")
            ).all()
        )
        queued = set(session.execute(select(ReviewItem.left_id, ReviewItem.right_id)).all())
        for left, right, p, agreed in pairs:
            if (left, right) in never or clearly_different(facts[left], facts[right]):
                continue
            evidence = {"score": round(p, 6), "compared": agreed, "model": "splink-fellegi-sunter"}
            if p >= MERGE_AT:
                try:
                    merge_profiles(
                        session, left, right, method="probabilistic", score=p, evidence=evidence
                    )
                except Exception:
                    continue
                add_rule(session, "always_link", left, right, reason=f"probabilistic {p:.4f}")
                outcome.merged += 1
            elif (left, right) not in queued:
                session.add(
                    ReviewItem(
                        left_id=left,
                        right_id=right,
                        score=p,
                        evidence=evidence,
                        status="pending",
                        created_at=utcnow(),
                    )
                )
                outcome.queued += 1
    return outcome
