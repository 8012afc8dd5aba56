"""The trigger job: for every enabled trigger, find the occurrences since its watermark, render
one message per occurrence and customer and queue it; then launch the scheduled campaigns that
are due. Run it as often as you like: each message key names its occurrence
(``trigger:{code}:{occurrence}:{customer}:{channel}:0``), so a repeated run queues nothing new.

The occurrence of each kind: the account (welcome: enrolments only, not accounts the registry
migration opened), the cart's last event (abandoned cart), the customer-local year (birthday),
the soonest lot to expire (points expiring), the level change, the customer's last order
(win-back: once per lapse, again only after they buy and lapse again), the order (post-purchase).
"""

import calendar
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
from sqlalchemy import Connection, Engine, and_, exists, extract, func, or_, select, update
from sqlalchemy.orm import Session

from omnicrm.campaigns import audience_rules, audiences, campaign, control, messages, unsubscribe
from omnicrm.campaigns.templates import Template
from omnicrm.campaigns.triggers import KINDS, audience_of, list_all, parse_params
from omnicrm.core.clock import zone
from omnicrm.core.settings import get_settings
from omnicrm.customers import carts
from omnicrm.loyalty import repository
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Customer, Event, Order, Store
from omnicrm.store.schema.campaigns_triggers import CampaignTrigger
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyLevelChange,
    LoyaltyLot,
    LoyaltyRegistryEntry,
)
from omnicrm.surveys import invitations
from omnicrm.surveys import repository as surveys

Found = list[tuple[int, str]]  # (customer, occurrence)
VIEW = "product_view"
SERVICE_CONTACT = "call"


@dataclass(frozen=True, slots=True)
class Window:
    session: Session
    since: datetime  # the watermark: what happened after it is new
    now: datetime
    snapshot: Callable[[], duckdb.DuckDBPyConnection]

    @property
    def conn(self) -> Connection:
        return self.session.connection()


@dataclass
class RunReport:
    queued: dict[str, int] = field(default_factory=dict)
    launched: list[str] = field(default_factory=list)
    expired_at_till: int = 0


def _welcome(w: Window, params: object) -> Found:
    migrated = exists().where(LoyaltyRegistryEntry.account_id == LoyaltyAccount.id)
    rows = w.conn.execute(
        select(LoyaltyAccount.customer_id, LoyaltyAccount.id).where(
            LoyaltyAccount.created_at > w.since, LoyaltyAccount.created_at <= w.now, ~migrated
        )
    )
    return [(c, str(a)) for c, a in rows]


def _abandoned_cart(w: Window, params: object) -> Found:
    """Carts whose last change was ``hours`` ago, still holding something (no order since)."""
    delay = timedelta(hours=params.hours)  # type: ignore[attr-defined]
    last = func.max(Event.occurred_at)
    candidates = w.conn.execute(
        select(Event.customer_id, func.max(Event.id))
        .where(
            Event.customer_id.is_not(None),
            Event.kind.in_((carts.ADD, carts.REMOVE)),
            Event.occurred_at > w.since - delay,
        )
        .group_by(Event.customer_id)
        .having(last <= w.now - delay)
    ).all()
    return [
        (customer, str(event))
        for customer, event in candidates
        if carts.cart_of(w.session, customer, w.now) is not None
    ]


def _abandoned_browse(w: Window, params: object) -> Found:
    """Products viewed ``hours`` ago by a customer who has neither put anything in the cart nor
    ordered since the last view; the occurrence is that last view."""
    delay = timedelta(hours=params.hours)  # type: ignore[attr-defined]
    views = w.conn.execute(
        select(Event.customer_id, func.max(Event.id), func.max(Event.occurred_at))
        .where(
            Event.customer_id.is_not(None),
            Event.kind == VIEW,
            Event.occurred_at > w.since - delay,
        )
        .group_by(Event.customer_id)
        .having(func.max(Event.occurred_at) <= w.now - delay)
    ).all()
    found = []
    for customer, event, viewed in views:
        later = or_(
            exists().where(
                Event.customer_id == customer,
                Event.kind.in_((carts.ADD, carts.REMOVE)),
                Event.occurred_at >= viewed,
            ),
            exists().where(Order.customer_id == customer, Order.placed_at >= viewed),
        )
        if not w.conn.scalar(select(later)):
            found.append((customer, str(event)))
    return found


def is_birthday(born: date, local: date) -> bool:
    """A birthday on 29 February is kept on the 28th in other years."""
    if (born.month, born.day) == (local.month, local.day):
        return True
    leap_day = (born.month, born.day) == (2, 29)
    return leap_day and not calendar.isleap(local.year) and (local.month, local.day) == (2, 28)


