"""Exactly-once operations: each is keyed by (terminal, kind, operation id) and stores its first
answer. A retry with the same body gets that answer and changes nothing; a retry with another
body is a conflict."""

import hashlib
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnicrm.core.errors import Conflict
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.loyalty import LoyaltyOperation

T = TypeVar("T")


def request_hash(request: BaseModel) -> str:
    return hashlib.sha256(request.model_dump_json(exclude_none=True).encode()).hexdigest()


def stored_answer(session: Session, terminal: str, kind: str, key: str, digest: str) -> dict | None:
    """The first answer to this operation, None if it never ran; Conflict on a changed body."""
    row = session.execute(
        select(LoyaltyOperation.request_hash, LoyaltyOperation.response).where(
            LoyaltyOperation.terminal == terminal,
            LoyaltyOperation.kind == kind,
            LoyaltyOperation.op_key == key,
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != digest:
        raise changed_body(kind, key, terminal)
    return row.response


def changed_body(kind: str, key: str, terminal: str) -> Conflict:
    """The error for a retry whose body differs from the first request with its id."""
    return Conflict(
        f"{kind} {key!r} from terminal {terminal!r} was already done with a different body",
        details=[{"field": "body", "message": "differs from the first request with this id"}],
    )


def run_once(
    engine: Engine,
    terminal: str,
    kind: str,
    key: str,
    digest: str,
    work: Callable[[Session], dict],
) -> dict:
    """Run ``work`` in one unit of work unless the operation already ran. ``work`` must call
    ``stored_answer`` again once it holds the account lock (two retries may race) and store its
    answer on the operation row it inserts."""
    with read_session(engine) as session:
        answer = stored_answer(session, terminal, kind, key, digest)
    if answer is not None:
        return answer
    try:
        with unit_of_work(engine) as session:
            return work(session)
    except IntegrityError:
        # A concurrent twin inserted the same key first (on another account's lock): replay it.
        with read_session(engine) as session:
            answer = stored_answer(session, terminal, kind, key, digest)
        if answer is None:
            raise
        return answer
