"""HTTP routes of surveys (``/surveys``): scopes ``surveys:read`` to look, ``surveys:write`` to
create questionnaires and invite; the till answers with ``till:survey`` (a ``till:*`` key may).
Routes only translate HTTP to a use case and back."""

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from omnicrm.analytics.router import SnapshotDep
from omnicrm.api.deps import EngineDep, NowDep, requires
from omnicrm.api.responses import errors
from omnicrm.core.bounds import AwareInstant, Id, Instant
from omnicrm.surveys import answers, invitations, repository
from omnicrm.surveys.questionnaire import parse
from omnicrm.surveys.report import scores

router = APIRouter(prefix="/surveys", tags=["surveys"], responses=errors(404))
READ, WRITE = [requires("surveys:read")], [requires("surveys:write")]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SurveyIn(_In):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["nps", "csi"]
    questions: list[dict[str, Any]] = Field(min_length=1, max_length=10)


class InviteIn(_In):
    since: AwareInstant
    until: AwareInstant
    channel: Literal["email", "sms", "push", "messenger"] = "email"


class TillAnswerIn(_In):
    customer_id: Id
    store: str = Field(min_length=1, max_length=32)
    receipt: str = Field(min_length=1, max_length=128, description="the receipt's number")
    answers: dict[str, int]
    comment: str | None = Field(None, max_length=4000)


def _out(q: Any) -> dict:
    return {
        "code": q.code,
        "name": q.name,
        "kind": q.kind,
        "questions": [asdict(x) for x in q.questions],
    }


@router.post("", status_code=201, dependencies=WRITE, responses=errors(409))
def create_survey(engine: EngineDep, now: NowDep, body: SurveyIn) -> dict:
    q = parse(body.code, body.name, body.kind, body.questions)
    with engine.begin() as conn:
        repository.create(conn, q, now)
    return _out(q)


@router.get("", dependencies=READ)
def list_surveys(engine: EngineDep) -> list[dict]:
    with engine.connect() as conn:
        return [_out(q) for q in repository.list_all(conn)]


@router.get("/{code}/scores", dependencies=READ)
def survey_scores(
    engine: EngineDep,
    snapshot: SnapshotDep,
    now: NowDep,
    code: str,
    by: Literal["store", "channel", "segment", "month"] | None = None,
    since: Annotated[Instant | None, Query()] = None,
    until: Annotated[Instant | None, Query()] = None,
) -> dict:
    """NPS (% promoters - % detractors) or CSI (mean and % satisfied), with the counts."""
    with engine.connect() as conn:
        kind, rows = scores(
            conn, code, by=by, since=since, until=until, now=now, snapshot=snapshot.cursor
        )
    return {"survey": code, "kind": kind, "by": by, "scores": [asdict(r) for r in rows]}


@router.post("/{code}/invitations", dependencies=WRITE)
def invite_period(engine: EngineDep, now: NowDep, code: str, body: InviteIn) -> dict:
    """Invite the customers of the period's orders not invited yet (queued in the outbox)."""
    with engine.begin() as conn:
        made = invitations.invite_period(conn, code, body.since, body.until, now, body.channel)
    return {"survey": code, "invited": made}


@router.post(
    "/{code}/answers",
    status_code=201,
    dependencies=[requires("till:survey")],
    responses=errors(409),
)
def answer_at_till(engine: EngineDep, now: NowDep, code: str, body: TillAnswerIn) -> dict:
    """The till's answer for the receipt's customer: one per receipt and survey."""
    with engine.begin() as conn:
        event_id = answers.answer_at_till(
            conn,
            code,
            customer_id=body.customer_id,
            store=body.store,
            receipt=body.receipt,
            given=body.answers,
            comment=body.comment,
            now=now,
        )
    return {"event_id": event_id}
