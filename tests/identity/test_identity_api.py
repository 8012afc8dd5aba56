"""The identity API over HTTP: the review queue (list, approve, reject), unmerge, and the
loyalty cards report, on both backends."""

from datetime import date, timedelta

from identity_store import T0, StoreBuilder
from sqlalchemy import Engine, select

from omnicrm.identity.resolve import resolve_all
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import LinkRule, ReviewItem
from support import api_client

API = "/api/v1/identity"


def _queue(engine: Engine) -> dict[str, int]:
    """Three probable matches the model was unsure of, best first: 0.9, 0.8, 0.7."""
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        ids = [
            b.member(f"20000000000{n:02d}", first, "Иванова")
            for n, first in enumerate(("Анна", "Аня", "Мария", "Маша", "Ольга", "Оля"), 10)
        ]
        for n, score in enumerate((0.8, 0.9, 0.7)):
            s.add(
                ReviewItem(left_id=ids[2 * n], right_id=ids[2 * n + 1], score=score,
                           evidence={"first_name": "similar"}, status="pending", created_at=T0)
            )  # fmt: skip
    return dict(zip(("anna", "anya", "maria", "masha", "olga", "olya"), ids, strict=True))


def test_review_queue_approve_and_reject(engine: Engine) -> None:
    ids = _queue(engine)
    client = api_client(engine)
    queue = client.get(f"{API}/review").json()
    assert [(i["score"], i["status"]) for i in queue] == [
        (0.9, "pending"),
        (0.8, "pending"),
        (0.7, "pending"),
    ]
    assert queue[0]["evidence"] == {"first_name": "similar"}
    maria, anna, olga = queue
    approved = client.post(f"{API}/review/{anna['id']}/approve").json()
    assert approved["status"] == "approved"
    assert client.get(f"/api/v1/customers/{ids['anya']}").json()["id"] == ids["anna"]
    (merge,) = client.get(f"/api/v1/customers/{ids['anna']}/merges").json()
    assert (merge["id"], merge["method"], merge["score"]) == (
        approved["merge_id"],
        "probabilistic",
        0.8,
    )
    assert merge["evidence"]["rule"] == "review_approved"
    assert client.post(f"{API}/review/{anna['id']}/approve").status_code == 409
    assert client.post(f"{API}/review/{anna['id']}/reject").status_code == 409
    assert client.post(f"{API}/review/999999/approve").status_code == 404

    assert client.post(f"{API}/review/{maria['id']}/reject").json()["status"] == "rejected"
    assert client.get(f"/api/v1/customers/{ids['masha']}").json()["id"] == ids["masha"]
    refused = client.get(f"{API}/merges/preview", params={"a": ids["maria"], "b": ids["masha"]})
    assert refused.status_code == 409  # a never-link rule now keeps them apart
    assert [i["id"] for i in client.get(f"{API}/review").json()] == [olga["id"]]
    with unit_of_work(engine) as s:
        rules = {(r.kind, r.left_id, r.right_id) for r in s.scalars(select(LinkRule))}
    assert rules == {
        ("always_link", ids["anna"], ids["anya"]),
        ("never_link", ids["maria"], ids["masha"]),
    }


def test_unmerge_through_http(engine: Engine) -> None:
    ids = _queue(engine)
    client = api_client(engine)
    item = client.get(f"{API}/review").json()[1]
    merge_id = client.post(f"{API}/review/{item['id']}/approve").json()["merge_id"]
    preview = client.get(f"{API}/merges/{merge_id}/unmerge-preview").json()
    assert (preview["from_id"], preview["to_id"]) == (ids["anna"], ids["anya"])
    assert client.get(f"/api/v1/customers/{ids['anya']}").json()["id"] == ids["anna"]
    done = client.post(f"{API}/merges/{merge_id}/unmerge")
    assert done.status_code == 200
    assert client.get(f"/api/v1/customers/{ids['anya']}").json()["id"] == ids["anya"]
    assert client.post(f"{API}/merges/{merge_id}/unmerge").status_code == 409
    assert client.post(f"{API}/merges/999999/unmerge").status_code == 404
    history = client.get(f"/api/v1/customers/{ids['anna']}/merges?include_undone=true").json()
    assert [(m["id"], m["undone_reason"]) for m in history] == [(merge_id, "unmerged by staff")]
    assert client.get(f"/api/v1/customers/{ids['anna']}/merges").json() == []


def test_cards_report(engine: Engine) -> None:
    anna = {"phone": "+79161112233", "birth": date(1990, 1, 2), "gender": "F"}
    house = "2500000000019"
    with unit_of_work(engine) as s:
        b = StoreBuilder(s)
        first = b.member("2000000000017", "Анна", "Иванова", email="anna@mail.ru", **anna)
        second = b.member("2100000000014", "Anna", "Ivanova", **anna)  # type: ignore[arg-type]
        orphan = b.member("2000000000055", "Пётр", "Сидоров")
        b.member(house, "Карта", "Магазин")
        for i in range(9):
            b.order(("card", house), ("email", f"p{i}@mail.ru"), at=T0 + timedelta(minutes=i))
        b.order(("card", "2000000000017"), channel="pos")
    resolve_all(engine)
    report = api_client(engine).get(f"{API}/cards").json()
    (dup,) = report["duplicates"]
    assert (dup["card"], dup["duplicate_card"]) == ("2000000000017", "2100000000014")
    assert (dup["customer_id"], dup["duplicate_customer_id"]) == (first, second)
    assert dup["evidence"]["rule"] == "duplicate_card"
    orphans = {o["card"]: o for o in report["orphans"]}
    assert orphans["2000000000055"]["customer_id"] == orphan
    assert (
        orphans["2000000000055"]["never_used"],
        orphans["2000000000055"]["no_contact_data"],
    ) == (
        True,
        True,
    )
    assert "2000000000017" not in orphans  # used at a till and has contact data
    (shared,) = report["shared"]
    assert (shared["card"], shared["reason"], shared["orders"]) == (house, "house_card", 9)
