"""Enrolment keeps the address the member gives as identity evidence (issue 14, item 1): the
profile's registered address, which identity's profiles read like a registry member's."""

from fastapi.testclient import TestClient
from loyalty_helpers import T0
from sqlalchemy import Engine, func, select

from omnicrm.identity.profiles import profiles
from omnicrm.store.db import read_session
from omnicrm.store.schema import Customer, RecordAddress

LOY = "/api/v1/loyalty"
BODY = {
    "channel": "till",
    "phone": "+79165550021",
    "first_name": "Ольга",
    "last_name": "Петрова",
    "consents": {"sms": True},
}
HOME = {"city": "Москва", "street": " пр-т Мира ", "house": "д. 5 корп. 2", "flat": "кв. 7"}


def _addresses(engine: Engine) -> list[tuple]:
    with read_session(engine) as s:
        return s.execute(
            select(
                RecordAddress.record_type, RecordAddress.record_id, RecordAddress.street,
                RecordAddress.house, RecordAddress.postcode, RecordAddress.raw,
            )
        ).all()  # fmt: skip


def test_enrolment_stores_the_address_as_the_members_evidence(
    client: TestClient, program_engine: Engine
) -> None:
    client.app.state.clock = lambda: T0
    done = client.post(f"{LOY}/enrol", json={**BODY, "address": HOME})
    assert done.status_code == 200, done.text
    customer_id = done.json()["customer_id"]
    assert _addresses(program_engine) == [
        ("member", customer_id, "пр-т Мира", "д. 5 корп. 2", None, None)
    ]
    compared = {r["unique_id"]: r for r in profiles(program_engine).to_pylist()}[customer_id]
    assert (compared["street"], compared["house"], compared["flat"]) == ("mira", "5k2", "7")
    assert compared["city"] == "moskva"
    # The same member enrolling again with a new address: the newer one is the registered one.
    moved = {"raw": "ул. Ленина, д. 9, кв. 1", "postcode": "101000"}
    again = client.post(f"{LOY}/enrol", json={**BODY, "address": moved})
    assert again.json()["customer_id"] == customer_id
    assert _addresses(program_engine) == [
        ("member", customer_id, None, None, "101000", "ул. Ленина, д. 9, кв. 1")
    ]
    compared = {r["unique_id"]: r for r in profiles(program_engine).to_pylist()}[customer_id]
    assert (compared["street"], compared["house"], compared["postcode"]) == (
        "lenina", "9", "101000"
    )  # fmt: skip


def test_an_empty_address_stores_nothing(client: TestClient, program_engine: Engine) -> None:
    blank = {"street": "  ", "house": ""}
    assert client.post(f"{LOY}/enrol", json={**BODY, "address": blank}).status_code == 200
    assert _addresses(program_engine) == []


def test_a_bad_address_part_is_refused_naming_it(
    client: TestClient, program_engine: Engine
) -> None:
    for address, field in (
        ({"street": "x" * 201}, "address.street"),
        ({"postcode": "1" * 21}, "address.postcode"),
        ({"door": "3"}, "address.door"),
    ):
        refused = client.post(f"{LOY}/enrol", json={**BODY, "address": address})
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["details"][0]["field"] == field
    with read_session(program_engine) as s:
        assert s.scalar(select(func.count()).select_from(Customer)) == 0
    assert _addresses(program_engine) == []
