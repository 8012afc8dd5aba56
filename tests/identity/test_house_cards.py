"""House cards told from loyal people (issue 14, item 5), on both backends: a heavy single
shopper and a till's card side by side; only the card several people use is quarantined, and the
card report says why."""

from datetime import date, timedelta

from identity_store import T0, StoreBuilder
from sqlalchemy import Engine, select

from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Customer, Order, QuarantinedIdentifier
from support import api_client

LOYAL, HOUSE = "2000000000017", "2000000000024"


def _chain(engine: Engine) -> dict[str, list[int] | int]:
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        s1, s2 = b.store("S001"), b.store("S002")
        anna = b.member(LOYAL, "Анна", "Иванова", phone="+79161112233", birth=date(1990, 1, 2))
        # A cashier registered the till's card on herself: the registry cannot tell.
        olga = b.member(HOUSE, "Ольга", "Петрова", phone="+79035550000", birth=date(1985, 5, 5))
        n = iter(range(1, 10_000))
        loyal = [  # every day for four months, one store, one till, her own phone now and then
            b.order(("card", LOYAL), *((("phone", "+79161112233"),) if d % 10 == 0 else ()),
                    channel="pos", store=s1, key=f"S001/T1/{next(n)}",
                    at=T0 + timedelta(days=d, minutes=7 * (d % 5)))
            for d in range(120)
        ]  # fmt: skip
        loyal += [  # and one day she came back eight times, at both tills of her store
            b.order(("card", LOYAL), channel="pos", store=s1, key=f"S001/T{1 + i % 2}/{next(n)}",
                    at=T0 + timedelta(days=130, minutes=45 * i))
            for i in range(8)
        ]  # fmt: skip
        house = []
        for d in range(5):  # the till's card: at two stores at once, behind many phones
            for store, code in ((s1, "S001"), (s2, "S002")):
                for i in range(3):
                    house.append(
                        b.order(("card", HOUSE), ("phone", f"+7926{d}{i}{store}000{store}0"),
                                channel="pos", store=store, key=f"{code}/T3/{next(n)}",
                                at=T0 + timedelta(days=7 * d, hours=2, minutes=20 * i + store))
                    )  # fmt: skip
    return {"anna": anna, "olga": olga, "loyal": loyal, "house": house}


def test_a_loyal_shopper_keeps_her_card_a_house_card_is_quarantined(engine: Engine) -> None:
    chain = _chain(engine)
    resolve_all(engine, probabilistic=False)
    with unit_of_work(engine) as s:
        (q,) = s.scalars(select(QuarantinedIdentifier)).all()
        assert (q.kind, q.value, q.reason) == ("card", HOUSE, "house_card")
        assert q.evidence["different_contacts"] == {"distinct": {"phone": 30}, "limit": 3}
        assert q.evidence["simultaneous_use"]["days"] == 5
        assert len(q.evidence["simultaneous_use"]["stores"]) == 2
        assert "too_frequent" not in q.evidence  # 6 receipts a day: frequency says nothing
        owners = {s.get(Order, o).customer_id for o in chain["loyal"]}  # type: ignore[union-attr]
        assert owners == {chain["anna"]}
        strangers = {s.get(Order, o).customer_id for o in chain["house"]}  # type: ignore[union-attr]
        assert chain["olga"] not in strangers
        assert len(strangers) == 30
        assert s.get(Customer, chain["anna"]).merged_into_id is None
    report = api_client(engine).get("/api/v1/identity/cards").json()
    (shared,) = report["shared"]
    assert (shared["card"], shared["orders"]) == (HOUSE, 30)
    assert set(shared["evidence"]) == {"different_contacts", "simultaneous_use"}
