"""Probabilistic matching of profiles that share no key (Fellegi-Sunter with Splink on DuckDB).

Each live profile is described by canonical Latin first and last name (``translit``; a surname
known only by its initial, as a marketplace shows it, counts as missing, its initial kept apart),
birth date, gender, city and phone digits (the operator code and the last two digits: all a
marketplace shows of a masked phone, and what a full phone also gives). Candidates come from
blocks a person would use: first name + surname initial + phone digits (a marketplace buyer and
the member behind it), surname + birth date and first name + birth date (a duplicate card typed
anew, a Latin spelling, a typo).

The model's m and u probabilities are learnt on the store's own data (u from random pairs, m by EM
on the blocks), never downloaded, and common names weigh less than rare ones (term frequencies).
Above the operator's ``merge_at`` (``thresholds``) a pair is linked: an always-link rule
(``reason`` "probabilistic <score>") is recorded and the profiles involved are re-resolved in one
set-based pass, so a replay keeps the link and the merge says 'probabilistic' with its score;
between ``review_at`` and ``merge_at`` it goes to the review queue; below, nothing. A run
proposing far more links than the runs before it trips the circuit breaker (``breaker``): its
links go to the review queue instead, with the reason. A pair whose people are clearly different
(a birth date or a name disagrees) is never linked, whatever the score.

The settings are backend-free Splink ``SettingsCreator`` objects: the same model runs on Spark
(``SparkAPI``) when the profiles no longer fit one machine.
"""

import contextlib
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from sqlalchemy import Engine, insert, select

from omnicrm.core.clock import utcnow
from omnicrm.identity import breaker, thresholds
from omnicrm.identity.arrow_io import read_table
from omnicrm.identity.person import PersonFacts, clearly_different
from omnicrm.identity.translit import canonical_name, split_full_name
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import LinkRule, ReviewItem

if TYPE_CHECKING:
    from splink.internals.database_api import DatabaseAPI

SEED = 42
PRIOR = 1e-4
"""Probability that two random profiles are one person, until the store's own data says."""
RULE_PREFIX = "probabilistic"

PROFILE_SCHEMA = pa.schema(
    [
        ("customer_id", pa.int64()),
        ("first_name", pa.string()),
        ("last_name", pa.string()),
        ("birth_date", pa.string()),
        ("gender", pa.string()),
        ("city", pa.string()),
        ("contact", pa.string()),
        ("phone", pa.string()),
    ]
)


@dataclass
class MatchOutcome:
    merged: int = 0
    queued: int = 0
    compared: int = 0
    profiles: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _read_profiles(engine: Engine) -> pa.Table:
    """One row per live profile: its registry facts (or, for a profile resolution created, the
    name its orders gave) and the phone its records carried most often (a full or masked one; a
    quarantined family phone says nothing about who is who, so it does not count). Three plain
    reads joined in DuckDB: no correlated query on the store."""
    with engine.connect() as conn:
        people = read_table(
            conn,
            """SELECT id, first_name, last_name, birth_date, gender, city FROM customers
               WHERE merged_into_id IS NULL""",
            pa.schema([f for f in PROFILE_SCHEMA if f.name not in ("contact", "phone")]),
        )
        names = read_table(
            conn,
            """SELECT customer_id, min(contact_name) FROM orders
               WHERE customer_id IS NOT NULL AND contact_name IS NOT NULL GROUP BY customer_id""",
            pa.schema([("customer_id", pa.int64()), ("contact", pa.string())]),
        )
        phones = read_table(
            conn,
            """SELECT o.customer_id, ri.value, count(*) FROM record_identifiers ri
               JOIN orders o ON ri.record_type = 'order' AND o.id = ri.record_id
               WHERE ri.kind IN ('phone', 'phone_mask') AND o.customer_id IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM quarantined_identifiers q
                                 WHERE q.kind = ri.kind AND q.value = ri.value)
               GROUP BY o.customer_id, ri.value
               UNION ALL
               SELECT customer_id, value, 1000000 FROM identifiers
               WHERE kind = 'phone' AND customer_id IS NOT NULL""",
            pa.schema([("customer_id", pa.int64()), ("phone", pa.string()), ("n", pa.int64())]),
        )
    db = duckdb.connect()
    db.register("people", people)
    db.register("names", names)
    db.register("phones", phones)
    return (
        db.execute(
            """SELECT p.customer_id, p.first_name, p.last_name, p.birth_date, p.gender, p.city,
                  n.contact, b.phone
           FROM people p LEFT JOIN names n USING (customer_id)
           LEFT JOIN (SELECT customer_id, arg_max(phone, (n, phone)) AS phone FROM phones
                      GROUP BY customer_id) b USING (customer_id)
           ORDER BY p.customer_id"""
        )
        .to_arrow_table()
        .cast(PROFILE_SCHEMA)
    )


