"""The Fellegi-Sunter model of the probabilistic stage, declared as backend-free Splink settings and
trained on the store's own profiles.

Blocking (which pairs are compared at all) uses several rules so that no single field has to be
right: first-name key + surname (Саша Иванов / Александр Иванов), the two names swapped, birth
date, surname + postcode, first-name key + postcode, street + house + city, first-name key +
phone digits, first-name key + the surname's first three letters, surname + birth day and month
(a slip in the year), first-name key + birth year and month (a slip in the day). A true pair is
found when any one of them holds, whatever else was typed wrong.

Comparisons have graded levels, strongest first: names as one comparison (exact, swapped, a
diminutive, Jaro-Winkler typos, same surname with another first name: a family member), birth
date digits (exact, one or two edits, day and month swapped), gender, street + house + flat,
postcode, city / region, phone digits. u comes from random pairs, m from EM on blocks, the prior
from pairs that are certain; common surnames and birth dates weigh less (term frequencies).
"""

import contextlib
import logging
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    from splink.internals.database_api import DatabaseAPI


SEED = 42
PRIOR = 1e-4
"""Probability that two random profiles are one person, until the store's own data says."""
U_PAIRS = 2e6
"""Random pairs u is estimated on: enough for rare levels, a few seconds on DuckDB."""
M_FLOOR, U_FLOOR = 1e-3, 1 / U_PAIRS
"""Least m and u a level keeps: a level EM never saw (a swap in a store without one) would
otherwise weigh minus infinity, a veto no data justified; one random pairs never showed is
rarer than one in the sample, not impossible."""
PRIOR_ROUNDS = 3
"""Rounds of re-estimating the prior from the model's own expected number of matches."""

_JW = "jaro_winkler_similarity({a}_l, {b}_r)"
_BOTH = "{a}_l IS NOT NULL AND {a}_r IS NOT NULL"


def _jw(a: str, b: str | None = None) -> str:
    return _JW.format(a=a, b=b or a)


def _level(sql: str, label: str):  # type: ignore[no-untyped-def]
    """A level written in DuckDB's SQL (Splink transpiles it for another backend)."""
    import splink.comparison_level_library as cll

    return cll.CustomLevel(sql, label, base_dialect_str="duckdb")


def _name_levels():  # type: ignore[no-untyped-def]
    """One comparison over both names, so a swap or a family member is one level, not two
    disagreements the model would count twice."""
    from splink.comparison_level_library import ElseLevel

    first, last = "first_name", "last_name"
    same_first = f"(first_key_l = first_key_r OR {_jw(first)} >= 0.92)"
    return [
        _level(
            "(first_name_l IS NULL AND last_name_l IS NULL) OR "
            "(first_name_r IS NULL AND last_name_r IS NULL)",
            "no name",
        ).configure(is_null_level=True),
        _level(f"{first}_l = {first}_r AND {last}_l = {last}_r", "both names exact").configure(
            tf_adjustment_column=last, tf_adjustment_weight=1.0
        ),
        _level(f"{first}_l = {last}_r AND {last}_l = {first}_r", "names swapped"),
        _level(f"{last}_l = {last}_r AND {same_first}", "surname exact, first close").configure(
            tf_adjustment_column=last, tf_adjustment_weight=0.5
        ),
        _level(
            f"({_jw(first)} >= 0.88 OR first_key_l = first_key_r) AND {_jw(last)} >= 0.88",
            "both names close",
        ),
        _level(f"{_jw(first, last)} >= 0.88 AND {_jw(last, first)} >= 0.88", "swapped, close"),
        _level(
            f"{same_first} AND ({last}_l IS NULL OR {last}_r IS NULL) "
            "AND last_initial_l = last_initial_r",
            "first close, surname only by initial",
        ),
        _level(f"{last}_l = {last}_r", "surname exact, first differs").configure(
            tf_adjustment_column=last, tf_adjustment_weight=1.0
        ),
        _level(f"{same_first} AND {_jw(last)} >= 0.7", "first close, surname near"),
        ElseLevel(),
    ]


def _address_levels():  # type: ignore[no-untyped-def]
    """One comparison over the whole address, closest first: street, house, flat, postcode, city
    and region say the same thing at different grains, and counted apart a family's one home
    would weigh three times."""
    from splink.comparison_level_library import ElseLevel

    street = f"{_jw('street')} >= 0.9"
    city = f"{_jw('city')} >= 0.9"
    missing = " AND ".join(f"NOT ({_BOTH.format(a=c)})" for c in ("street", "postcode", "city"))
    return [
        _level(missing, "no address").configure(is_null_level=True),
        _level(
            f"{street} AND house_l = house_r AND "
            "(flat_l = flat_r OR (flat_l IS NULL AND flat_r IS NULL))",
            "same home",
        ),
        _level(f"{street} AND house_l = house_r", "same house"),
        _level(f"{street} AND (postcode_l = postcode_r OR {city})", "same street"),
        _level("postcode_l = postcode_r", "same postcode"),
        _level(city, "same city"),
        _level("region_l = region_r", "same region"),
        ElseLevel(),
    ]


