"""A manual campaign: create it (audience, channel, A/B variants, control share, start), preview
it for a real customer, and launch it: freeze the audience, leave out the campaign's control and
the global control (stable hashes, ``control``), render each recipient's variant and hand the
messages to the outbox (``messages.enqueue``).

Launch is idempotent: the audience is frozen once (the campaign keeps its snapshot) and every
message key is ``{campaign}:{customer}:{channel}:0``, so a launch repeated after a crash queues
only what is missing. Messages are enqueued in chunks, each its own transaction."""

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import numpy as np
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from omnicrm.campaigns import audiences, control, measure, messages, unsubscribe
from omnicrm.campaigns.templates import Personal, Template
from omnicrm.core.errors import Conflict, FieldError, InvalidRecord, NotFound
from omnicrm.core.settings import get_settings
from omnicrm.predict.models import recommended_names
from omnicrm.promotions.coupons import normalize_code
from omnicrm.store.db import release_cache, unit_of_work
from omnicrm.store.schema import Customer
from omnicrm.store.schema.campaigns import Campaign, CampaignVariant
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyLot

CHANNELS = messages.CHANNELS
CHUNK = 5_000
EXPIRING_DAYS = 30
"""``points_expiring`` in a template: the active points that expire within this many days."""

Enqueue = Callable[[Connection, Sequence[messages.OutgoingMessage]], int]


@dataclass(frozen=True, slots=True)
class Variant:
    name: str
    text: str
    subject: str | None = None
    html: str | None = None
    weight: int = 1


@dataclass(frozen=True, slots=True)
class NewCampaign:
    code: str
    name: str
    audience: str
    channel: str
    variants: tuple[Variant, ...]
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    window_days: int = 14
    control_bp: int = 1_000
    offer_code: str | None = None


@dataclass
class Launch:
    campaign: str
    audience: int = 0
    control: int = 0
    global_control: int = 0
    queued: int = 0
    variants: dict[str, int] = field(default_factory=dict)


def _check(new: NewCampaign) -> list[FieldError]:
    errors = []
    if new.channel not in CHANNELS:
        errors.append(FieldError("channel", f"one of {', '.join(CHANNELS)}"))
    if not 0 <= new.control_bp <= 10_000:
        errors.append(FieldError("control_bp", "basis points, 0..10000"))
    if not 1 <= new.window_days <= 365:
        errors.append(FieldError("window_days", "1..365 days"))
    if not new.variants:
        errors.append(FieldError("variants", "at least one variant"))
    if len({v.name for v in new.variants}) != len(new.variants):
        errors.append(FieldError("variants", "variant names must be unique"))
    for i, v in enumerate(new.variants):
        if v.weight < 1:
            errors.append(FieldError(f"variants[{i}].weight", "at least 1"))
        errors += template_problems(new.channel, v.subject, f"variants[{i}].subject")
        try:
            Template(v.subject, v.text, v.html)
        except InvalidRecord as exc:
            errors += [FieldError(f"variants[{i}].{e.field}", e.message) for e in exc.errors]
    return errors


def template_problems(channel: str, subject: str | None, at: str) -> list[FieldError]:
    """What the channel asks of a subject: an e-mail needs one; at the till it names who sees
    the text (``messages.TILL_AUDIENCES``)."""
    if channel == "email" and not subject:
        return [FieldError(at, "an e-mail needs a subject")]
    if channel == messages.TILL and subject not in (None, *messages.TILL_AUDIENCES):
        return [FieldError(at, f"at the till: one of {', '.join(messages.TILL_AUDIENCES)}")]
    return []


def create(session: Session, new: NewCampaign, now: datetime) -> Campaign:
    """Store a draft (scheduled when it has a start); InvalidRecord names every bad field."""
    errors = _check(new)
    if errors:
        raise InvalidRecord(errors)
    if session.scalar(select(Campaign.id).where(Campaign.code == new.code)) is not None:
        raise Conflict(f"campaign {new.code!r} exists")
    row = Campaign(
        code=new.code,
        name=new.name,
        audience_id=audiences.get(session, new.audience).id,
        channel=new.channel,
        status="scheduled" if new.starts_at else "draft",
        starts_at=new.starts_at,
        expires_at=new.expires_at,
        window_days=new.window_days,
        control_bp=new.control_bp,
        offer_code=normalize_code(new.offer_code) if new.offer_code else None,
        queued=0,
        created_at=now,
    )
    session.add(row)
    session.flush()
    for v in new.variants:
        session.add(
            CampaignVariant(
                campaign_id=row.id,
                name=v.name,
                weight=v.weight,
                subject=v.subject,
                text=v.text,
                html=v.html,
            )
        )
    session.flush()
    return row


