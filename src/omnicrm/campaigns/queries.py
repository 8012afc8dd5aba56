"""Read models of the audience and campaign pages: lists, each audience's newest snapshot, the
outbox by campaign and status, and the stores' time zones a launch may be scheduled in."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnicrm.campaigns.messages import OUTBOX
from omnicrm.store.schema import Store
from omnicrm.store.schema.campaigns import Audience, AudienceSnapshot, Campaign


def latest_snapshots(session: Session) -> dict[int, AudienceSnapshot]:
    """Each audience's newest snapshot, by audience id."""
    newest = select(func.max(AudienceSnapshot.id)).group_by(AudienceSnapshot.audience_id)
    rows = session.scalars(select(AudienceSnapshot).where(AudienceSnapshot.id.in_(newest)))
    return {s.audience_id: s for s in rows}


def find_audience(session: Session, code: str) -> Audience | None:
    return session.scalar(select(Audience).where(Audience.code == code))


def audience_by_id(session: Session, audience_id: int) -> Audience | None:
    return session.get(Audience, audience_id)


def audience_codes(session: Session) -> dict[int, str]:
    return {aid: code for aid, code in session.execute(select(Audience.id, Audience.code))}


def list_campaigns(session: Session) -> list[Campaign]:
    """Newest first."""
    return list(session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id)))


def outbox_counts(session: Session) -> dict[str, dict[str, int]]:
    """Per campaign: its outbox rows by status."""
    rows = session.execute(
        select(OUTBOX.c.campaign, OUTBOX.c.status, func.count())
        .where(OUTBOX.c.campaign.is_not(None))
        .group_by(OUTBOX.c.campaign, OUTBOX.c.status)
    )
    out: dict[str, dict[str, int]] = {}
    for code, status, n in rows:
        out.setdefault(code, {})[status] = n
    return out


def store_zones(session: Session) -> set[str]:
    """The IANA zones of the stores (a campaign is scheduled in one of them)."""
    return {z for (z,) in session.execute(select(Store.timezone).distinct()) if z}