def _comparisons():  # type: ignore[no-untyped-def]
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def custom(name: str, levels: list) -> object:
        return cl.CustomComparison(output_column_name=name, comparison_levels=levels)

    def exact(col: str) -> object:
        return custom(col, [cll.NullLevel(col), cll.ExactMatchLevel(col), cll.ElseLevel()])

    swapped_day = (
        "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 5, 2) = substr(dob_r, 7, 2) "
        "AND substr(dob_l, 7, 2) = substr(dob_r, 5, 2)"
    )
    return [
        custom("name", _name_levels()),
        custom(
            "dob",
            [
                cll.NullLevel("dob"),
                cll.ExactMatchLevel("dob", term_frequency_adjustments=True),
                cll.LevenshteinLevel("dob", 1),
                _level(swapped_day, "day and month swapped"),
                cll.LevenshteinLevel("dob", 2),
                cll.ElseLevel(),
            ],
        ),
        exact("gender"),
        custom("address", _address_levels()),
        exact("phone_key"),
    ]


BLOCKS = (
    ("first_key", "last_name"),
    ("dob",),
    ("last_name", "postcode"),
    ("first_key", "postcode"),
    ("street", "house", "city"),
    ("first_key", "phone_key"),
    ("first_key", "substr(last_name, 1, 3)"),
    ("last_name", "substr(dob, 5, 4)"),
    ("first_key", "substr(dob, 1, 6)"),
)
SWAPPED_BLOCK = "l.first_name = r.last_name AND l.last_name = r.first_name"


def settings():  # type: ignore[no-untyped-def]
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=PRIOR,
        blocking_rules_to_generate_predictions=[
            *(block_on(*cols) for cols in BLOCKS),
            SWAPPED_BLOCK,
        ],
        comparisons=_comparisons(),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=False,
    )


M_PRIORS: dict[str, tuple[float, ...]] = {
    # P(level | one person), the levels in the order declared, without the null level: how
    # often one person's two profiles agree, for a store where EM cannot learn it (after the
    # deterministic stage few duplicates are left, and EM then finds families instead).
    "name": (0.70, 0.03, 0.06, 0.08, 0.01, 0.02, 0.02, 0.03, 0.05),
    "dob": (0.85, 0.07, 0.01, 0.02, 0.05),
    "gender": (0.97, 0.03),
    "address": (0.60, 0.03, 0.04, 0.05, 0.08, 0.05, 0.15),
    "phone_key": (0.9, 0.1),
}
PRIOR_SPREAD = 10
"""The prior the model counts may differ this many times from the sure-pair estimate, no more:
beyond it the model itself is off, and the sure pairs are the safer count."""


EM_BLOCKS = (("dob",), ("first_key", "last_name"))
MIN_EM_PAIRS = 200
"""Fewer pairs than this in a training block teach EM nothing (and Splink fails on none)."""


def _pairs_in_block(table: pa.Table, cols: tuple[str, ...]) -> int:
    db = duckdb.connect()
    db.register("t", table)
    keys = ", ".join(cols)
    present = " AND ".join(f"{c} IS NOT NULL" for c in cols)
    groups = f"SELECT count(*) n FROM t WHERE {present} GROUP BY {keys}"
    sql = f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM ({groups})"
    return int(db.execute(sql).fetchone()[0])  # type: ignore[index]


def _train(linker, table: pa.Table) -> None:  # type: ignore[no-untyped-def]
    """Prior from sure pairs, u from random pairs, m by EM on two blockings that leave each
    comparison free in one of them; EM's m kept only if plausible (``_plausible``), else the
    priors. Then the prior is re-counted by the trained model (``_calibrate_prior``)."""
    from splink import block_on
    from splink.internals.exceptions import EMTrainingException

    training = linker.training
    with contextlib.suppress(ValueError, ZeroDivisionError):  # no sure pair: keep the prior
        training.estimate_probability_two_random_records_match(
            [block_on("first_name", "last_name", "dob")], recall=0.8
        )
    model = linker._settings_obj
    if not 0 < model._probability_two_random_records_match < 1:  # a store too small to count
        model._probability_two_random_records_match = PRIOR
    sure = model._probability_two_random_records_match
    # every sampled pair counted in one pass: stopping early after a hash-chosen chunk would make
    # u depend on the backend's hash function (DuckDB and Spark would learn different models)
    training.estimate_u_using_random_sampling(
        max_pairs=U_PAIRS, seed=SEED, min_count_per_level=None, num_chunks=1
    )
    for cols in EM_BLOCKS:
        if _pairs_in_block(table, cols) < MIN_EM_PAIRS:
            continue  # too few pairs to train on: the priors below hold
        with contextlib.suppress(ValueError, ZeroDivisionError, EMTrainingException):
            training.estimate_parameters_using_expectation_maximisation(
                block_on(*cols), estimate_without_term_frequencies=True
            )
    model = linker._settings_obj
    levels = {
        c.output_column_name: [lv for lv in c.comparison_levels if not lv.is_null_level]
        for c in model.comparisons
    }
    trained = _plausible({name: [lv.m_probability for lv in lv_] for name, lv_ in levels.items()})
    for name, found in levels.items():
        for level, prior in zip(found, M_PRIORS[name], strict=True):
            level.m_probability = _bounded(level.m_probability if trained else prior, M_FLOOR)
            level.u_probability = _bounded(level.u_probability, U_FLOOR)
    model._probability_two_random_records_match = sure
    _calibrate_prior(linker, table.num_rows, sure)


