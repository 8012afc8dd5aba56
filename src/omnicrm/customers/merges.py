"""The merges that formed a profile, each with the evidence behind it (I2: merges explained)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnicrm.customers.schemas import MergeOut
from omnicrm.identity.aliases import alias_ids, live_id
from omnicrm.store.schema import Merge


def _moved_counts(evidence: dict) -> dict[str, int]:
    return {table: len(ids) for table, ids in (evidence.get("moved") or {}).items()}


def profile_merges(session: Session, customer_id: int, *, include_undone: bool) -> list[MergeOut]:
    """Merges into the profile or into any id it absorbed, oldest first; undone ones on request
    (they explain why two profiles that look alike are apart)."""
    family = alias_ids(session, live_id(session, customer_id))
    involved = Merge.survivor_id.in_(family)
    if include_undone:
        involved = involved | Merge.absorbed_id.in_(family)
    else:
        involved = involved & Merge.undone_at.is_(None)
    stmt = select(Merge).where(involved).order_by(Merge.id)
    return [
        MergeOut(
            id=m.id,
            survivor_id=m.survivor_id,
            absorbed_id=m.absorbed_id,
            method=m.method,
            score=m.score,
            evidence={k: v for k, v in m.evidence.items() if k != "moved"},
            moved=_moved_counts(m.evidence),
            created_at=m.created_at,
            undone_at=m.undone_at,
            undone_reason=m.undone_reason,
        )
        for m in session.scalars(stmt)
    ]