def get(session: Session, code: str) -> Campaign:
    found = session.scalar(select(Campaign).where(Campaign.code == code))
    if found is None:
        raise NotFound(f"no campaign {code!r}")
    return found


def variants_of(session: Session, campaign: Campaign) -> list[CampaignVariant]:
    return list(
        session.scalars(
            select(CampaignVariant)
            .where(CampaignVariant.campaign_id == campaign.id)
            .order_by(CampaignVariant.name)
        )
    )


def variant_of(customer_id: int, code: str, weights: Sequence[int]) -> int:
    """The index of the variant a customer gets: a stable hash (salt ``{code}:variant``) over the
    weights, independent of the control hashes."""
    point = int(hashlib.sha256(f"{code}:variant:{customer_id}".encode()).hexdigest()[:15], 16)
    point %= sum(weights)
    for i, w in enumerate(weights):
        if point < w:
            return i
        point -= w
    raise AssertionError("unreachable: point < sum(weights)")


def personal(
    conn: Connection, ids: Sequence[int], now: datetime, offer: str | None
) -> Iterator[Personal]:
    """Each id's template values, read in one pass per table."""
    names = dict(
        conn.execute(select(Customer.id, Customer.first_name).where(Customer.id.in_(ids))).all()
    )
    accounts = {
        cid: (level, balance)
        for cid, level, balance in conn.execute(
            select(
                LoyaltyAccount.customer_id,
                func.max(LoyaltyAccount.level),
                func.sum(LoyaltyAccount.balance),
            )
            .where(LoyaltyAccount.customer_id.in_(ids))
            .group_by(LoyaltyAccount.customer_id)
        )
    }
    expiring = {
        cid: (int(points), first)
        for cid, points, first in conn.execute(
            select(
                LoyaltyAccount.customer_id,
                func.sum(LoyaltyLot.remaining),
                func.min(LoyaltyLot.expires_at),
            )
            .join(LoyaltyLot, LoyaltyLot.account_id == LoyaltyAccount.id)
            .where(
                LoyaltyAccount.customer_id.in_(ids),
                LoyaltyLot.remaining > 0,
                LoyaltyLot.available_at <= now,
                LoyaltyLot.expires_at > now,
                LoyaltyLot.expires_at <= now + timedelta(days=EXPIRING_DAYS),
            )
            .group_by(LoyaltyAccount.customer_id)
        )
    }
    recommended = recommended_names(conn, ids)
    for cid in ids:
        level, balance = accounts.get(cid, (None, 0))
        points, first = expiring.get(cid, (0, None))
        yield Personal(
            customer_id=cid,
            first_name=names.get(cid),
            level=level,
            balance=int(balance or 0),
            points_expiring=points,
            points_expire_on=None if first is None else first.date(),
            offer_code=offer,
            recommended=recommended.get(cid, ()),
        )


def preview(session: Session, code: str, customer_id: int, now: datetime) -> dict[str, dict]:
    """Every variant rendered for one real customer, link included."""
    campaign = get(session, code)
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer {customer_id}")
    (who,) = personal(session.connection(), [customer_id], now, campaign.offer_code)
    link = unsubscribe.link(customer_id, campaign.channel, code)
    out = {}
    for v in variants_of(session, campaign):
        r = Template(v.subject, v.text, v.html).render(who, link)
        out[v.name] = {"subject": r.subject, "text": r.text, "html": r.html}
    return out


