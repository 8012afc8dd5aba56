"""HTTP routes of audiences (``/audiences``) and campaigns (``/campaigns``): scopes
``campaigns:read`` to look, ``campaigns:write`` to change; filling a promotion segment from an
audience also needs ``promotions:manage``. Routes only translate HTTP to a use case and back."""

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from omnicrm.analytics.router import SnapshotDep
from omnicrm.api.deps import EngineDep, NowDep, ReadSessionDep, requires
from omnicrm.api.responses import errors
from omnicrm.campaigns import audiences, campaign, operations
from omnicrm.campaigns.providers import ProvidersDep
from omnicrm.core.bounds import AwareInstant, Id
from omnicrm.promotions import offers
from omnicrm.promotions.repository import load_catalogue
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.campaigns import Audience, Campaign

router = APIRouter(tags=["campaigns"], responses=errors(400, 404, 409))
READ, WRITE = [requires("campaigns:read")], [requires("campaigns:write")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
Rules = Annotated[dict[str, Any], Body(description="An audience rule (see audience_rules.Rule).")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AudienceIn(_In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    rules: dict[str, Any]


class VariantIn(_In):
    name: str = Field("A", min_length=1, max_length=40)
    subject: str | None = None
    text: str = Field(min_length=1)
    html: str | None = None
    weight: int = 1


class CampaignIn(_In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    audience: str
    channel: str
    variants: list[VariantIn] = Field(min_length=1, max_length=10)
    starts_at: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None
    window_days: int = 14
    control_bp: int = 1_000
    offer_code: str | None = None


def _audience_out(a: Audience) -> dict:
    return {"code": a.code, "name": a.name, "rules": a.rules, "updated_at": a.updated_at}


@router.post("/audiences", status_code=201, dependencies=WRITE)
def create_audience(engine: EngineDep, now: NowDep, body: AudienceIn) -> dict:
    with unit_of_work(engine) as session:
        rule = audiences.validate(body.rules, load_catalogue(session))
        return _audience_out(audiences.save(session, body.code, body.name, rule, now))


@router.get("/audiences", dependencies=READ)
def list_audiences(session: ReadSessionDep) -> list[dict]:
    return [_audience_out(a) for a in audiences.list_all(session)]


@router.post("/audiences/count", dependencies=READ)
def count_audience(snapshot: SnapshotDep, engine: EngineDep, now: NowDep, body: Rules) -> dict:
    """The live count while editing: the rule as posted, not saved."""
    with read_session(engine) as session:
        rule = audiences.validate(body, load_catalogue(session))
    return {"count": audiences.count(snapshot, engine, rule, now), "at": now}


@router.post("/audiences/{code}/snapshots", status_code=201, dependencies=WRITE)
def snapshot_audience(snapshot: SnapshotDep, engine: EngineDep, now: NowDep, code: str) -> dict:
    """Freeze the audience's members now (the analytics snapshot is refreshed first)."""
    snapshot.refresh(engine)
    with unit_of_work(engine) as session:
        audience = audiences.get(session, code)
        db = snapshot.cursor()
        try:
            frozen = audiences.freeze(session, db, audience, now)
        finally:
            db.close()
    return {"id": frozen.id, "audience": code, "taken_at": frozen.taken_at, "size": frozen.size}


@router.put(
    "/audiences/{code}/promotion-segments/{segment}", dependencies=[requires("promotions:manage")]
)
def fill_promotion_segment(engine: EngineDep, code: str, segment: str) -> dict:
    """Replace a promotion segment's members with the audience's latest snapshot."""
    with unit_of_work(engine) as session:
        frozen = audiences.latest_snapshot(session, audiences.get(session, code))
        members = offers.set_audience(session, segment, (int(c) for c in frozen.members))
    return {"segment": segment, "members": members, "snapshot": frozen.id}


def _campaign_out(c: Campaign) -> dict:
    return {
        "code": c.code,
        "name": c.name,
        "channel": c.channel,
        "status": c.status,
        "starts_at": c.starts_at,
        "launched_at": c.launched_at,
        "queued": c.queued,
        "control_bp": c.control_bp,
        "window_days": c.window_days,
        "expires_at": c.expires_at,
    }


@router.post("/campaigns", status_code=201, dependencies=WRITE)
def create_campaign(engine: EngineDep, now: NowDep, body: CampaignIn) -> dict:
    new = campaign.NewCampaign(
        **body.model_dump(exclude={"variants"}),
        variants=tuple(campaign.Variant(**v.model_dump()) for v in body.variants),
    )
    with unit_of_work(engine) as session:
        return _campaign_out(campaign.create(session, new, now))


@router.get("/campaigns/{code}", dependencies=READ)
def get_campaign(session: ReadSessionDep, code: str) -> dict:
    return _campaign_out(campaign.get(session, code))


@router.post("/campaigns/{code}/preview", dependencies=READ)
def preview_campaign(
    session: ReadSessionDep, now: NowDep, code: str, customer_id: Annotated[Id, Query()]
) -> dict:
    return campaign.preview(session, code, customer_id, now)


@router.post("/campaigns/{code}/launch", dependencies=WRITE)
def launch_campaign(snapshot: SnapshotDep, engine: EngineDep, now: NowDep, code: str) -> dict:
    snapshot.refresh(engine)
    db = snapshot.cursor()
    try:
        return asdict(campaign.launch(engine, db, code, now))
    finally:
        db.close()


@router.get("/campaigns/{code}/results", dependencies=READ)
def campaign_results(
    snapshot: SnapshotDep, engine: EngineDep, session: ReadSessionDep, code: str
) -> dict:
    snapshot.refresh(engine)
    db = snapshot.cursor()
    try:
        return asdict(campaign.results(session, db, code))
    finally:
        db.close()


class ScheduleIn(_In):
    starts_at: AwareInstant = Field(description="When it launches itself (with its zone).")


@router.post("/campaigns/{code}/schedule", dependencies=WRITE)
def schedule_campaign(engine: EngineDep, now: NowDep, code: str, body: ScheduleIn) -> dict:
    """Set or move the start of a campaign not yet launched: the worker (and the trigger job)
    launch it when it comes; 409 once launched, 422 for a start in the past."""
    with unit_of_work(engine) as session:
        return _campaign_out(operations.schedule(session, code, body.starts_at, now))


@router.delete("/campaigns/{code}/schedule", dependencies=WRITE)
def unschedule_campaign(engine: EngineDep, code: str) -> dict:
    """Back to a draft: it launches only by hand (409 if it was not scheduled)."""
    with unit_of_work(engine) as session:
        return _campaign_out(operations.unschedule(session, code))


@router.post("/campaigns/{code}/pause", status_code=204, dependencies=WRITE)
def pause_campaign(engine: EngineDep, now: NowDep, code: str) -> None:
    """Stop sending its messages until resumed (409 if paused already)."""
    with unit_of_work(engine) as session:
        operations.pause(session, code, now, "api")


@router.post("/campaigns/{code}/resume", status_code=204, dependencies=WRITE)
def resume_campaign(engine: EngineDep, code: str) -> None:
    """Send its waiting messages again, each where it stopped (409 if it was not paused)."""
    with unit_of_work(engine) as session:
        operations.resume(session, code)


class SendTestIn(_In):
    customer_id: Id = Field(description="A real customer the variants are rendered for.")
    to: str = Field(min_length=1, max_length=254, description="The test address or number.")


@router.post("/campaigns/{code}/test", dependencies=WRITE)
def send_test(
    session: ReadSessionDep, providers: ProvidersDep, now: NowDep, code: str, body: SendTestIn
) -> list[dict]:
    """Every variant rendered for the customer and sent now to ``to``, marked [TEST]: not in
    the outbox, so counted in no result and no frequency cap."""
    sent = operations.send_test(session, providers, code, body.customer_id, body.to, now)
    return [asdict(s) for s in sent]