def _phone_key(value: str | None) -> str | None:
    if value and value.startswith("+7") and len(value) == 12:
        return value[2:5] + value[-2:]
    return None


def _profiles(engine: Engine) -> pa.Table:
    """The comparison columns of every live profile with a name."""
    raw = _read_profiles(engine)
    cols = raw.to_pydict()
    out: dict[str, list] = {k: [] for k in ("unique_id", "first_name", "last_name",
                                            "last_initial", "birth_date", "gender", "city",
                                            "phone_key", "raw_first", "raw_last")}  # fmt: skip
    for cid, first, last, birth, gender, city, contact, phone in zip(
        *(cols[n] for n in PROFILE_SCHEMA.names), strict=True
    ):
        if not first and not last and contact:
            first, last = split_full_name(contact)
        fn, ln = canonical_name(first), canonical_name(last)
        if not fn and not ln:
            continue
        initial = ln[:1] or None
        if last and len(last.strip().rstrip(".")) == 1:
            ln = ""  # "Анна И.": only the initial is known; the surname is missing, not different
        out["unique_id"].append(cid)
        out["first_name"].append(fn or None)
        out["last_name"].append(ln or None)
        out["last_initial"].append(initial)
        out["birth_date"].append(str(birth)[:10] if birth else None)
        out["gender"].append(gender or None)
        out["city"].append((city or "").strip().lower() or None)
        out["phone_key"].append(_phone_key(phone))
        out["raw_first"].append(first)
        out["raw_last"].append(last)
    return pa.table(out)


M_PRIORS: dict[str, tuple[float, ...]] = {
    # P(level | same person), strongest level first, "else" last: how often one person's two
    # profiles agree. Spellings come from cashiers and web forms (a typo in a few percent, a Latin
    # spelling in a few percent more); birth dates and genders are copied from documents; a person
    # changes city or phone rarely. u (P(level | two random people)) is measured on the data.
    "name": (0.88, 0.06, 0.03, 0.03),
    "last_initial": (0.97, 0.03),
    "birth_date": (0.95, 0.05),
    "gender": (0.98, 0.02),
    "city": (0.9, 0.1),
    "phone_key": (0.9, 0.1),
}