def _birthday(w: Window, params: object) -> Found:
    """Customers whose birthday is today in their own zone (the home store's)."""
    days = {(w.now + timedelta(days=d)).date() for d in (-1, 0, 1)} | {date(2000, 2, 29)}
    month, day = extract("month", Customer.birth_date), extract("day", Customer.birth_date)
    default = get_settings().customer_timezone
    rows = w.conn.execute(
        select(Customer.id, Customer.birth_date, Store.timezone)
        .outerjoin(Store, Store.id == Customer.home_store_id)
        .where(
            Customer.birth_date.is_not(None),
            or_(*(and_(month == d.month, day == d.day) for d in days)),
        )
    )
    found = []
    for customer, born, tz in rows:
        local = w.now.astimezone(zone(tz or default)).date()
        if is_birthday(born, local):
            found.append((customer, str(local.year)))
    return found


def _points_expiring(w: Window, params: object) -> Found:
    """The soonest active lot to expire within ``days``, per customer."""
    until = w.now + timedelta(days=params.days)  # type: ignore[attr-defined]
    rows = w.conn.execute(
        select(LoyaltyAccount.customer_id, LoyaltyLot.id)
        .join(LoyaltyAccount, LoyaltyAccount.id == LoyaltyLot.account_id)
        .where(
            LoyaltyLot.remaining > 0,
            LoyaltyLot.available_at <= w.now,
            LoyaltyLot.expires_at > w.now,
            LoyaltyLot.expires_at <= until,
        )
        .order_by(LoyaltyAccount.customer_id, LoyaltyLot.expires_at, LoyaltyLot.id)
    )
    first: dict[int, str] = {}
    for customer, lot in rows:
        first.setdefault(customer, str(lot))
    return list(first.items())


def _level_change(w: Window, params: object) -> Found:
    direction = params.direction  # type: ignore[attr-defined]
    rows = w.conn.execute(
        select(
            LoyaltyAccount.customer_id,
            LoyaltyAccount.program_code,
            LoyaltyLevelChange.id,
            LoyaltyLevelChange.from_level,
            LoyaltyLevelChange.to_level,
        )
        .join(LoyaltyAccount, LoyaltyAccount.id == LoyaltyLevelChange.account_id)
        .where(LoyaltyLevelChange.at > w.since, LoyaltyLevelChange.at <= w.now)
        .order_by(LoyaltyLevelChange.id)
    ).all()
    ranks: dict[str, dict[str | None, int]] = {}
    found = []
    for customer, program, change, before, after in rows:
        if program not in ranks:
            levels = repository.program_in_force(w.session, program)[0].levels
            tiers = levels.tiers if levels else ()
            ranks[program] = {None: -1} | {t.code: i for i, t in enumerate(tiers)}
        rank = ranks[program]
        up = rank.get(after, -1) > rank.get(before, -1)
        if direction == "any" or (direction == "up") == up:
            found.append((customer, str(change)))
    return found


def _win_back(w: Window, params: object) -> Found:
    """Customers in an at-risk RFM segment over the analytics snapshot, once per last order."""
    rule = audience_rules.Rfm(
        type="rfm",
        segments=params.segments,  # type: ignore[attr-defined]
        period_days=params.period_days,  # type: ignore[attr-defined]
    )
    live = audiences.live_tables(w.conn, audiences.needs(rule), w.now)
    ids = [int(c) for c in audiences.members(w.snapshot(), rule, w.now, live)]
    found = []
    for lo in range(0, len(ids), campaign.CHUNK):
        found += [
            (customer, str(order))
            for customer, order in w.conn.execute(
                select(Order.customer_id, func.max(Order.id))
                .where(Order.customer_id.in_(ids[lo : lo + campaign.CHUNK]))
                .group_by(Order.customer_id)
            )
        ]
    return found


def _post_purchase(w: Window, params: object) -> Found:
    delay = timedelta(hours=params.hours)  # type: ignore[attr-defined]
    rows = w.conn.execute(
        select(Order.customer_id, Order.id).where(
            Order.customer_id.is_not(None),
            Order.placed_at > w.since - delay,
            Order.placed_at <= w.now - delay,
        )
    )
    return [(c, str(o)) for c, o in rows]


def _service_contacts(w: Window, params: object) -> Found:
    """Calls to the contact centre ``hours`` ago; the occurrence is the call's event."""
    delay = timedelta(hours=params.hours)  # type: ignore[attr-defined]
    rows = w.conn.execute(
        select(Event.customer_id, Event.id).where(
            Event.customer_id.is_not(None),
            Event.kind == SERVICE_CONTACT,
            Event.occurred_at > w.since - delay,
            Event.occurred_at <= w.now - delay,
        )
    )
    return [(c, str(e)) for c, e in rows]


