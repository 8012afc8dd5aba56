"""Deterministic resolution on both backends: policies, the over-merge guard, replay determinism,
incremental = bulk, and merges that undo exactly."""

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from identity_store import T0, StoreBuilder
from sqlalchemy import Engine, select

from omnicrm.identity.incremental import resolve_record
from omnicrm.identity.merge import merge_profiles, preview_merge, preview_unmerge, unmerge
from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import make_engine, unit_of_work
from omnicrm.store.schema import (
    Customer,
    Event,
    Identifier,
    LinkRule,
    Merge,
    Order,
    QuarantinedIdentifier,
    RecordIdentifier,
)


@pytest.fixture
def other_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A second, separate SQLite store to compare against."""
    path = tmp_path / "other.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


ANNA = dict(phone="+79161112233", birth=date(1990, 1, 2), gender="F")


def _state(engine: Engine) -> dict:
    """Profiles as sets of source keys, independent of ids."""
    with unit_of_work(engine) as s:
        live = {c.id: c.merged_into_id or c.id for c in s.scalars(select(Customer))}
        groups: dict[int, set[str]] = {}
        for c in s.scalars(select(Customer).where(Customer.source == "members")):
            groups.setdefault(live[c.id], set()).add(f"m:{c.source_key}")
        for model in (Order, Event):
            for r in s.scalars(select(model).where(model.customer_id.is_not(None))):
                groups.setdefault(live[r.customer_id], set()).add(
                    f"{model.__name__}:{r.source_key}"
                )
    return {frozenset(g) for g in groups.values()}


def _kinds(state: set) -> set:
    """Profiles by the kinds and number of records they hold (ids differ between stores)."""
    return {frozenset(k.split(":")[0] for k in g) | {len(g)} for g in state}


def _quarantined(engine: Engine) -> dict[tuple[str, str], str]:
    with unit_of_work(engine) as s:
        return {(q.kind, q.value): q.reason for q in s.scalars(select(QuarantinedIdentifier))}


def _family(engine: Engine) -> dict[str, int]:
    """Anna has two cards (a duplicate); her mother shares her phone; a web buyer links by
    e-mail."""
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        ids = {
            "anna": b.member("2000000000017", "Анна", "Иванова", email="anna@mail.ru", **ANNA),
            "anna2": b.member("2100000000014", "Anna", "Ivanova", **ANNA),
            "mother": b.member("2000000000024", "Мария", "Иванова", phone=ANNA["phone"],
                               birth=date(1965, 5, 5), gender="F"),
        }  # fmt: skip
        ids["web"] = b.order(("email", "anna@mail.ru"), ("cookie", "c1"), name="Анна Иванова")
        ids["browse"] = b.event(("cookie", "c1"))
        ids["mother_pos"] = b.order(("card", "2000000000024"), channel="pos")
        ids["by_phone"] = b.order(("phone", ANNA["phone"]))
        ids["stranger"] = b.order(("phone", "+79035556677"), name="Олег Петров")
        ids["wifi"] = b.event(("mac", "ab" * 32))
        ids["anonymous"] = b.order(channel="pos")
        ids["test_phone"] = b.order(("phone", "+79999999999"))
    return ids


def test_shared_phone_is_quarantined_and_duplicate_cards_merge(engine: Engine) -> None:
    ids = _family(engine)
    resolve_all(engine, probabilistic=False)
    assert _quarantined(engine) == {("phone", ANNA["phone"]): "shared"}
    with unit_of_work(engine) as s:
        anna2 = s.get(Customer, ids["anna2"])
        assert anna2.merged_into_id == ids["anna"]
        assert s.get(Customer, ids["mother"]).merged_into_id is None
        assert s.get(Order, ids["web"]).customer_id == ids["anna"]
        assert s.get(Event, ids["browse"]).customer_id == ids["anna"]
        assert s.get(Order, ids["mother_pos"]).customer_id == ids["mother"]
        assert s.get(Order, ids["by_phone"]).customer_id is None  # the family phone names nobody
        merge = s.scalars(select(Merge)).one()
        assert merge.evidence["rule"] == "duplicate_card"


def test_mac_alone_never_links_and_blocked_values_are_ignored(engine: Engine) -> None:
    ids = _family(engine)
    resolve_all(engine, probabilistic=False)
    with unit_of_work(engine) as s:
        assert s.get(Event, ids["wifi"]).customer_id is None
        assert s.get(Order, ids["anonymous"]).customer_id is None
        assert s.get(Order, ids["test_phone"]).customer_id is None
        assert s.scalar(select(Identifier).where(Identifier.value == "+79999999999")) is None
        stranger = s.get(Customer, s.get(Order, ids["stranger"]).customer_id)
        assert (stranger.source, stranger.source_key) == ("identity", "phone:+79035556677")


def test_house_card_is_detected_by_usage(engine: Engine) -> None:
    house = "2500000000019"
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        b.member(house, "Карта", "Магазин")
        buyers = [
            b.order(
                ("card", house),
                ("email", f"p{i}@mail.ru"),
                at=T0 + timedelta(minutes=i),
                channel="pos",
            )
            for i in range(9)
        ]
    resolve_all(engine, probabilistic=False)
    assert _quarantined(engine)[("card", house)] == "house_card"
    with unit_of_work(engine) as s:
        owners = {s.get(Order, o).customer_id for o in buyers}
    assert len(owners) == 9  # nine strangers, not one profile


def test_house_card_is_detected_from_the_registry(engine: Engine) -> None:
    """Three receipts are too few for any usage rule; the registry record says it all: no
    person's name and no personal data."""
    house = "2500000000026"
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        card_owner = b.member(house, "Карта", "Магазин S001")
        buyers = [
            b.order(("card", house), ("email", f"p{i}@mail.ru"), channel="pos") for i in range(3)
        ]
    resolve_all(engine, probabilistic=False)
    with unit_of_work(engine) as s:
        q = s.scalars(select(QuarantinedIdentifier)).one()
        assert (q.value, q.reason) == (house, "house_card")
        assert q.evidence == {"registry_name": "Карта Магазин S001", "member": card_owner}
        owners = {s.get(Order, o).customer_id for o in buyers}
    assert len(owners) == 3
    assert card_owner not in owners