def _settings():  # type: ignore[no-untyped-def]
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    def name(col: str):  # type: ignore[no-untyped-def]
        exact, close, near, other = M_PRIORS["name"]
        return cl.CustomComparison(
            output_column_name=col,
            comparison_levels=[
                cll.NullLevel(col),
                cll.ExactMatchLevel(col, term_frequency_adjustments=True).configure(
                    m_probability=exact
                ),
                cll.JaroWinklerLevel(col, 0.92).configure(m_probability=close),
                cll.JaroWinklerLevel(col, 0.84).configure(m_probability=near),
                cll.ElseLevel().configure(m_probability=other),
            ],
        )

    def exact(col: str, *, tf: bool = False):  # type: ignore[no-untyped-def]
        same, other = M_PRIORS[col]
        return cl.CustomComparison(
            output_column_name=col,
            comparison_levels=[
                cll.NullLevel(col),
                cll.ExactMatchLevel(col, term_frequency_adjustments=tf).configure(
                    m_probability=same
                ),
                cll.ElseLevel().configure(m_probability=other),
            ],
        )

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=PRIOR,
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_initial", "phone_key"),
            block_on("last_name", "birth_date"),
            block_on("first_name", "birth_date"),
        ],
        comparisons=[
            name("first_name"),
            name("last_name"),
            exact("last_initial"),
            exact("birth_date", tf=True),  # a placeholder date typed for many is weak
            exact("gender"),
            exact("city"),
            exact("phone_key"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def score_pairs(
    profiles: pa.Table, review_at: float, db_api: "DatabaseAPI | None" = None
) -> list[tuple[int, int, float, dict]]:
    """Candidate pairs from ``review_at`` with their probability and the fields that agreed,
    scored on ``db_api`` (default: an in-memory DuckDB; ``spark_linker.spark_api`` for Spark)."""
    from splink import DuckDBAPI, Linker, block_on

    if profiles.num_rows < 2:
        return []
    logging.getLogger("splink").setLevel(logging.WARNING)
    db_api = db_api or DuckDBAPI(connection=duckdb.connect())
    table = db_api.register(profiles.drop_columns(["raw_first", "raw_last"]), table_name="profiles")
    linker = Linker(table, _settings(), log_level=logging.WARNING)
    training = linker.training
    with contextlib.suppress(ValueError, ZeroDivisionError):  # no sure pair: keep the prior
        training.estimate_probability_two_random_records_match(
            [block_on("first_name", "last_name", "birth_date")], recall=0.7
        )
    settings = linker._settings_obj
    if not 0 < settings._probability_two_random_records_match < 1:  # a store too small to count
        settings._probability_two_random_records_match = PRIOR
    # every sampled pair counted in one pass: stopping early after a hash-chosen chunk would make
    # u depend on the backend's hash function (DuckDB and Spark would learn different models)
    training.estimate_u_using_random_sampling(
        max_pairs=1e6, seed=SEED, min_count_per_level=None, num_chunks=1
    )
    predicted = linker.inference.predict(threshold_match_probability=review_at)
    scored = duckdb.from_arrow(predicted.as_pyarrow_table())  # whatever backend scored it
    rows = (
        scored.select(
            "unique_id_l, unique_id_r, match_probability, first_name_l, first_name_r, "
            "last_name_l, last_name_r, birth_date_l, birth_date_r, phone_key_l, phone_key_r, "
            "last_initial_l, last_initial_r"
        )
        .order("unique_id_l, unique_id_r")
        .fetchall()
    )
    out = []
    for l_id, r_id, p, fl, fr, ll, lr, bl, br, pl, pr, il, ir in rows:
        agreed = {
            "first_name": fl == fr and fl is not None,
            "last_name": ll == lr and ll is not None,
            "last_initial": il == ir and il is not None,
            "birth_date": bl == br and bl is not None,
            "phone_digits": pl == pr and pl is not None,
        }
        out.append((min(l_id, r_id), max(l_id, r_id), float(p), agreed))
    return out


def match_profiles(engine: Engine, db_api: "DatabaseAPI | None" = None) -> MatchOutcome:
    """Score profiles with no shared key (on ``db_api``, see ``score_pairs``); link the sure
    pairs, queue the likely ones."""
    outcome, tick = MatchOutcome(), time.perf_counter()

    def step(name: str) -> None:
        nonlocal tick
        now = time.perf_counter()
        outcome.seconds[name] = round(now - tick, 3)
        tick = now

    profiles = _profiles(engine)
    outcome.profiles = profiles.num_rows
    with unit_of_work(engine) as session:
        settings = thresholds.load(session)
    step("read")
    pairs = score_pairs(profiles, settings.review_at, db_api)
    outcome.compared = len(pairs)
    step("score")
    ids, firsts, lasts = (
        profiles.column(c).to_pylist() for c in ("unique_id", "raw_first", "raw_last")
    )
    facts = {cid: PersonFacts(f, la) for cid, f, la in zip(ids, firsts, lasts, strict=True)}
    with unit_of_work(engine) as session:
        never = set(
            session.execute(
                select(LinkRule.left_id, LinkRule.right_id).where(LinkRule.kind == "never_link")
            ).all()
        )
        linked = set(
            session.execute(
                select(LinkRule.left_id, LinkRule.right_id).where(LinkRule.kind == "always_link")
            ).all()
        )
        queued = set(session.execute(select(ReviewItem.left_id, ReviewItem.right_id)).all())
        now = utcnow()
        sure, items = [], []
        for left, right, p, agreed in pairs:
            if (left, right) in never or clearly_different(facts[left], facts[right]):
                continue
            evidence = {"score": round(p, 6), "compared": agreed, "model": "splink-fellegi-sunter"}
            if p >= settings.merge_at:
                if (left, right) not in linked:
                    sure.append((left, right, p, evidence))
            elif (left, right) not in queued:
                items.append(
                    {"left_id": left, "right_id": right, "score": p, "evidence": evidence,
                     "status": "pending", "created_at": now, "queued_because": None}
                )  # fmt: skip
        breaker.record_batch(session, "bulk", profiles.num_rows, len(sure))
        held = breaker.open_reason(session)
        rules = []
        for left, right, p, evidence in sure:
            if not held:
                rules.append(
                    {"kind": "always_link", "left_id": left, "right_id": right,
                     "reason": f"{RULE_PREFIX} {p:.6f}", "created_at": now}
                )  # fmt: skip
            elif (left, right) not in queued:  # the breaker is open: a person decides
                items.append(
                    {"left_id": left, "right_id": right, "score": p, "evidence": evidence,
                     "status": "pending", "created_at": now, "queued_because": held}
                )  # fmt: skip
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