FINDERS: dict[str, Callable[[Window, object], Found]] = {
    "welcome": _welcome,
    "abandoned_cart": _abandoned_cart,
    "abandoned_browse": _abandoned_browse,
    "birthday": _birthday,
    "points_expiring": _points_expiring,
    "level_change": _level_change,
    "win_back": _win_back,
    "post_purchase": _post_purchase,
    "survey_purchase": _post_purchase,
    "survey_service": _service_contacts,
}
SURVEY_OCCASIONS = {
    "survey_purchase": invitations.order_occasion,
    "survey_service": invitations.contact_occasion,
}
"""Survey triggers queue the questionnaire's own invitation (its signed link), not a template."""
assert set(FINDERS) == set(KINDS), "every kind of trigger has a finder"


def _messages(
    conn: Connection, trigger: CampaignTrigger, found: Found, now: datetime
) -> Iterator[messages.OutgoingMessage]:
    kind = KINDS[trigger.kind].message_kind
    occurrence = dict(found)
    template = Template(trigger.subject, trigger.text, trigger.html)
    ids = sorted(occurrence)
    if trigger.channel == messages.TILL and kind == "marketing":  # no gate runs at the till
        bp = get_settings().global_control_bp
        ids = [c for c in ids if not control.in_control(c, control.GLOBAL_SALT, bp)]
    with_link = trigger.channel == "email" and kind == "marketing"
    for who in campaign.personal(conn, ids, now, None):
        cid = who.customer_id
        link = unsubscribe.link(cid, trigger.channel, trigger.code) if with_link else None
        r = template.render(who, link)
        yield messages.OutgoingMessage(
            key=f"trigger:{trigger.code}:{occurrence[cid]}:{cid}:{trigger.channel}:0",
            customer_id=cid,
            channel=trigger.channel,
            kind=kind,
            campaign=None,
            subject=r.subject,
            text=r.text,
            html=r.html,
            not_before=None,
            expires_at=now + timedelta(hours=trigger.expire_hours),
        )


def in_audience(w: Window, rule: audience_rules.Rule | None, found: Found) -> Found:
    """The occurrences whose customer meets the trigger's audience rule now, judged for those
    customers alone: the rule compiled once per run, over the analytics snapshot (refreshed
    for the run) with their live consents, balances and lots read from the store."""
    if rule is None or not found:
        return found
    ids = sorted({c for c, _ in found})
    kept = set(audiences.evaluate(w.conn, w.snapshot(), rule, w.now, among=ids).tolist())
    return [(c, o) for c, o in found if c in kept]


def run_trigger(
    session: Session,
    trigger: CampaignTrigger,
    now: datetime,
    snapshot: Callable[[], duckdb.DuckDBPyConnection],
) -> int:
    """Queue the trigger's messages for what happened since its watermark, and move the
    watermark to ``now``; the number of messages new to the outbox."""
    window = Window(session, trigger.watermark, now, snapshot)
    params = parse_params(trigger.kind, trigger.params)
    found = in_audience(window, audience_of(trigger), FINDERS[trigger.kind](window, params))
    conn = session.connection()
    occasion = SURVEY_OCCASIONS.get(trigger.kind)
    if occasion is not None:
        survey = surveys.get(conn, params.survey)  # type: ignore[attr-defined]
        made = [occasion(conn, int(o)) for _, o in found]
        trigger.watermark = max(trigger.watermark, now)
        return invitations.invite(conn, survey, made, now, trigger.channel)
    batch = list(_messages(conn, trigger, found, now))
    queued = sum(
        messages.enqueue(conn, batch[lo : lo + campaign.CHUNK])
        for lo in range(0, len(batch), campaign.CHUNK)
    )
    trigger.watermark = max(trigger.watermark, now)
    return queued


def expire_at_till(conn: Connection, now: datetime) -> int:
    """Till messages no receipt showed before they expired: dropped, and saying so."""
    done = conn.execute(
        update(messages.OUTBOX)
        .where(
            messages.OUTBOX.c.channel == messages.TILL,
            messages.OUTBOX.c.status == "queued",
            messages.OUTBOX.c.expires_at <= now,
        )
        .values(status="dropped", reason="expired")
    )
    return done.rowcount


def run(
    engine: Engine, snapshot: Callable[[], duckdb.DuckDBPyConnection], now: datetime
) -> RunReport:
    """Every enabled trigger, each in its own transaction; then the due campaigns."""
    report = RunReport()
    with unit_of_work(engine) as session:
        codes = [t.code for t in list_all(session, enabled_only=True)]
    for code in codes:
        with unit_of_work(engine) as session:
            trigger = session.scalar(select(CampaignTrigger).where(CampaignTrigger.code == code))
            assert trigger is not None, "triggers are never deleted"
            report.queued[code] = run_trigger(session, trigger, now, snapshot)
    with unit_of_work(engine) as session:
        report.expired_at_till = expire_at_till(session.connection(), now)
    report.launched = [done.campaign for done in campaign.launch_due(engine, snapshot, now)]
    return report
