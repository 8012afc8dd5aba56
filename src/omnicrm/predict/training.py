"""Train, measure and score each kind of model over the analytics snapshot, and store the result
as the kind's next version (``models.save``). Each trainer fits on the data up to the cut-off,
measures itself on a holdout that the scoring fit has not seen, and scores every customer.

CLV's holdout: the models are fitted again with the last ``CLV_HOLDOUT_DAYS`` held back, and
the repeat purchases they expect in that window are set against the actual ones (the tracking
plot of Fader, Hardie & Lee). Churn compares itself with 1 - BG/NBD P(alive) on its own time
split (``churn.train``). Recommendations pick co-occurrence or ALS on a time split, against
popularity (``recommend.fit_recommender``). Clusters report each k's silhouette."""

import pickle
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from functools import partial

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine

from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns import audiences
from omnicrm.core.errors import Conflict, FieldError, InvalidRecord, NotFound
from omnicrm.predict import buyers, churn, clusters, interactions, models, recommend, tracking
from omnicrm.predict.clv import Terms, clv_by_segment, customer_summary, score_summary
from omnicrm.store.db import unit_of_work

CLV_HOLDOUT_DAYS = 91
RECOMMENDED = 10
"""SKUs kept per customer in the profile."""
Trainer = Callable[[duckdb.DuckDBPyConnection, Engine, datetime], models.Trained]


def _first_purchase(db: duckdb.DuckDBPyConnection) -> datetime | None:
    return db.execute("SELECT min(placed_at) FROM purchases").fetchone()[0]


def train_clv(
    db: duckdb.DuckDBPyConnection, engine: Engine, as_of: datetime, terms: Terms = Terms()
) -> models.Trained:
    """BG/NBD (or Pareto/NBD) + Gamma-Gamma on ``terms``; metrics from a fit with the last 13
    weeks held out."""
    day = as_of.date() - timedelta(days=1) if as_of.time() == datetime.min.time() else as_of.date()
    start = _first_purchase(db)
    if start is None:
        raise ValueError("no purchases in the snapshot: nothing to fit CLV on")
    calibration_end = day - timedelta(days=CLV_HOLDOUT_DAYS)
    origin: date = start.date()
    charts: dict = {}
    metrics: dict = {}
    if calibration_end > origin:
        held, _ = score_summary(customer_summary(db, calibration_end), calibration_end, terms)
        weeks = tracking.tracking(db, held.purchases, origin, calibration_end, day)
        charts["tracking"] = weeks.to_pydict()
        holdout = weeks.filter(weeks["holdout"])
        if holdout.num_rows:
            before = weeks.filter(pc.invert(weeks["holdout"]))
            base_actual = before["actual"][-1].as_py() if before.num_rows else 0
            base_expected = before["expected"][-1].as_py() if before.num_rows else 0.0
            actual = holdout["actual"][-1].as_py() - base_actual
            expected = holdout["expected"][-1].as_py() - base_expected
            metrics["holdout"] = {
                "days": CLV_HOLDOUT_DAYS,
                "actual_repeat_purchases": actual,
                "expected_repeat_purchases": round(expected, 1),
                "error_pct": None if not actual else round(100 * (expected - actual) / actual, 2),
            }
    fitted, scores = score_summary(customer_summary(db, day), day, terms)
    metrics["log_likelihood"] = fitted.purchases.log_likelihood
    charts["segments"] = clv_by_segment(db, scores, day).to_pylist()
    details = pa.array(
        [
            orjson.dumps({"expected_purchases": round(e, 3), "expected_spend_minor": s}).decode()
            for e, s in zip(
                scores["expected_purchases"].to_pylist(),
                scores["expected_spend_minor"].to_pylist(),
                strict=True,
            )
        ],
        pa.string(),
    )
    return models.Trained(
        kind="clv",
        as_of=as_of,
        window_from=start,
        params={
            "purchases": asdict(fitted.purchases),
            "spend": asdict(fitted.spend),
            "terms": asdict(fitted.terms),
        },
        metrics=metrics,
        charts=charts,
        scores=pa.table(
            {
                "customer_id": scores["customer_id"],
                "score": scores["p_alive"],
                "amount_minor": scores["clv_minor"],
                "details": details,
            }
        ),
    )