def _plausible(m: dict[str, list]) -> bool:
    """Whether EM found people rather than households: one person's two profiles agree exactly
    on names and on the birth date more often than they disagree on them."""
    return all(
        name in m
        and isinstance(m[name][0], float | int)
        and isinstance(m[name][-1], float | int)
        and m[name][0] > m[name][-1]
        for name in ("name", "dob")
    )


def _bounded(p: object, floor: float) -> float:
    """A probability kept inside [floor, 1] (None or Splink's 'not observed': the floor)."""
    return min(1.0, max(floor, p)) if isinstance(p, float | int) else floor


def _calibrate_prior(linker, n: int, sure: float) -> None:  # type: ignore[no-untyped-def]
    """The prior as the trained model itself counts matches: the sum of match probabilities
    over the compared pairs, divided by all pairs (pairs never compared count as non-matches),
    iterated towards its fixed point, within ``PRIOR_SPREAD`` of ``sure`` (the estimate from
    exact agreement with an assumed recall, off by the share of true pairs with a typo, which
    is what this stage is for)."""
    model = linker._settings_obj
    total = n * (n - 1) / 2
    for _ in range(PRIOR_ROUNDS):
        scored = linker.inference.predict(threshold_match_probability=1e-4)
        relation = duckdb.from_arrow(scored.as_pyarrow_table())
        expected = relation.aggregate("sum(match_probability)").fetchone()[0]
        prior = min(sure * PRIOR_SPREAD, max(sure / PRIOR_SPREAD, (expected or 0.0) / total))
        model._probability_two_random_records_match = min(prior, 0.5)


def _levels(linker) -> dict[str, list[tuple[float, str]]]:  # type: ignore[no-untyped-def]
    """Comparison name -> (match weight, label) of each level: Splink's prediction gives each
    pair the weight of its level (``mw_<name>``), from which the level is named."""
    out = {}
    for comparison in linker._settings_obj.comparisons:
        out[comparison.output_column_name] = [
            (0.0 if level.is_null_level else level._log2_bayes_factor, level.label_for_charts)
            for level in comparison.comparison_levels
        ]
    return out


def _level_of(levels: list[tuple[float, str]], weight: float) -> str:
    return min(levels, key=lambda wl: abs(wl[0] - weight))[1]


def score_pairs(
    table: pa.Table, review_at: float, db_api: "DatabaseAPI | None" = None
) -> list[tuple[int, int, float, dict]]:
    """Candidate pairs scoring from ``review_at``: (left, right, probability, weights), where
    weights names each comparison's level and its match weight (log2 Bayes factor, term
    frequencies included), the explanation a reviewer reads. Scored on ``db_api`` (default: an
    in-memory DuckDB; ``spark_linker.spark_api`` for Spark)."""
    from splink import DuckDBAPI, Linker

    if table.num_rows < 2:
        return []
    # Levels EM cannot see in a small store are expected (their floor holds): no warning each run.
    logging.getLogger("splink").setLevel(logging.ERROR)
    db_api = db_api or DuckDBAPI(connection=duckdb.connect())
    registered = db_api.register(table, table_name="profiles")
    linker = Linker(registered, settings(), log_level=logging.ERROR)
    _train(linker, table)
    levels = _levels(linker)
    predicted = linker.inference.predict(threshold_match_probability=review_at)
    relation = duckdb.from_arrow(predicted.as_pyarrow_table())  # whatever backend scored it
    cols = ["unique_id_l", "unique_id_r", "match_probability", "match_weight"]
    cols += [f"mw_{c}" for c in levels]
    tf = [c for c in levels if f"mw_tf_adj_{c}" in relation.columns]
    cols += [f"mw_tf_adj_{c}" for c in tf]
    out = []
    for row in relation.select(", ".join(cols)).order("unique_id_l, unique_id_r").fetchall():
        values = dict(zip(cols, row, strict=True))
        weights = {
            c: {
                "level": _level_of(levels[c], values[f"mw_{c}"]),
                "weight": round(values[f"mw_{c}"] + (values.get(f"mw_tf_adj_{c}") or 0.0), 2),
            }
            for c in levels
        }
        left, right = values["unique_id_l"], values["unique_id_r"]
        evidence = {"match_weight": round(values["match_weight"], 2), "weights": weights}
        out.append((min(left, right), max(left, right), float(values["match_probability"]),
                    evidence))  # fmt: skip
    return out
