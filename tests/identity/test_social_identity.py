"""Social ids and network addresses in bulk resolution: a ``social`` id links a member's social
messages to the member it was shared with (alone, like a phone), a follower who only chatted
gets no profile, and a shared IP links nobody."""

from identity_store import StoreBuilder
from sqlalchemy import Engine, func, select

from omnicrm.identity.resolve import resolve_all
from omnicrm.ingest.network import ip_identifier
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Customer, Event, Order

IP = ip_identifier("198.51.100.20").value


def test_social_ids_link_alone_and_addresses_never(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        b = StoreBuilder(session)
        anna = b.member("2000000000017", "Анна", "Иванова", phone="+79161112233")
        shared = b.event(("social", "vk:id1"), ("phone", "+79161112233"), kind="social_message",
                         channel="social")  # fmt: skip
        later = b.event(("social", "vk:id1"), kind="social_comment", channel="social")
        follower = b.event(("social", "vk:id2"), kind="social_reaction", channel="social")
        b.member("2000000000024", "Пётр", "Петров", phone="+79162223344")
        bought_a = b.order(("email", "olga.k@shop.ru"), ("ip", IP))
        bought_b = b.order(("email", "ivan.m@shop.ru"), ("ip", IP))
    resolve_all(engine, probabilistic=False)
    with read_session(engine) as session:
        owner = {e.id: e.customer_id for e in session.scalars(select(Event))}
        buyer = {o.id: o.customer_id for o in session.scalars(select(Order))}
        live = {c.id: c.merged_into_id or c.id for c in session.scalars(select(Customer))}
        profiles = session.scalar(
            select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None))
        )
    assert live[owner[shared]] == live[owner[later]] == live[anna]
    assert owner[follower] is None
    assert live[buyer[bought_a]] != live[buyer[bought_b]]
    assert profiles == 4  # two members, two web buyers on one IP; no follower profile
