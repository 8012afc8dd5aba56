"""Read-side queries over profiles: search and the profile itself (its histories are paged by
``orders``, ``events``, ``journey`` and ``merges``).

A merge points every retired id straight at the live survivor (``merged_into_id`` is flattened by
``merge_profiles`` and by bulk resolution), so ``coalesce(merged_into_id, id)`` is a record's live
profile in one step, which lets search page over live profiles in SQL.
"""

from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true, union
from sqlalchemy.orm import Session

from omnicrm.core.errors import NotFound
from omnicrm.customers.schemas import (
    ChannelActivity,
    ConsentOut,
    CustomerDetail,
    CustomerPage,
    CustomerSummary,
    IdentifierOut,
    LoyaltyAccountOut,
)
from omnicrm.customers.search import SearchTerm, name_tokens, read_query
from omnicrm.identity.aliases import alias_ids, live_id
from omnicrm.identity.snapshot import REGISTRY_TYPES
from omnicrm.store.schema import Consent, Customer, Event, Identifier, Order, RecordIdentifier
from omnicrm.store.schema.loyalty import LoyaltyAccount

LIVE_ID = func.coalesce(Customer.merged_into_id, Customer.id)
CONTACT_KINDS = ("phone", "email")


def _summary(c: Customer) -> CustomerSummary:
    return CustomerSummary(
        id=c.id,
        first_name=c.first_name,
        last_name=c.last_name,
        city=c.city,
        enrolled_at=c.enrolled_at,
    )


def _spellings(token: str) -> list[str]:
    """The token as typed and capitalised: SQLite folds case for ASCII only, and names are
    stored capitalised, so ``иванова`` still finds ``Иванова`` there."""
    return sorted({token, token[:1].upper() + token[1:].lower()})


def _name_matches(token: str) -> ColumnElement[bool]:
    columns = (Customer.first_name, Customer.last_name, Customer.middle_name)
    return or_(*(col.istartswith(s, autoescape=True) for col in columns for s in _spellings(token)))


def _matching_ids(term: SearchTerm) -> Select:
    """Ids of every profile (live or retired) the term matches."""
    if term.kind == "name":
        return select(Customer.id).where(and_(true(), *map(_name_matches, name_tokens(term.value))))
    resolved = select(Identifier.customer_id).where(
        Identifier.kind == term.kind,
        Identifier.value == term.value,
        Identifier.customer_id.is_not(None),
    )
    # A registry record's own identifiers find its person even when the value names nobody
    # in the resolved index (a family phone is quarantined, yet each member registered it).
    registered = select(RecordIdentifier.record_id).where(
        RecordIdentifier.record_type.in_(REGISTRY_TYPES),
        RecordIdentifier.kind == term.kind,
        RecordIdentifier.value == term.value,
    )
    return union(resolved, registered)


def list_customers(session: Session, *, q: str | None, limit: int, offset: int) -> CustomerPage:
    """Live profiles matching ``q`` (a phone, card, e-mail or name; all when empty), by id.
    A match on a retired profile finds its survivor."""
    if q and q.strip():
        term = read_query(q)
        matched = select(LIVE_ID).where(Customer.id.in_(_matching_ids(term)))
        where = [Customer.id.in_(matched)]
    else:
        term, where = SearchTerm("all", ""), [Customer.merged_into_id.is_(None)]
    total = session.scalar(select(func.count()).select_from(Customer).where(*where)) or 0
    rows = session.scalars(
        select(Customer).where(*where).order_by(Customer.id).limit(limit).offset(offset)
    )
    return CustomerPage(
        items=[_summary(c) for c in rows],
        total=total,
        limit=limit,
        offset=offset,
        matched_by=term.kind,
    )


def latest_consents(session: Session, ids: list[int]) -> list[ConsentOut]:
    """The decision in force per channel: the latest one recorded on the profile or on any
    profile merged into it (merges never move consents, so an unmerge restores them as given)."""
    rows = session.scalars(
        select(Consent).where(Consent.customer_id.in_(ids)).order_by(Consent.recorded_at)
    )
    latest = {c.channel: c for c in rows}
    return [
        ConsentOut(channel=c.channel, granted=c.granted, recorded_at=c.recorded_at)
        for c in sorted(latest.values(), key=lambda c: c.channel)
    ]


def _loyalty(session: Session, ids: list[int]) -> list[LoyaltyAccountOut]:
    rows = session.scalars(
        select(LoyaltyAccount)
        .where(LoyaltyAccount.customer_id.in_(ids))
        .order_by(LoyaltyAccount.program_code, LoyaltyAccount.id)
    )
    return [
        LoyaltyAccountOut(
            program_code=a.program_code, card_state=a.card_state, balance=a.balance, level=a.level
        )
        for a in rows
    ]


def _orders_by_channel(session: Session, customer_id: int) -> list[ChannelActivity]:
    rows = session.execute(
        select(
            Order.channel,
            func.count(),
            func.sum(Order.total_minor),
            func.min(Order.placed_at),
            func.max(Order.placed_at),
        )
        .where(Order.customer_id == customer_id)
        .group_by(Order.channel)
        .order_by(Order.channel)
    )
    return [
        ChannelActivity(channel=ch, orders=n, total_minor=total, first_at=first, last_at=last)
        for ch, n, total, first, last in rows
    ]


def get_customer(session: Session, customer_id: int) -> CustomerDetail:
    """The profile behind ``customer_id``; a merged-away id resolves to its survivor."""
    customer = session.get(Customer, live_id(session, customer_id))
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    ids = alias_ids(session, customer.id)
    identifiers = session.scalars(
        select(Identifier)
        .where(Identifier.customer_id == customer.id)
        .order_by(Identifier.kind, Identifier.value)
    )
    events = session.scalar(select(func.count()).where(Event.customer_id == customer.id))
    return CustomerDetail(
        **_summary(customer).model_dump(),
        middle_name=customer.middle_name,
        birth_date=customer.birth_date,
        gender=customer.gender,
        merged_ids=[i for i in ids if i != customer.id],
        identifiers=[IdentifierOut(kind=i.kind, value=i.value) for i in identifiers],
        consents=latest_consents(session, ids),
        loyalty=_loyalty(session, ids),
        orders_by_channel=_orders_by_channel(session, customer.id),
        events=events or 0,
    )


def names_of(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """ "Last first" of each profile that has a name, for lists that name people (the analytics
    customer lists link each name to the 360 page)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(Customer.id, Customer.last_name, Customer.first_name).where(Customer.id.in_(wanted))
    )
    named = {cid: " ".join(p for p in (last, first) if p) for cid, last, first in rows}
    return {cid: name for cid, name in named.items() if name}


def contacts(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    """A phone (else the first e-mail) of each customer, as ``(kind, value)``; who may see it
    unmasked is the caller's business."""
    found: dict[int, tuple[str, str]] = {}
    if not ids:
        return found
    rows = session.execute(
        select(Identifier.customer_id, Identifier.kind, Identifier.value)
        .where(Identifier.customer_id.in_(ids), Identifier.kind.in_(CONTACT_KINDS))
        .order_by(Identifier.id)
    )
    for cid, kind, value in rows:
        if cid not in found or (kind == "phone" and found[cid][0] != "phone"):
            found[cid] = (kind, value)
    return found
