"""A small chain for audience and campaign tests, built on the analytics tests' ``Shop``.

NOW = 2025-10-01 10:00 UTC; P1 is in Shoes, P2 and P3 in Bags; the cart timeout is a day.

* A: Anna, F, born 1990, Москва, level silver, balance 500 (200 of it expire in 10 days); bought
  Shoes 60 days ago; e-mail consent granted.
* B: M, born 1980, Казань; bought Shoes 10 days ago; e-mail consent granted, then withdrawn.
* C: added to cart 26 hours ago, no order since (abandoned 2 hours ago).
* D: added to cart 26 hours ago, bought 25 hours ago (no open cart).
* E: bought Bags 60 days ago.
"""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from analytics.analytics_shop import Shop
from omnicrm.store.schema import Consent
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyLot, LoyaltyOperation

NOW = datetime(2025, 10, 1, 10, tzinfo=UTC)


def ago(**kw: float) -> datetime:
    return NOW - timedelta(**kw)


def consent(session: Session, customer_id: int, granted: bool, when: datetime) -> None:
    session.add(
        Consent(
            customer_id=customer_id,
            channel="email",
            granted=granted,
            recorded_at=when,
            source="test",
        )
    )


def account(session: Session, customer_id: int, level: str, balance: int) -> LoyaltyAccount:
    acc = LoyaltyAccount(
        customer_id=customer_id,
        program_code="main",
        card_state="active",
        level=level,
        balance=balance,
        created_at=ago(days=300),
    )
    session.add(acc)
    session.flush()
    return acc


def lot(session: Session, acc: LoyaltyAccount, points: int, expires_at: datetime) -> None:
    op = LoyaltyOperation(
        account_id=acc.id,
        kind="receipt",
        terminal="T1",
        op_key=f"op-{acc.id}-{points}-{expires_at:%s}",
        request_hash="x",
        status="done",
        occurred_at=ago(days=100),
        recorded_at=ago(days=100),
        response={},
    )
    session.add(op)
    session.flush()
    session.add(
        LoyaltyLot(
            account_id=acc.id,
            operation_id=op.id,
            rule="base",
            points=points,
            remaining=points,
            earned_at=ago(days=100),
            available_at=ago(days=90),
            expires_at=expires_at,
        )
    )
    session.flush()


def build(session: Session) -> Shop:
    shop = Shop(session)
    shop.reference()
    a = shop.customer(
        "A", first_name="Anna", gender="F", birth_date=date(1990, 5, 1), city="Москва"
    )
    b = shop.customer("B", gender="M", birth_date=date(1980, 3, 3), city="Казань")
    for key in "CDE":
        shop.customer(key)
    shop.order("A", "store", ago(days=60), [("P1", 1, 1000)], store="S1")
    shop.order("B", "store", ago(days=10), [("P1", 1, 1000)], store="S2")
    shop.event("C", "add_to_cart", "web", ago(hours=26), sku="P2")
    shop.event("D", "add_to_cart", "web", ago(hours=26), sku="P2")
    shop.order("D", "web", ago(hours=25), [("P2", 1, 2000)])
    shop.order("E", "web", ago(days=60), [("P2", 1, 2000)])
    consent(session, a, True, ago(days=200))
    consent(session, b, True, ago(days=200))
    consent(session, b, False, ago(days=5))
    acc = account(session, a, "silver", 500)
    lot(session, acc, 200, NOW + timedelta(days=10))
    lot(session, acc, 300, NOW + timedelta(days=100))
    session.flush()
    return shop
