"""Read-side queries over profiles."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from omnicrm.core.errors import NotFound
from omnicrm.customers.schemas import (
    ConsentOut,
    CustomerDetail,
    CustomerPage,
    CustomerSummary,
    IdentifierOut,
)
from omnicrm.store.schema import Consent, Customer, Identifier


def _summary(c: Customer) -> CustomerSummary:
    return CustomerSummary(
        id=c.id,
        first_name=c.first_name,
        last_name=c.last_name,
        city=c.city,
        enrolled_at=c.enrolled_at,
    )


def list_customers(session: Session, *, q: str | None, limit: int, offset: int) -> CustomerPage:
    """Live profiles (not merged away), optionally filtered by a name prefix."""
    where = [Customer.merged_into_id.is_(None)]
    if q:
        like = f"{q.strip()}%"
        where.append(or_(Customer.last_name.ilike(like), Customer.first_name.ilike(like)))
    total = session.scalar(select(func.count()).select_from(Customer).where(*where)) or 0
    rows = session.scalars(
        select(Customer).where(*where).order_by(Customer.id).limit(limit).offset(offset)
    )
    return CustomerPage(items=[_summary(c) for c in rows], total=total, limit=limit, offset=offset)


def latest_consents(session: Session, customer_id: int) -> list[ConsentOut]:
    """The decision in force per channel: the latest one recorded."""
    rows = session.scalars(
        select(Consent).where(Consent.customer_id == customer_id).order_by(Consent.recorded_at)
    )
    latest = {c.channel: c for c in rows}
    return [
        ConsentOut(channel=c.channel, granted=c.granted, recorded_at=c.recorded_at)
        for c in sorted(latest.values(), key=lambda c: c.channel)
    ]


def get_customer(session: Session, customer_id: int) -> CustomerDetail:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    identifiers = session.scalars(
        select(Identifier)
        .where(Identifier.customer_id == customer_id)
        .order_by(Identifier.kind, Identifier.value)
    )
    return CustomerDetail(
        **_summary(customer).model_dump(),
        middle_name=customer.middle_name,
        birth_date=customer.birth_date,
        gender=customer.gender,
        identifiers=[IdentifierOut(kind=i.kind, value=i.value) for i in identifiers],
        consents=latest_consents(session, customer_id),
    )
