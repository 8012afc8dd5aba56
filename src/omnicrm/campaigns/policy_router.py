"""HTTP routes of the sending policy (``/campaigns/policy``): the frequency caps and quiet hours
the worker applies, read with ``campaigns:read``, changed with ``campaigns:manage``."""

from dataclasses import asdict

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from omnicrm.api.deps import CallerDep, EngineDep, NowDep
from omnicrm.campaigns import sending_policy
from omnicrm.core.bounds import Count

router = APIRouter(prefix="/campaigns/policy", tags=["campaigns"])


class PolicyIn(BaseModel):
    """Marketing messages one customer may get (per channel and over all channels, per
    customer-local day and Monday-first week) and the customer-local quiet hours."""

    model_config = ConfigDict(extra="forbid")

    channel_day: Count
    channel_week: Count
    day: Count
    week: Count
    quiet_from_hour: int = Field(ge=0, le=23)
    quiet_until_hour: int = Field(ge=0, le=23, description="Equal to the start: none.")


@router.get("", response_model=PolicyIn)
def get_policy(engine: EngineDep) -> dict:
    with engine.connect() as conn:
        return asdict(sending_policy.load(conn))


@router.put("", response_model=PolicyIn)
def put_policy(engine: EngineDep, now: NowDep, caller: CallerDep, body: PolicyIn) -> dict:
    """Replace the policy (422 naming each bad field; nothing changes then); the worker applies
    it from its next batch."""
    limits = sending_policy.Limits(**body.model_dump())
    with engine.begin() as conn:
        sending_policy.save(conn, limits, now, f"key:{caller.name}")
    return asdict(limits)
