"""Triggers as data: a kind of occurrence that causes a message (an enrolment, a cart left, a
birthday, points about to expire, a level change, a customer at risk, a purchase), its
parameters, the channel and the Liquid templates. ``trigger_runs`` finds the occurrences and
queues the messages; this module validates and stores the triggers.

Whether a trigger's messages are marketing (consent yes, caps, quiet hours, control group) or
transactional is fixed by its kind (``KINDS``): telling a member about their own account is
transactional, an offer to come back is marketing."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from omnicrm.analytics.segments import SEGMENTS
from omnicrm.campaigns import audience_rules, audiences, messages
from omnicrm.campaigns.campaign import template_problems
from omnicrm.campaigns.templates import Template
from omnicrm.core.errors import Conflict, FieldError, InvalidRecord, NotFound
from omnicrm.promotions.repository import load_catalogue
from omnicrm.promotions.validation import field_path
from omnicrm.store.schema.campaigns_triggers import CampaignTrigger
from omnicrm.surveys import repository as surveys


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoParams(_Params):
    pass


class After(_Params):
    """Fire ``hours`` after the occurrence (the cart's last change, the purchase)."""

    hours: int = Field(2, ge=1, le=2_160)


class SurveyAfter(After):
    """Invite to the questionnaire ``survey`` ``hours`` after the purchase or service contact."""

    survey: str = Field(min_length=1, max_length=40)


class Within(_Params):
    """Points that expire within ``days``."""

    days: int = Field(14, ge=1, le=365)


class Direction(_Params):
    direction: Literal["up", "down", "any"] = "up"


class AtRisk(_Params):
    """The RFM segments (over purchases of the last ``period_days``) that call for a win-back."""

    segments: list[Literal[SEGMENTS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["At risk", "Can't lose them"], min_length=1
    )
    period_days: int = Field(365, ge=1, le=3_650)


@dataclass(frozen=True, slots=True)
class Kind:
    message_kind: str  # marketing | transactional
    params: type[_Params]


KINDS = {
    "welcome": Kind("transactional", NoParams),
    "abandoned_cart": Kind("marketing", After),
    "abandoned_browse": Kind("marketing", After),
    "birthday": Kind("marketing", NoParams),
    "points_expiring": Kind("transactional", Within),
    "level_change": Kind("transactional", Direction),
    "win_back": Kind("marketing", AtRisk),
    "post_purchase": Kind("marketing", After),
    "survey_purchase": Kind("marketing", SurveyAfter),
    "survey_service": Kind("marketing", SurveyAfter),
}


@dataclass(frozen=True, slots=True)
class NewTrigger:
    code: str
    name: str
    kind: str
    channel: str
    text: str
    params: dict
    subject: str | None = None
    html: str | None = None
    expire_hours: int = 72
    enabled: bool = True
    audience: dict | None = None
    """An audience rule (``audience_rules``) each customer must meet at the occurrence."""


def parse_params(kind: str, data: dict) -> _Params:
    """The kind's parameters with their defaults; InvalidRecord names each bad one."""
    try:
        return KINDS[kind].params.model_validate(data)
    except ValidationError as exc:
        raise InvalidRecord(
            [FieldError(field_path(("params", *e["loc"]), ()), e["msg"]) for e in exc.errors()]
        ) from None


def _check(new: NewTrigger) -> tuple[list[FieldError], dict]:
    errors, params = [], {}
    if new.kind not in KINDS:
        errors.append(FieldError("kind", f"one of {', '.join(KINDS)}"))
    else:
        try:
            params = parse_params(new.kind, new.params).model_dump()
        except InvalidRecord as exc:
            errors += exc.errors
    if new.channel not in messages.CHANNELS:
        errors.append(FieldError("channel", f"one of {', '.join(messages.CHANNELS)}"))
    if not 1 <= new.expire_hours <= 2_160:
        errors.append(FieldError("expire_hours", "1..2160 hours"))
    errors += template_problems(new.channel, new.subject, "subject")
    try:
        Template(new.subject, new.text, new.html)
    except InvalidRecord as exc:
        errors += exc.errors
    return errors, params


def _audience(session: Session, data: dict | None) -> tuple[list[FieldError], dict | None]:
    """The rule as stored (defaults filled in), or the problems named under ``audience``."""
    if data is None:
        return [], None
    try:
        rule = audiences.parse_rule(data, at="audience")
    except InvalidRecord as exc:
        return exc.errors, None
    errors = audiences.check_references(rule, load_catalogue(session), at="audience")
    return errors, rule.model_dump(mode="json")


def audience_of(trigger: CampaignTrigger) -> audience_rules.Rule | None:
    return None if trigger.audience is None else audiences.parse_rule(trigger.audience)


def create(session: Session, new: NewTrigger, now: datetime) -> CampaignTrigger:
    """Store a trigger; it fires for what happens from ``now`` on (its first watermark)."""
    errors, params = _check(new)
    if "survey" in params and not surveys.exists(session.connection(), params["survey"]):
        errors.append(FieldError("params.survey", f"no survey {params['survey']!r}"))
    audience_errors, audience = _audience(session, new.audience)
    errors += audience_errors
    if errors:
        raise InvalidRecord(errors)
    if session.scalar(select(CampaignTrigger.id).where(CampaignTrigger.code == new.code)):
        raise Conflict(f"trigger {new.code!r} exists")
    row = CampaignTrigger(
        code=new.code,
        name=new.name,
        kind=new.kind,
        params=params,
        channel=new.channel,
        subject=new.subject,
        text=new.text,
        html=new.html,
        expire_hours=new.expire_hours,
        audience=audience,
        enabled=new.enabled,
        watermark=now,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return row


def get(session: Session, code: str) -> CampaignTrigger:
    found = session.scalar(select(CampaignTrigger).where(CampaignTrigger.code == code))
    if found is None:
        raise NotFound(f"no trigger {code!r}")
    return found


def list_all(session: Session, *, enabled_only: bool = False) -> list[CampaignTrigger]:
    query = select(CampaignTrigger).order_by(CampaignTrigger.code)
    if enabled_only:
        query = query.where(CampaignTrigger.enabled.is_(True))
    return list(session.scalars(query))


def set_enabled(session: Session, code: str, enabled: bool, now: datetime) -> CampaignTrigger:
    """Turn a trigger on or off. Turned on again, it starts from ``now``: what happened while it
    was off does not pour out at once."""
    row = get(session, code)
    if enabled and not row.enabled:
        row.watermark = max(row.watermark, now)
    row.enabled, row.updated_at = enabled, now
    return row