def test_card_seen_with_many_contacts_is_a_house_card(engine: Engine) -> None:
    """A card lent to whoever forgot theirs shows up next to more phones than a person has."""
    card = "2000000000048"
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        orders = [b.order(("card", card), ("phone", f"+7916111220{i}")) for i in range(5)]
    resolve_all(engine, probabilistic=False)
    assert _quarantined(engine) == {("card", card): "house_card"}
    with unit_of_work(engine) as s:
        assert len({s.get(Order, o).customer_id for o in orders}) == 5


def test_replay_gives_the_same_profiles_in_any_record_order(
    engine: Engine, other_engine: Engine
) -> None:
    _family(engine)
    resolve_all(engine, probabilistic=False)
    first = _state(engine)
    again = resolve_all(engine, probabilistic=False)
    assert again.deterministic.records_moved == 0
    assert again.deterministic.merges == 0
    assert _state(engine) == first
    # the same records inserted in reverse order resolve to the same partition
    with unit_of_work(other_engine) as s:
        b = StoreBuilder(s)
        b._seq = iter(range(20, 0, -1))  # type: ignore[assignment]
        b.order(("phone", "+79999999999"))
        b.order(channel="pos")
        b.event(("mac", "ab" * 32))
        b.order(("phone", "+79035556677"), name="Олег Петров")
        b.order(("phone", ANNA["phone"]))
        b.order(("card", "2000000000024"), channel="pos")
        b.event(("cookie", "c1"))
        b.order(("email", "anna@mail.ru"), ("cookie", "c1"), name="Анна Иванова")
        b.member(
            "2000000000024",
            "Мария",
            "Иванова",
            phone=ANNA["phone"],
            birth=date(1965, 5, 5),
            gender="F",
        )
        b.member("2100000000014", "Anna", "Ivanova", **ANNA)
        b.member("2000000000017", "Анна", "Иванова", email="anna@mail.ru", **ANNA)
    resolve_all(other_engine, probabilistic=False)
    assert _kinds(_state(other_engine)) == _kinds(first)


def test_incremental_resolution_matches_bulk(engine: Engine, other_engine: Engine) -> None:
    for e in (engine, other_engine):
        with unit_of_work(e) as s:
            b = StoreBuilder(s)
            b.member("2000000000017", "Анна", "Иванова", email="anna@mail.ru", **ANNA)
            b.order(("email", "anna@mail.ru"), ("cookie", "c1"))
            b.event(("cookie", "c1"))
            b.order(("card", "2000000000017"), ("phone", "+79035550000"))
            b.order(("phone", "+79035550000"), ("email", "other@mail.ru"))
            b.order(("email", "solo@mail.ru"))
            b.event(("mac", "cd" * 32))
            _sightings(b)
    resolve_all(other_engine, probabilistic=False)
    with unit_of_work(engine) as s:
        for record_type, model in (("order", Order), ("event", Event)):
            for rid in s.scalars(select(model.id).order_by(model.id)):
                resolve_record(s, record_type, rid)
    assert _state(engine) == _state(other_engine)


MAC_SEEN_TWICE, MAC_SEEN_ONCE, MAC_FAR, FACE_OF_TWO = "a1" * 32, "b2" * 32, "c3" * 32, "ft-0d0d"


