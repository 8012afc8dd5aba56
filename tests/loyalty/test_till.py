"""Till operations end to end through the HTTP API: identify, calculate, confirm, return, cancel,
idempotency, offline upload."""

from datetime import timedelta

from fastapi.testclient import TestClient
from loyalty_helpers import T0, receipt

URL = "/api/v1/till"


def at(client: TestClient, when) -> None:  # type: ignore[no-untyped-def]
    client.app.state.clock = lambda: when


def test_identify_by_phone_card_and_token(client: TestClient, enrol) -> None:
    member = enrol(phone="8 (916) 123-45-67")
    for kind, value in [("phone", "+79161234567"), ("card", member["card_number"])]:
        found = client.post(
            f"{URL}/identify", json={"terminal": "T1", "identify": {"kind": kind, "value": value}}
        )
        assert found.status_code == 200, found.text
        body = found.json()
        assert body["account_id"] == member["account_id"]
        assert body["level"] == "base"
        assert body["balance"] == {"active": 0, "pending": 0, "debt": 0, "total": 0}
        assert body["next_level"] == {"level": "silver", "remaining_minor": 3_000_000}
    token = client.post(
        f"/api/v1/loyalty/accounts/{member['account_id']}/tokens",
        json={"kind": "nfc", "value": "nfc-case-0001"},
    )
    assert token.status_code == 204
    found = client.post(
        f"{URL}/identify",
        json={"terminal": "T1", "identify": {"kind": "nfc", "value": "nfc-case-0001"}},
    )
    assert found.json()["account_id"] == member["account_id"]
    qr = client.post(
        f"{URL}/identify",
        json={
            "terminal": "T1",
            "identify": {"kind": "qr", "value": "CARD:" + member["card_number"]},
        },
    )
    assert qr.json()["account_id"] == member["account_id"]
    missing = client.post(
        f"{URL}/identify",
        json={"terminal": "T1", "identify": {"kind": "phone", "value": "+79990000000"}},
    )
    assert missing.status_code == 404
    bad = client.post(
        f"{URL}/identify", json={"terminal": "T1", "identify": {"kind": "phone", "value": "abc"}}
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "identify.value"


def test_calculate_has_no_side_effects_and_confirm_earns_pending_points(
    client: TestClient, enrol
) -> None:
    member = enrol()
    at(client, T0)
    body = receipt(
        "R1", member["account_id"], [("MILK", "dairy", 2, 10_000), ("TOY", "toys", 1, 50_000)]
    )
    quote = client.post(f"{URL}/calculate", json=body)
    assert quote.status_code == 200, quote.text
    q = quote.json()
    # base level: 5% off; 5% earn on dairy, 7% (category rate) on toys, on money paid
    assert q["lines"][0]["discount_minor"] == 1_000
    assert q["lines"][0]["points_earned"] == 19_000 * 5 // 100 // 100
    assert q["lines"][1]["points_earned"] == 47_500 * 7 // 100 // 100
    assert client.post(f"{URL}/calculate", json=body).json() == q
    ident = client.post(
        f"{URL}/identify",
        json={
            "terminal": "T1",
            "identify": {"kind": "account", "value": str(member["account_id"])},
        },
    )
    assert ident.json()["balance"]["total"] == 0

    done = client.post(f"{URL}/confirm", json=body)
    assert done.status_code == 200, done.text
    d = done.json()
    assert d["points_earned"] == q["points_earned"] > 0
    assert d["balance"] == {
        "active": 0,
        "pending": q["points_earned"],
        "debt": 0,
        "total": q["points_earned"],
    }
    at(client, T0 + timedelta(days=15))
    ident = client.post(
        f"{URL}/identify",
        json={
            "terminal": "T1",
            "identify": {"kind": "account", "value": str(member["account_id"])},
        },
    )
    assert ident.json()["balance"]["active"] == q["points_earned"]


def test_retry_returns_first_answer_and_changed_body_is_409(client: TestClient, enrol) -> None:
    member = enrol()
    at(client, T0)
    body = receipt("R1", member["account_id"], [("MILK", "dairy", 2, 10_000)])
    first = client.post(f"{URL}/confirm", json=body)
    again = client.post(f"{URL}/confirm", json=body)
    assert again.status_code == 200
    assert again.json() == first.json()
    changed = client.post(
        f"{URL}/confirm",
        json={
            **body,
            "points_to_spend": 0,
            "lines": body["lines"] * 1 + [{"line_no": 2, "sku": "X", "qty": 1, "price_minor": 1}],
        },
    )
    assert changed.status_code == 409
    assert changed.json()["error"]["code"] == "conflict"
    history = client.get(f"/api/v1/loyalty/accounts/{member['account_id']}/history").json()
    assert sum(1 for item in history["items"] if item["type"] == "purchase") == 1
    assert history["account"]["balance"]["total"] == first.json()["points_earned"]


def test_spend_return_and_debt(client: TestClient, enrol) -> None:
    member = enrol()
    acc = member["account_id"]
    at(client, T0)
    sale = client.post(
        f"{URL}/confirm", json=receipt("R1", acc, [("TV", "electronics", 1, 2_000_000)])
    ).json()
    earned = sale["points_earned"]
    assert earned == 1_900_000 * 5 // 100 // 100 == 950
    at(client, T0 + timedelta(days=20))
    spend = client.post(
        f"{URL}/confirm", json=receipt("R2", acc, [("PHONE", "electronics", 1, 500_000)], spend=900)
    ).json()
    assert spend["points_spent"] == 900
    assert spend["balance"]["active"] == 50
    # the TV comes back after its points were spent: 950 revoked, 50 from the lot, 900 as a debt
    back = client.post(
        f"{URL}/return", json={"terminal": "T1", "return_id": "RET1", "receipt_id": "R1"}
    )
    assert back.status_code == 200, back.text
    b = back.json()
    assert b["points_revoked"] == 950
    # 50 left in the TV's lot, 192 pending from the phone's receipt, 708 owed
    assert spend["points_earned"] == 192
    assert b["debt_recorded"] == 708
    assert b["balance"] == {"active": 0, "pending": 0, "debt": 708, "total": -708}
    hist = client.get(f"/api/v1/loyalty/accounts/{acc}/history").json()
    types = {item["type"] for item in hist["items"]}
    assert {"purchase", "accrual", "redemption", "return", "accrual_revoked", "debt"} <= types
    # returning the phone gives the spent points back
    back2 = client.post(
        f"{URL}/return", json={"terminal": "T1", "return_id": "RET2", "receipt_id": "R2"}
    ).json()
    assert back2["points_refunded"] == 900
    # the refund repays the debt first; nothing is left over and nothing is owed
    assert back2["balance"] == {"active": 0, "pending": 0, "debt": 0, "total": 0}


def test_partial_return_then_cancel_rest(client: TestClient, enrol) -> None:
    member = enrol()
    acc = member["account_id"]
    at(client, T0)
    sale = client.post(
        f"{URL}/confirm",
        json=receipt("R1", acc, [("A", "dairy", 3, 10_000), ("B", "dairy", 1, 20_000)]),
    ).json()
    part = client.post(
        f"{URL}/return",
        json={
            "terminal": "T1",
            "return_id": "RET1",
            "receipt_id": "R1",
            "lines": [{"line_no": 1, "qty": 1}],
        },
    )
    assert part.status_code == 200, part.text
    too_many = client.post(
        f"{URL}/return",
        json={
            "terminal": "T1",
            "return_id": "RET2",
            "receipt_id": "R1",
            "lines": [{"line_no": 1, "qty": 3}],
        },
    )
    assert too_many.status_code == 422
    assert too_many.json()["error"]["details"][0]["field"] == "lines[0].qty"
    cancel = client.post(f"{URL}/cancel", json={"terminal": "T1", "receipt_id": "R1"})
    assert cancel.status_code == 200, cancel.text
    assert part.json()["points_revoked"] + cancel.json()["points_revoked"] == sale["points_earned"]
    assert cancel.json()["balance"]["total"] == 0
    again = client.post(
        f"{URL}/return", json={"terminal": "T1", "return_id": "RET3", "receipt_id": "R1"}
    )
    assert again.status_code == 409


def test_offline_upload_keeps_original_time_and_is_idempotent(client: TestClient, enrol) -> None:
    member = enrol()
    at(client, T0 + timedelta(days=30))
    receipts = [
        receipt("OFF1", member["account_id"], [("A", "dairy", 1, 100_000)], at=T0),
        receipt("OFF2", member["account_id"], [("A", "dairy", 1, 100_000)], at=T0, spend=10),
    ]
    first = client.post(f"{URL}/offline", json={"receipts": receipts})
    assert first.status_code == 200, first.text
    statuses = [r["status"] for r in first.json()]
    assert statuses == [200, 422]
    # earned on T0: the return window is over, so the points are active already
    assert first.json()[0]["body"]["balance"]["active"] == 47
    second = client.post(f"{URL}/offline", json={"receipts": receipts[:1]})
    assert second.json()[0]["body"] == first.json()[0]["body"]


def test_scopes_are_enforced(client: TestClient, program_engine) -> None:
    from omnicrm.access.keys import create_key
    from omnicrm.store.db import unit_of_work

    with unit_of_work(program_engine) as session:
        secret = create_key(session, "reader", ["till:identify"])
    response = client.post(
        f"{URL}/confirm", json=receipt("R", 1, [("A", "x", 1, 1)]), headers={"X-API-Key": secret}
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"{URL}/confirm",
            json=receipt("R", 1, [("A", "x", 1, 1)]),
            headers={"X-API-Key": "nope"},
        ).status_code
        == 401
    )
