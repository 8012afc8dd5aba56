"""Surveys in the store: questionnaires, and the answers (``events`` of kind ``survey_answer``)
read back for scoring. An answer's ``attrs.survey`` is the survey code; the imported ``surveys``
source writes ``nps`` or ``csi`` there, so its answers count under surveys coded so."""

from datetime import datetime

from sqlalchemy import Connection, insert, select

from omnicrm.core.errors import Conflict, NotFound
from omnicrm.store.schema import Event, Store
from omnicrm.store.schema.surveys import Survey
from omnicrm.surveys.questionnaire import Questionnaire, parse
from omnicrm.surveys.scores import Scored

SURVEYS = Survey.__table__


def create(conn: Connection, q: Questionnaire, now: datetime) -> None:
    if conn.execute(select(SURVEYS.c.code).where(SURVEYS.c.code == q.code)).first():
        raise Conflict(f"survey {q.code!r} exists")
    questions = [{"id": x.id, "text": x.text} for x in q.questions]
    conn.execute(
        insert(SURVEYS).values(
            code=q.code, name=q.name, kind=q.kind, questions=questions, created_at=now
        )
    )


def _of(row) -> Questionnaire:  # type: ignore[no-untyped-def]
    return parse(row.code, row.name, row.kind, row.questions)


def exists(conn: Connection, code: str) -> bool:
    return conn.scalar(select(SURVEYS.c.code).where(SURVEYS.c.code == code)) is not None


def get(conn: Connection, code: str) -> Questionnaire:
    row = conn.execute(select(SURVEYS).where(SURVEYS.c.code == code)).first()
    if row is None:
        raise NotFound(f"no survey {code!r}")
    return _of(row)


def list_all(conn: Connection) -> list[Questionnaire]:
    return [_of(r) for r in conn.execute(select(SURVEYS).order_by(SURVEYS.c.code))]


def answers(
    conn: Connection, survey: Questionnaire, since: datetime | None, until: datetime | None
) -> list[Scored]:
    """Every answer to ``survey`` in ``[since, until)`` (open ends: all), imported ones included."""
    e = Event.__table__
    query = (
        select(e.c.attrs, e.c.occurred_at, e.c.channel, e.c.customer_id, e.c.source, Store.code)
        .select_from(e.outerjoin(Store, Store.id == e.c.store_id))
        .where(e.c.kind == "survey_answer", e.c.attrs["survey"].as_string() == survey.code)
    )
    if since is not None:
        query = query.where(e.c.occurred_at >= since)
    if until is not None:
        query = query.where(e.c.occurred_at < until)
    return [
        Scored(
            score=float(r.attrs["score"]),
            answered_at=r.occurred_at,
            store=r.code,
            channel=r.channel,
            customer_id=r.customer_id,
            source=r.source,
        )
        for r in conn.execute(query)
        if isinstance(r.attrs.get("score"), int | float)
    ]