def split(campaign: Campaign, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(treated, campaign control, global control) of a frozen audience; a customer in both
    controls counts in the global one."""
    assert campaign.global_control_bp is not None, "split a launched campaign"
    in_global = np.fromiter(
        (control.in_control(int(c), control.GLOBAL_SALT, campaign.global_control_bp) for c in ids),
        dtype=bool,
        count=len(ids),
    )
    in_own = np.fromiter(
        (control.in_control(int(c), campaign.code, campaign.control_bp) for c in ids),
        dtype=bool,
        count=len(ids),
    )
    return ids[~in_global & ~in_own], ids[in_own & ~in_global], ids[in_global]


def _freeze(
    session: Session, db: duckdb.DuckDBPyConnection, campaign: Campaign, now: datetime
) -> audiences.Frozen:
    if campaign.snapshot_id is not None:
        return audiences.load_snapshot(session, campaign.snapshot_id)
    audience = session.get_one(audiences.Audience, campaign.audience_id)
    frozen = audiences.freeze(session, db, audience, now)
    campaign.snapshot_id = frozen.id
    campaign.status, campaign.launched_at = "launched", now
    campaign.global_control_bp = get_settings().global_control_bp
    return frozen


def launch(
    engine: Engine,
    db: duckdb.DuckDBPyConnection,
    code: str,
    now: datetime,
    enqueue: Enqueue | None = None,
) -> Launch:
    """Freeze the audience (once), split the controls, render and queue every treated
    customer's message; repeating it queues only what is missing."""
    with unit_of_work(engine) as session:
        campaign = get(session, code)
        frozen = _freeze(session, db, campaign, now)
        variants = variants_of(session, campaign)
    enqueue = enqueue or messages.enqueue
    treated, own, global_ = split(campaign, frozen.members)
    report = Launch(code, frozen.size, len(own), len(global_))
    templates = [Template(v.subject, v.text, v.html) for v in variants]
    weights = [v.weight for v in variants]
    marketing_email = campaign.channel == "email"
    not_before = max(campaign.starts_at or now, now)
    for lo in range(0, len(treated), CHUNK):
        chunk = [int(c) for c in treated[lo : lo + CHUNK]]
        batch = []
        with unit_of_work(engine) as session:
            conn = session.connection()
            for who in personal(conn, chunk, now, campaign.offer_code):
                i = variant_of(who.customer_id, code, weights)
                report.variants[variants[i].name] = report.variants.get(variants[i].name, 0) + 1
                link = (
                    unsubscribe.link(who.customer_id, campaign.channel, code)
                    if marketing_email
                    else None
                )
                r = templates[i].render(who, link)
                batch.append(
                    messages.OutgoingMessage(
                        key=f"{code}:{who.customer_id}:{campaign.channel}:0",
                        customer_id=who.customer_id,
                        channel=campaign.channel,
                        kind="marketing",
                        campaign=code,
                        subject=r.subject,
                        text=r.text,
                        html=r.html,
                        not_before=not_before,
                        expires_at=campaign.expires_at,
                    )
                )
            report.queued += enqueue(conn, batch)
            release_cache(conn)  # what a chunk wrote is not read again: memory stays flat
    with unit_of_work(engine) as session:
        get(session, code).queued += report.queued
    return report


def launch_due(
    engine: Engine, snapshot: Callable[[], duckdb.DuckDBPyConnection], now: datetime
) -> list[Launch]:
    """Launch every scheduled campaign whose start has come, freezing its audience now (the
    trigger job calls it on every run); ``snapshot`` is asked for only when one is due."""
    with unit_of_work(engine) as session:
        due = session.scalars(
            select(Campaign.code)
            .where(Campaign.status == "scheduled", Campaign.starts_at <= now)
            .order_by(Campaign.starts_at, Campaign.id)
        ).all()
    return [launch(engine, snapshot(), code, now) for code in due]


def results(session: Session, db: duckdb.DuckDBPyConnection, code: str) -> measure.Result:
    """The launched campaign's treated against its controls over its measurement window."""
    campaign = get(session, code)
    if campaign.snapshot_id is None or campaign.launched_at is None:
        raise Conflict(f"campaign {code!r} has not been launched")
    frozen = audiences.load_snapshot(session, campaign.snapshot_id)
    treated, own, global_ = split(campaign, frozen.members)
    since = max(campaign.starts_at or campaign.launched_at, campaign.launched_at)
    until = since + timedelta(days=campaign.window_days)
    t, c = measure.read_outcomes(db, treated, np.concatenate([own, global_]), since, until)
    settings = get_settings()
    return measure.measure(
        t,
        c,
        message_cost_minor=settings.campaign_message_cost_minor,
        margin_bp=settings.campaign_margin_bp,
        min_sample=settings.campaign_min_sample,
    )