def p_alive_baseline(db: duckdb.DuckDBPyConnection, cutoff: datetime, f: pa.Table) -> np.ndarray:
    """1 - BG/NBD P(alive) at ``cutoff`` for the feature table's customers (churn's baseline)."""
    _, scores = score_summary(customer_summary(db, cutoff.date()), cutoff.date())
    ids = scores["customer_id"].to_numpy()  # ascending, as the summary gives them
    risk = 1.0 - scores["p_alive"].to_numpy()
    at, found = interactions.positions(f.column("customer").to_numpy(), ids)
    return np.where(found, risk[np.minimum(at, len(ids) - 1)], 1.0)


def train_churn(db: duckdb.DuckDBPyConnection, engine: Engine, as_of: datetime) -> models.Trained:
    model = churn.train(db, as_of, engine, p_alive_baseline, "1 - BG/NBD P(alive)")
    scored = churn.score(model, db, as_of, engine)
    actions = [orjson.loads(a) for a in scored["action"].to_pylist()]
    details = [
        orjson.dumps({"reasons_ru": ru, "reasons_en": en, "action": a}).decode()
        for ru, en, a in zip(
            scored["reasons_ru"].to_pylist(), scored["reasons_en"].to_pylist(), actions, strict=True
        )
    ]
    summary = model.summary()
    metrics = summary.pop("metrics")
    calibration = metrics.pop("calibration")
    return models.Trained(
        kind="churn",
        as_of=as_of,
        window_from=model.train_cutoff,
        params=summary,
        metrics=metrics,
        charts={"calibration": calibration, "importance": summary["importance"]},
        scores=pa.table(
            {
                "customer_id": scored["customer_id"],
                "score": scored["churn_risk"],
                "label": pa.array([a["kind"] for a in actions], pa.string()),  # audiences pick it
                "details": pa.array(details, pa.string()),
            }
        ),
        artifact=orjson.dumps(model.dump()),
    )


def train_recommend(
    db: duckdb.DuckDBPyConnection, engine: Engine, as_of: datetime
) -> models.Trained:
    model, metrics = recommend.fit_recommender(db, as_of)
    top = recommend.recommend(model, model.interactions.customers, RECOMMENDED)
    details = [orjson.dumps({"skus": s}).decode() for s in top["skus"].to_pylist()]
    return models.Trained(
        kind="recommend",
        as_of=as_of,
        window_from=model.interactions.since,
        params={"chosen": metrics["chosen"], "kept_per_customer": RECOMMENDED},
        metrics=metrics,
        charts={"models": metrics["models"]},
        scores=pa.table({"customer_id": top["customer_id"], "details": pa.array(details)}),
        artifact=_pack_recommender(model),
    )


def _pack_recommender(model: recommend.Recommender) -> bytes:
    """The scorer and the rows and columns it was fitted on; the window's purchases are read
    again from the snapshot when the model is used (``load_recommender``)."""
    inter = model.interactions
    state = {
        "kind": model.kind,
        "scorer": model.scorer,
        "customers": inter.customers,
        "products": inter.products,
        "since": inter.since,
        "until": inter.until,
    }
    return zlib.compress(pickle.dumps(state, protocol=5), 1)


def load_recommender(db: duckdb.DuckDBPyConnection, blob: bytes) -> recommend.Recommender:
    """A stored recommender (our own pickle, written by ``_pack_recommender``)."""
    state = pickle.loads(zlib.decompress(blob))  # our own pickle, from the store
    window = interactions.load(
        db, state["since"], state["until"], state["customers"], state["products"]
    )
    return recommend.restore(state["kind"], state["scorer"], window)


def train_clusters(
    db: duckdb.DuckDBPyConnection, engine: Engine, as_of: datetime
) -> models.Trained:
    model, table = clusters.fit_clusters(db, as_of)
    sizes = np.bincount(table["cluster"].to_numpy(), minlength=model.k)
    described = [
        {"cluster": i, "customers": int(sizes[i]), **asdict(d)}
        for i, d in enumerate(model.descriptions)
    ]
    details = [
        orjson.dumps({"name_ru": ru, "name_en": en}).decode()
        for ru, en in zip(table["name_ru"].to_pylist(), table["name_en"].to_pylist(), strict=True)
    ]
    return models.Trained(
        kind="clusters",
        as_of=as_of,
        window_from=model.since,
        params={"k": model.k, "clusters": described},
        metrics={
            "k": model.k,
            "silhouette": model.silhouettes[model.k],
            "silhouettes": {str(k): v for k, v in model.silhouettes.items()},
        },
        charts={"silhouettes": {str(k): v for k, v in model.silhouettes.items()}},
        scores=pa.table(
            {
                "customer_id": table["customer_id"],
                "label": pa.array([str(c) for c in table["cluster"].to_pylist()]),
                "details": pa.array(details),
            }
        ),
    )


