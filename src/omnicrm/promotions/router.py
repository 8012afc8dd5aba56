"""HTTP routes of the promotions capability under ``/promotions`` (scope ``promotions:manage``,
given in ``api.app``): the constructor (drafts, validation, versions, publish, pause), coupons,
personal offers and audiences, simulation and the "why (not) applied" explanation. Routes only
translate HTTP to a use case and back."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from sqlalchemy import select

from omnicrm.analytics.router import SnapshotDep
from omnicrm.api.deps import EngineDep, ReadSessionDep
from omnicrm.api.responses import errors
from omnicrm.campaigns import promotion_romi
from omnicrm.core.bounds import AwareInstant, Id, Offset
from omnicrm.core.clock import utcnow
from omnicrm.loyalty.schemas import CalculateRequest
from omnicrm.promotions import coupons, explain, lifecycle, offers, repository
from omnicrm.promotions.schemas import (
    AudienceIn,
    CouponBatchIn,
    CouponBatchOut,
    CouponCheckIn,
    CouponCheckOut,
    OffersIn,
    OffersOut,
    PromotionOut,
    SimulateIn,
    VersionOut,
)
from omnicrm.promotions.simulate import simulate_promotion
from omnicrm.promotions.validation import parse_rules
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.promotions import Promotion

router = APIRouter(prefix="/promotions", tags=["promotions"])


async def current_time(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utcnow()


NowDep = Annotated[datetime, Depends(current_time)]
RulesBody = Annotated[
    dict[str, Any], Body(description="A promotion's rules (see model.PromotionRules).")
]


def _out(p: Promotion) -> PromotionOut:
    return PromotionOut(
        code=p.code,
        name=p.name,
        status=p.status,
        version=p.version,
        draft=p.draft,
        updated_at=p.updated_at,
    )


@router.post("", response_model=PromotionOut, status_code=201, responses=errors(409))
def create_promotion(engine: EngineDep, now: NowDep, body: RulesBody) -> PromotionOut:
    with unit_of_work(engine) as session:
        return _out(lifecycle.create_promotion(session, body, now))


@router.get("", response_model=list[PromotionOut])
def list_promotions(session: ReadSessionDep, status: str | None = None) -> list[PromotionOut]:
    query = select(Promotion).order_by(Promotion.code)
    if status:
        query = query.where(Promotion.status == status)
    return [_out(p) for p in session.scalars(query)]


@router.post("/explain", responses=errors(404))
def explain_receipt(session: ReadSessionDep, now: NowDep, body: CalculateRequest) -> dict:
    """Evaluate a till receipt against the promotions in force: what applies and why the others
    do not. Writes nothing."""
    return explain.explain_receipt(session, body, now)


@router.post("/coupons/check", response_model=CouponCheckOut)
def check_coupon(session: ReadSessionDep, now: NowDep, body: CouponCheckIn) -> CouponCheckOut:
    check = coupons.check_coupon_in_force(session.connection(), body.code, body.customer_id, now)
    return CouponCheckOut(
        code=check.code, valid=check.valid, reason=check.reason, promotion=check.promotion
    )


@router.get("/coupons/batches/{batch_id}/codes", responses=errors(404))
def list_codes(
    session: ReadSessionDep,
    batch_id: Id,
    after: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> list[dict]:
    return coupons.list_codes(session, batch_id, limit, after)


@router.put("/audiences/{segment}", responses=errors(404))
def set_audience(engine: EngineDep, segment: str, body: AudienceIn) -> dict:
    with unit_of_work(engine) as session:
        members = offers.set_audience(session, segment, body.customer_ids)
    return {"segment": segment, "members": members}


@router.get("/offers/customers/{customer_id}", responses=errors(404))
def customer_offers(session: ReadSessionDep, now: NowDep, customer_id: Id) -> list[dict]:
    return offers.customer_offers(session, customer_id, now)


@router.get("/{code}", response_model=PromotionOut, responses=errors(404))
def get_promotion(session: ReadSessionDep, code: str) -> PromotionOut:
    return _out(repository.get_promotion(session, code))


@router.put("/{code}", response_model=PromotionOut, responses=errors(404, 409))
def update_draft(engine: EngineDep, now: NowDep, code: str, body: RulesBody) -> PromotionOut:
    with unit_of_work(engine) as session:
        return _out(lifecycle.update_draft(session, code, body, now))


@router.post("/{code}/validate", responses=errors(404))
def validate_draft(session: ReadSessionDep, code: str) -> dict:
    lifecycle.validate_draft(session, code)
    return {"code": code, "valid": True}


@router.post("/{code}/publish", response_model=VersionOut, responses=errors(404, 409))
def publish_promotion(engine: EngineDep, now: NowDep, code: str) -> VersionOut:
    with unit_of_work(engine) as session:
        version = lifecycle.publish_promotion(session, code, now)
        return VersionOut(
            version=version.version, rules=version.rules, published_at=version.published_at
        )


@router.post("/{code}/pause", response_model=PromotionOut, responses=errors(404, 409))
def pause_promotion(engine: EngineDep, now: NowDep, code: str) -> PromotionOut:
    with unit_of_work(engine) as session:
        return _out(lifecycle.pause_promotion(session, code, now))


@router.get("/{code}/versions", response_model=list[VersionOut], responses=errors(404))
def list_versions(session: ReadSessionDep, code: str) -> list[VersionOut]:
    return [
        VersionOut(version=v.version, rules=v.rules, published_at=v.published_at)
        for v in lifecycle.list_versions(session, code)
    ]


@router.post(
    "/{code}/coupons",
    response_model=CouponBatchOut,
    status_code=201,
    responses=errors(404, 409),
)
def generate_coupons(
    engine: EngineDep, now: NowDep, code: str, body: CouponBatchIn
) -> CouponBatchOut:
    with unit_of_work(engine) as session:
        batch = coupons.generate_coupons(
            session,
            code,
            now,
            count=body.count,
            code=body.code,
            max_uses=body.max_uses,
            per_customer=body.per_customer,
            expires_at=body.expires_at,
            length=body.length,
            prefix=body.prefix,
        )
    return CouponBatchOut(
        batch_id=batch.batch_id,
        promotion=batch.promotion,
        kind=batch.kind,
        size=batch.size,
        codes_sample=batch.codes_sample,
    )


@router.get("/{code}/coupons", responses=errors(404))
def list_batches(session: ReadSessionDep, code: str) -> list[dict]:
    return coupons.list_batches(session, code)


@router.post("/{code}/offers", response_model=OffersOut, responses=errors(404, 409))
def make_offers(engine: EngineDep, now: NowDep, code: str, body: OffersIn) -> OffersOut:
    options = {
        "expires_at": body.expires_at,
        "control_share_bp": int(body.control_share_pct * 100),
    }
    with unit_of_work(engine) as session:
        if body.customer_ids is not None:
            made = offers.offer_promotion(session, code, body.customer_ids, now, **options)
        elif body.segment is not None:
            made = offers.offer_to_segment(session, code, body.segment, now, **options)
        else:
            made = offers.offer_from_history(
                session,
                code,
                body.history,  # type: ignore[arg-type]
                body.category,  # type: ignore[arg-type]
                now,
                **options,
            )
    return OffersOut(
        promotion=made.promotion, offered=made.offered, control=made.control, skipped=made.skipped
    )


@router.get("/{code}/offers/uplift", responses=errors(404))
def offer_uplift(session: ReadSessionDep, code: str) -> dict:
    return offers.offer_uplift(session, code)


@router.post("/{code}/simulate", responses=errors(404))
def simulate(engine: EngineDep, code: str, body: SimulateIn) -> dict:
    """What the rules (default: the draft) would have cost on the receipts of a period."""
    with read_session(engine) as session:
        rules = parse_rules(body.rules or repository.get_promotion(session, code).draft)
        result = simulate_promotion(
            session.connection(),
            rules,
            body.start,
            body.end,
            assume_presented=body.assume_presented,
        )
    return {"promotion": rules.code} | result.as_dict()


@router.get("/{code}/romi", responses=errors(404))
def measure_romi(
    snapshot: SnapshotDep,
    engine: EngineDep,
    session: ReadSessionDep,
    now: NowDep,
    code: str,
    since: Annotated[
        AwareInstant | None, Query(description="default: the first publication")
    ] = None,
    until: Annotated[AwareInstant | None, Query(description="default: now")] = None,
) -> dict:
    """Revenue uplift of the customers the promotion reached against a control, its cost from
    the ledger (discounts and points it gave), ROMI; ``comparison`` and ``basis`` say against
    whom (a campaign's control groups, the offers' held-out control, or, plainly not
    randomised, buyers who did not use it)."""
    snapshot.refresh(engine)
    db = snapshot.cursor()
    try:
        return asdict(promotion_romi.romi(session, db, code, now, since, until))
    finally:
        db.close()
