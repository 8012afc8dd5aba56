"""Model versions and their scores in the operational store.

A trained model arrives as ``Trained`` (what the fit saw, what it measured on its holdout, the
series its page draws, and one score row per customer). ``save`` numbers it as the kind's next
version, inserts its scores in bulk (COPY on PostgreSQL) and removes the scores of the kind's
earlier versions in the same transaction: readers see one whole version per kind, and the
versions' metrics stay for comparison."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa
from sqlalchemy import Connection, delete, func, insert, select

from omnicrm.customers.queries import LIVE_ID
from omnicrm.ingest.sinks import open_sink
from omnicrm.store.schema.customers import Customer
from omnicrm.store.schema.predictions import CustomerPrediction, PredictionModel
from omnicrm.store.schema.reference import Product

KINDS = ("clv", "churn", "recommend", "clusters")
SCORE_COLUMNS = ("score", "amount_minor", "label", "details")
_M = PredictionModel.__table__.c
_S = CustomerPrediction.__table__.c


@dataclass(frozen=True)
class Trained:
    """A fitted model and its scores. ``scores`` has ``customer_id`` (the snapshot's resolved
    profile id) and any of ``SCORE_COLUMNS``; ``details`` is a column of dicts or JSON text."""

    kind: str
    as_of: datetime
    window_from: datetime | None
    params: Mapping[str, Any]
    metrics: Mapping[str, Any]
    charts: Mapping[str, Any]
    scores: pa.Table
    artifact: bytes | None = None


@dataclass(frozen=True)
class Version:
    id: int
    kind: str
    version: int
    trained_at: datetime
    window_from: datetime | None
    as_of: datetime
    params: dict
    metrics: dict
    charts: dict
    customers_scored: int


def save(conn: Connection, trained: Trained, now: datetime) -> Version:
    """Store ``trained`` as its kind's next version, with its scores replacing the previous
    version's."""
    if trained.kind not in KINDS:
        raise ValueError(f"unknown model kind {trained.kind!r}; one of {', '.join(KINDS)}")
    previous = conn.scalar(select(func.max(_M.version)).where(_M.kind == trained.kind)) or 0
    values = {
        "kind": trained.kind,
        "version": previous + 1,
        "trained_at": now,
        "window_from": trained.window_from,
        "as_of": trained.as_of,
        "params": dict(trained.params),
        "metrics": dict(trained.metrics),
        "charts": dict(trained.charts),
        "artifact": trained.artifact,
        "customers_scored": trained.scores.num_rows,
    }
    model_id = conn.execute(insert(PredictionModel).values(values).returning(_M.id)).scalar_one()
    conn.execute(
        delete(CustomerPrediction).where(
            _S.model_id.in_(select(_M.id).where(_M.kind == trained.kind, _M.id != model_id))
        )
    )
    _insert_scores(conn, model_id, trained.scores)
    return Version(id=model_id, **{k: v for k, v in values.items() if k != "artifact"})


def _insert_scores(conn: Connection, model_id: int, scores: pa.Table) -> None:
    unknown = set(scores.column_names) - {"customer_id", *SCORE_COLUMNS}
    if unknown:
        raise ValueError(f"score columns not stored: {sorted(unknown)}")
    columns: dict[str, pa.Array] = {
        "model_id": pa.array([model_id] * scores.num_rows, pa.int64()),
        "customer_id": scores["customer_id"].combine_chunks().cast(pa.int64()),
    }
    for name in SCORE_COLUMNS:
        if name in scores.column_names:
            column = scores[name].combine_chunks()
            if name == "details" and not pa.types.is_string(column.type):
                column = pa.array(
                    [None if d is None else orjson.dumps(d).decode() for d in column.to_pylist()],
                    pa.string(),
                )
            columns[name] = column
    if scores.num_rows:
        open_sink(conn).insert_columns(CustomerPrediction.__tablename__, columns)


def _version(row: Any) -> Version:
    return Version(**{k: getattr(row, k) for k in Version.__dataclass_fields__})


def versions(conn: Connection, kind: str | None = None) -> list[Version]:
    """Every stored version, newest first (of one kind if given)."""
    query = select(*(getattr(_M, k) for k in Version.__dataclass_fields__))
    if kind is not None:
        query = query.where(_M.kind == kind)
    return [_version(r) for r in conn.execute(query.order_by(_M.kind, _M.version.desc()))]


def latest(conn: Connection, kind: str) -> Version | None:
    found = versions(conn, kind)
    return found[0] if found else None


def artifact(conn: Connection, model_id: int) -> bytes | None:
    return conn.scalar(select(_M.artifact).where(_M.id == model_id))


def for_customer(conn: Connection, customer_id: int) -> dict[str, dict[str, Any]]:
    """The customer's scores by kind, read for the profile they are now part of: scores are
    given to the profiles alive at scoring, so after a merge the survivor's show until the
    next scoring."""
    resolved = select(LIVE_ID).where(Customer.id == customer_id)
    rows = conn.execute(
        select(_M.kind, _M.version, _M.as_of, _S.score, _S.amount_minor, _S.label, _S.details)
        .join(PredictionModel, PredictionModel.id == _S.model_id)
        .where(_S.customer_id.in_(resolved.scalar_subquery()))
    )
    found = {r.kind: dict(r._mapping) for r in rows}
    recommended = found.get("recommend")
    if recommended is not None:
        skus = (recommended["details"] or {}).get("skus", [])
        names = _names(conn, skus)
        recommended["products"] = [{"sku": sku, "name": names.get(sku)} for sku in skus]
    return found


def _names(conn: Connection, skus: Iterable[str]) -> dict[str, str]:
    return dict(conn.execute(select(Product.sku, Product.name).where(Product.sku.in_(skus))).all())


def recommended_names(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Each id's recommended products by name (those still in the catalogue), best first: what
    a message template names as ``recommended``."""
    rows = conn.execute(
        select(_S.customer_id, _S.details)
        .join(PredictionModel, PredictionModel.id == _S.model_id)
        .where(_M.kind == "recommend", _S.customer_id.in_(ids))
    ).all()
    names = _names(conn, {sku for _, d in rows for sku in (d or {}).get("skus", ())})
    return {
        cid: tuple(names[s] for s in (d or {}).get("skus", ()) if s in names) for cid, d in rows
    }