TRAINERS: dict[str, Trainer] = {
    "clv": train_clv,
    "churn": train_churn,
    "recommend": train_recommend,
    "clusters": train_clusters,
}


def train(
    engine: Engine,
    snapshot: Snapshot,
    kinds: Sequence[str],
    now: datetime,
    as_of: datetime | None = None,
    clv_terms: Terms = Terms(),
) -> list[models.Version]:
    """Fit, measure and score each kind in ``kinds`` on the snapshot up to ``as_of`` (default:
    its last data; CLV on ``clv_terms``); each kind's version is stored in its own
    transaction."""
    unknown = sorted(set(kinds) - set(TRAINERS))
    if unknown:
        raise ValueError(f"unknown model kinds {unknown}; one of {', '.join(models.KINDS)}")
    cut = as_of or snapshot.data_end()
    if cut is None:
        raise Conflict("the snapshot holds no data yet: import and refresh first")
    db = snapshot.cursor()
    done = []
    for kind in models.KINDS:
        if kind in kinds:
            try:
                fit = partial(train_clv, terms=clv_terms) if kind == "clv" else TRAINERS[kind]
                trained = fit(db, engine, cut)
            except ValueError as e:  # the data cannot support the model (too little history, ...)
                raise Conflict(f"{kind}: {e}") from e
            with engine.begin() as conn:
                done.append(models.save(conn, trained, now))
    return done


def subsegments(snapshot: Snapshot, segment: str, as_of: datetime | None = None) -> list[dict]:
    """The sub-segments of one RFM segment (its customers clustered alone), each named and
    described, with its size; computed on request, not stored."""
    cut = as_of or snapshot.data_end()
    if cut is None:
        raise Conflict("the snapshot holds no data yet: import and refresh first")
    try:
        model, table = clusters.fit_subsegments(snapshot.cursor(), cut, segment)
    except ValueError as e:
        raise InvalidRecord([FieldError("segment", str(e))]) from e
    sizes = np.bincount(table["cluster"].to_numpy(), minlength=model.k)
    return [
        {"cluster": i, "customers": int(sizes[i]), **asdict(d)}
        for i, d in enumerate(model.descriptions)
    ]


def buyers_audience(
    engine: Engine,
    snapshot: Snapshot,
    now: datetime,
    code: str,
    name: str,
    sku: str | None,
    brand: str | None,
    category: str | None,
    size: int,
) -> dict:
    """Save the ``size`` customers the recommender in force scores highest for the SKU, brand
    or category as the audience ``code`` (an id-list rule, with a dated snapshot taken now)."""
    with engine.connect() as conn:
        version = models.latest(conn, "recommend")
        blob = None if version is None else models.artifact(conn, version.id)
    if version is None or blob is None:
        raise NotFound("no recommend model trained yet: omnicrm predict train --kind recommend")
    db = snapshot.cursor()
    try:
        target = buyers.target_of(sku, brand, category)
        found = buyers.buyers_for(load_recommender(db, blob), db, sku, brand, category, n=size)
    except ValueError as e:
        given = [k for k, v in (("sku", sku), ("brand", brand), ("category", category)) if v]
        raise InvalidRecord([FieldError(given[0] if len(given) == 1 else "sku", str(e))]) from e
    chosen = buyers.audience(found, target)
    note = f"{chosen.name} (recommend v{version.version})"
    rule = audiences.parse_rule({"type": "customers", "ids": chosen.members.tolist(), "note": note})
    with unit_of_work(engine) as session:
        saved = audiences.save(session, code, name, rule, now)
        frozen = audiences.take_snapshot(session, saved, chosen.members, now)
    return {
        "audience": code,
        "name": name,
        "chosen_for": note,
        "size": frozen.size,
        "snapshot_id": frozen.id,
        "model_version": version.version,
    }
