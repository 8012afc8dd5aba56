"""Who a record that just streamed in belongs to, decided in the transaction that stored it.

A new order or event is resolved now (``incremental.resolve_record``: the bulk run's policies).
Everything else follows a profile that already exists: a record stored before (a duplicate) keeps
its profile, a return or a status update follows its order, and a loyalty registry record is a
profile of its own (joining it with other profiles needs every registry person sharing its
identifiers, which is the bulk run's over-merge guard).
"""

from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnicrm.identity.aliases import live_id
from omnicrm.identity.incremental import RECORD_MODELS, RecordOutcome, resolve_record
from omnicrm.store.schema import Order, ReturnLine


class Placed(StrEnum):
    ATTACHED = "attached"
    """The record went to a profile that already existed."""
    CREATED = "created"
    """A profile was created for it."""
    MERGED = "merged"
    """It proved two or more profiles to be one person; they were merged into ``customer_id``."""
    ANONYMOUS = "anonymous"
    """No profile: the record carries nothing that may name a person on its own."""


def place_record(session: Session, record_type: str, record_id: int, *, new: bool) -> RecordOutcome:
    """Resolve a new ``order`` / ``event``; for a stored one, a ``return`` or a ``customer``
    (registry record), say which profile it is on now."""
    if new and record_type in RECORD_MODELS:
        return resolve_record(session, record_type, record_id)
    if record_type == "customer":
        action = Placed.CREATED if new else Placed.ATTACHED
        return RecordOutcome(live_id(session, record_id), action.value)
    if record_type == "return":
        owner = session.scalar(
            select(Order.customer_id)
            .join(ReturnLine, ReturnLine.order_id == Order.id)
            .where(ReturnLine.return_id == record_id, Order.customer_id.is_not(None))
            .order_by(ReturnLine.line_no)
            .limit(1)
        )
    else:
        model = RECORD_MODELS[record_type]
        owner = session.scalar(select(model.customer_id).where(model.id == record_id))
    if owner is None:
        return RecordOutcome(None, Placed.ANONYMOUS.value)
    return RecordOutcome(live_id(session, owner), Placed.ATTACHED.value)