def _sightings(b: StoreBuilder) -> None:
    """Anna pays with her card in a store on two days; a MAC is seen minutes before both
    receipts, another MAC before one of them only, a third an hour away from both; a face is
    seen before both of Anna's receipts and both of Oleg's."""
    store = b.store()
    for day in (0, 3):
        paid = T0 + timedelta(days=day, hours=5)
        b.order(("card", "2000000000017"), channel="pos", store=store, at=paid)
        b.order(("phone", "+79035556677"), channel="pos", store=store, at=paid + timedelta(hours=2))
        b.event(("mac", MAC_SEEN_TWICE), kind="wifi_sighting", channel="store", store=store,
                at=paid - timedelta(minutes=12))  # fmt: skip
        b.event(("mac", MAC_FAR), kind="wifi_sighting", channel="store", store=store,
                at=paid + timedelta(hours=1))  # fmt: skip
        for seen in (paid, paid + timedelta(hours=2)):
            b.event(("face", FACE_OF_TWO), kind="face_seen", channel="store", store=store,
                    at=seen - timedelta(minutes=3))  # fmt: skip
    b.event(("mac", MAC_SEEN_ONCE), kind="wifi_sighting", channel="store", store=store,
            at=T0 + timedelta(hours=5, minutes=5))  # fmt: skip


def _sighting_owners(engine: Engine) -> dict[str, set[int | None]]:
    with unit_of_work(engine) as s:
        rows = s.execute(
            select(RecordIdentifier.value, Event.customer_id).join(
                Event, Event.id == RecordIdentifier.record_id
            ).where(RecordIdentifier.record_type == "event",
                    RecordIdentifier.kind.in_(("mac", "face")))
        ).all()  # fmt: skip
    owners: dict[str, set[int | None]] = {}
    for value, customer_id in rows:
        owners.setdefault(value, set()).add(customer_id)
    return owners


@pytest.mark.parametrize("incremental", [False, True], ids=["bulk", "incremental"])
def test_sensor_value_links_only_when_seen_near_one_profiles_receipts_on_two_days(
    engine: Engine, incremental: bool
) -> None:
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        anna = b.member("2000000000017", "Анна", "Иванова", **ANNA)
        _sightings(b)
    if incremental:
        with unit_of_work(engine) as s:
            for record_type, model in (("event", Event), ("order", Order)):
                for rid in s.scalars(select(model.id).order_by(model.id)):
                    resolve_record(s, record_type, rid)
    else:
        resolve_all(engine, probabilistic=False)
    owners = _sighting_owners(engine)
    assert owners[MAC_SEEN_TWICE] == {anna}
    assert owners[MAC_SEEN_ONCE] == {None}
    assert owners[MAC_FAR] == {None}
    assert owners[FACE_OF_TWO] == {None}  # near two profiles' receipts: names neither
    with unit_of_work(engine) as s:
        mac = s.scalar(select(Identifier).where(Identifier.value == MAC_SEEN_TWICE))
        assert mac is not None
        assert mac.customer_id == anna


def test_merge_and_unmerge_restore_both_profiles(engine: Engine) -> None:
    t = datetime(2025, 1, 1, tzinfo=UTC)
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        anna = b.member("2000000000017", "Анна", "Иванова", email="anna@mail.ru",
                        consents={"email": (True, t)}, **ANNA)  # fmt: skip
        other = b.member("2000000000031", "Анна", "Иванова", email="a2@mail.ru",
                         consents={"email": (False, t + timedelta(days=1))})  # fmt: skip
        o1 = b.order(("email", "anna@mail.ru"))
        o2 = b.order(("email", "a2@mail.ru"))
    resolve_all(engine, probabilistic=False)
    before = _state(engine)
    with unit_of_work(engine) as s:
        preview = preview_merge(s, anna, other)
        assert preview.orders == [o2]
    with unit_of_work(engine) as s:
        merge = merge_profiles(s, other, anna, method="manual", evidence={"by": "test"})
        assert merge.survivor_id == anna
    with unit_of_work(engine) as s:
        assert s.get(Order, o2).customer_id == anna
        assert preview_unmerge(s, merge.id).orders == [o2]
    with unit_of_work(engine) as s:
        assert s.get(Order, o2).customer_id == anna  # the preview changed nothing
        change = unmerge(s, merge.id)
        assert change.orders == [o2]
    assert _state(engine) == before
    with unit_of_work(engine) as s:
        assert s.get(Order, o1).customer_id == anna
        rule = s.scalars(select(LinkRule)).one()
        assert (rule.kind, rule.left_id, rule.right_id) == ("never_link", anna, other)
    resolve_all(engine, probabilistic=False)  # a replay does not merge them again
    assert _state(engine) == before


def test_unmerging_a_bulk_merge_splits_duplicate_cards(engine: Engine) -> None:
    ids = _family(engine)
    resolve_all(engine, probabilistic=False)
    with unit_of_work(engine) as s:
        merge_id = s.scalars(select(Merge.id)).one()
        unmerge(s, merge_id)
        assert s.get(Customer, ids["anna2"]).merged_into_id is None
        assert s.get(Order, ids["web"]).customer_id == ids["anna"]
    resolve_all(engine, probabilistic=False)
    with unit_of_work(engine) as s:
        assert s.get(Customer, ids["anna2"]).merged_into_id is None
