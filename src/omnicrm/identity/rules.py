"""Manual link rules: a person's decision that two profiles are (never / always) one. They are
input of every resolution, so a replay reproduces the decision."""

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from omnicrm.core.clock import utcnow
from omnicrm.store.schema import LinkRule

KINDS = ("never_link", "always_link")


def add_rule(session: Session, kind: str, a: int, b: int, *, reason: str) -> LinkRule:
    """Record the rule once (a repeated decision keeps the first record)."""
    if kind not in KINDS:
        raise ValueError(f"unknown rule kind {kind!r}")
    left, right = sorted((a, b))
    existing = session.scalar(
        select(LinkRule).where(
            LinkRule.kind == kind, LinkRule.left_id == left, LinkRule.right_id == right
        )
    )
    if existing:
        return existing
    rule = LinkRule(kind=kind, left_id=left, right_id=right, reason=reason, created_at=utcnow())
    session.add(rule)
    session.flush()
    return rule


def remove_rule(session: Session, kind: str, a: int, b: int) -> None:
    left, right = sorted((a, b))
    session.execute(
        delete(LinkRule).where(
            LinkRule.kind == kind, LinkRule.left_id == left, LinkRule.right_id == right
        )
    )
