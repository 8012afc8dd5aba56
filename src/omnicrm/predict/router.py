"""HTTP routes of predictions (``/predict``): ``predict:read`` to see models and a customer's
scores (reads of a customer's scores are audited: they are profiling of a person),
``predict:write`` to train and to build an audience of the likely buyers of a product."""

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omnicrm.analytics.router import SnapshotDep
from omnicrm.api.deps import AUDITED_READ, EngineDep, NowDep
from omnicrm.api.responses import errors
from omnicrm.core.bounds import AwareInstant, Id
from omnicrm.core.errors import NotFound
from omnicrm.predict import models, training
from omnicrm.predict.clv import Terms

router = APIRouter(prefix="/predict", tags=["predictions"])
Kind = Literal["clv", "churn", "recommend", "clusters"]


class TrainIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kinds: list[Kind] = Field(default=list(models.KINDS), min_length=1, max_length=4)
    as_of: AwareInstant | None = Field(
        None, description="training cut-off (default: the snapshot's last data)"
    )
    clv_horizon_days: Annotated[int, Field(ge=1, le=3650)] = 365
    clv_monthly_discount: Annotated[float, Field(ge=0, lt=1)] = 0.01
    clv_margin: Annotated[float, Field(gt=0, le=1)] = 1.0
    clv_model: Literal["bgnbd", "paretonbd"] = "bgnbd"


class BuyersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    audience: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=200)
    sku: str | None = Field(None, min_length=1, max_length=64)
    brand: str | None = Field(None, min_length=1, max_length=200)
    category: str | None = Field(None, min_length=1, max_length=400)
    size: Annotated[int, Field(ge=1, le=1_000_000)] = 1000


def _public(version: models.Version, charts: bool) -> dict:
    out = asdict(version)
    if not charts:
        out.pop("charts")
    return out


@router.get("/models")
def list_models(engine: EngineDep) -> list[dict]:
    """Every trained version, newest first per kind, with its holdout metrics."""
    with engine.connect() as conn:
        return [_public(v, charts=False) for v in models.versions(conn)]


@router.get("/models/{kind}", responses=errors(404))
def show_model(engine: EngineDep, kind: Kind) -> dict:
    """The kind's version in force, with the series its charts draw."""
    with engine.connect() as conn:
        version = models.latest(conn, kind)
    if version is None:
        raise NotFound(f"no {kind} model trained yet")
    return _public(version, charts=True)


@router.post("/train", status_code=201, responses=errors(409))
def train(engine: EngineDep, snapshot: SnapshotDep, now: NowDep, body: TrainIn) -> list[dict]:
    """Fit the models on the snapshot up to ``as_of`` and score every customer."""
    terms = Terms(body.clv_horizon_days, body.clv_monthly_discount, body.clv_margin, body.clv_model)
    done = training.train(engine, snapshot, body.kinds, now, body.as_of, terms)
    return [_public(v, charts=False) for v in done]


@router.get("/customers/{customer_id}", dependencies=[AUDITED_READ], responses=errors(404))
def customer_scores(engine: EngineDep, customer_id: Id) -> dict:
    """The customer's CLV, P(alive), churn risk with reasons, recommendations and cluster."""
    with engine.connect() as conn:
        found = models.for_customer(conn, customer_id)
    if not found:
        raise NotFound(f"no predictions for customer {customer_id}")
    return found


@router.get("/subsegments/{segment}", responses=errors(409))
def rfm_subsegments(snapshot: SnapshotDep, segment: str) -> list[dict]:
    """The sub-segments of one RFM segment, clustered on request, each named and described."""
    return training.subsegments(snapshot, segment)


@router.post("/buyers", status_code=201, responses=errors(404, 409))
def buyers_audience(engine: EngineDep, snapshot: SnapshotDep, now: NowDep, body: BuyersIn) -> dict:
    """Save an audience of the customers most likely to buy the SKU, brand or category."""
    return training.buyers_audience(
        engine,
        snapshot,
        now,
        body.audience,
        body.name,
        body.sku,
        body.brand,
        body.category,
        body.size,
    )
