"""HTTP routes of triggers (``/campaigns/triggers``): ``campaigns:read`` to list,
``campaigns:write`` to create, enable, disable and run the job now."""

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omnicrm.analytics.router import SnapshotDep
from omnicrm.api.deps import EngineDep, NowDep, ReadSessionDep, requires
from omnicrm.api.responses import errors
from omnicrm.campaigns import snapshots, trigger_runs, triggers
from omnicrm.campaigns.router import Code
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema.campaigns_triggers import CampaignTrigger

router = APIRouter(tags=["campaigns"], responses=errors(400, 404, 409))
READ, WRITE = [requires("campaigns:read")], [requires("campaigns:write")]


class TriggerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(description=" | ".join(triggers.KINDS))
    channel: str = Field(description="email | sms | push | messenger | till")
    params: dict[str, Any] = Field(default_factory=dict, description="The kind's parameters.")
    subject: str | None = Field(None, description="E-mail subject; at the till receipt|cashier.")
    text: str = Field(min_length=1)
    html: str | None = None
    expire_hours: int = Field(72, ge=1, le=2_160)
    enabled: bool = True
    audience: dict[str, Any] | None = Field(
        None, description="An audience rule each customer must meet at the occurrence."
    )


def _out(t: CampaignTrigger) -> dict:
    return {
        "code": t.code,
        "name": t.name,
        "kind": t.kind,
        "message_kind": triggers.KINDS[t.kind].message_kind,
        "channel": t.channel,
        "params": t.params,
        "enabled": t.enabled,
        "watermark": t.watermark,
        "expire_hours": t.expire_hours,
        "audience": t.audience,
    }


@router.post("/campaigns/triggers", status_code=201, dependencies=WRITE)
def create_trigger(engine: EngineDep, now: NowDep, body: TriggerIn) -> dict:
    with unit_of_work(engine) as session:
        return _out(triggers.create(session, triggers.NewTrigger(**body.model_dump()), now))


@router.get("/campaigns/triggers", dependencies=READ)
def list_triggers(session: ReadSessionDep) -> list[dict]:
    return [_out(t) for t in triggers.list_all(session)]


def _enable(engine: EngineDep, now: NowDep, code: str, enabled: bool) -> dict:
    with unit_of_work(engine) as session:
        return _out(triggers.set_enabled(session, code, enabled, now))


@router.post("/campaigns/triggers/{code}/enable", dependencies=WRITE)
def enable_trigger(engine: EngineDep, now: NowDep, code: str) -> dict:
    return _enable(engine, now, code, True)


@router.post("/campaigns/triggers/{code}/disable", dependencies=WRITE)
def disable_trigger(engine: EngineDep, now: NowDep, code: str) -> dict:
    return _enable(engine, now, code, False)


@router.post("/campaigns/triggers/run", dependencies=WRITE)
def run_triggers(snapshot: SnapshotDep, engine: EngineDep, now: NowDep) -> dict:
    """The trigger job now (what ``omnicrm campaigns triggers run`` does): every enabled
    trigger since its watermark, then the due scheduled campaigns."""
    with snapshots.on_demand(engine, snapshot) as cursor:  # refreshed once, only when needed
        return asdict(trigger_runs.run(engine, cursor, now))
