"""Taking an answer: on the public page by invitation (once per invitation), or at the till for
the receipt's customer (once per receipt). Each answer is one ``events`` row of kind
``survey_answer`` (the shape the imported ``surveys`` source writes, plus the per-question
scores), so it is in the customer's journey. Bad input raises before anything is written."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from omnicrm.core.errors import Conflict, FieldError, InvalidRecord, NotFound
from omnicrm.store.schema import Customer, Event, Order, Store
from omnicrm.store.schema.surveys import SurveyInvitation
from omnicrm.surveys import links, repository
from omnicrm.surveys.questionnaire import Answer, Questionnaire, read_answer

SOURCE = "survey_forms"
"""The events' source for answers taken here (the imported ones are ``surveys``)."""
INVITATIONS = SurveyInvitation.__table__
EVENTS = Event.__table__


def _write(
    conn: Connection, survey: Questionnaire, answer: Answer, key: str, **fields: Any
) -> int | None:
    attrs = {
        "survey": survey.code,
        "kind": survey.kind,
        "score": answer.overall(survey.kind),
        "answers": answer.scores,
        "comment": answer.comment,
    }
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(EVENTS)
        .values(source=SOURCE, source_key=key, kind="survey_answer", attrs=attrs, **fields)
        .on_conflict_do_nothing(index_elements=["source", "source_key"])
        .returning(EVENTS.c.id)
    )
    return conn.execute(stmt).scalar()


def open_invitation(conn: Connection, token: str) -> tuple[Any, Questionnaire]:
    """The invitation a link names and its survey (NotFound for a forged or unknown link)."""
    row = conn.execute(
        select(INVITATIONS).where(INVITATIONS.c.id == links.read_token(token))
    ).first()
    if row is None:
        raise NotFound("unknown survey link")
    return row, repository.get(conn, row.survey)


def answer_invitation(
    conn: Connection, token: str, given: Mapping[str, Any], comment: Any, now: datetime
) -> int:
    """Record the page's answer; Conflict when the invitation was answered already."""
    invitation, survey = open_invitation(conn, token)
    answer = read_answer(survey, given, comment)
    taken = conn.execute(
        update(INVITATIONS)
        .where(INVITATIONS.c.id == invitation.id, INVITATIONS.c.answered_at.is_(None))
        .values(answered_at=now)
    )
    if taken.rowcount != 1:
        raise Conflict("this survey was already answered")
    order_ref = None
    if invitation.order_id is not None:
        order_ref = conn.scalar(select(Order.source_key).where(Order.id == invitation.order_id))
    event_id = _write(
        conn,
        survey,
        answer,
        f"invitation:{invitation.id}",
        channel="web",
        occurred_at=now,
        store_id=invitation.store_id,
        customer_id=invitation.customer_id,
        order_ref=order_ref,
    )
    assert event_id is not None  # the invitation's row was ours: its event cannot exist
    return event_id


def answer_at_till(
    conn: Connection,
    survey_code: str,
    *,
    customer_id: int,
    store: str,
    receipt: str,
    given: Mapping[str, Any],
    comment: Any,
    now: datetime,
) -> int:
    """Record the till's answer for the receipt's customer; Conflict for a second one."""
    survey = repository.get(conn, survey_code)
    answer = read_answer(survey, given, comment)
    errors = []
    store_id = conn.scalar(select(Store.id).where(Store.code == store))
    if store_id is None:
        errors.append(FieldError("store", f"no store {store!r}"))
    if conn.scalar(select(Customer.id).where(Customer.id == customer_id)) is None:
        errors.append(FieldError("customer_id", f"no customer {customer_id}"))
    if errors:
        raise InvalidRecord(errors)
    event_id = _write(
        conn,
        survey,
        answer,
        f"till:{survey.code}:{store}:{receipt}",
        channel="store",
        occurred_at=now,
        store_id=store_id,
        customer_id=customer_id,
        order_ref=receipt,
    )
    if event_id is None:
        raise Conflict(f"receipt {receipt!r} already answered this survey")
    return event_id
