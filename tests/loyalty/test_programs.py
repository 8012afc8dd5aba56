"""Each program type end to end through the till API, as configured in programs/retail.json."""

from datetime import timedelta

from fastapi.testclient import TestClient
from loyalty_helpers import T0, receipt

from omnicrm.loyalty.programs import EXAMPLES

TILL = "/api/v1/till"
LOY = "/api/v1/loyalty"


def at(client: TestClient, when) -> None:  # type: ignore[no-untyped-def]
    client.app.state.clock = lambda: when


def confirm(client: TestClient, body: dict) -> dict:
    response = client.post(f"{TILL}/confirm", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def account(client: TestClient, acc: int) -> dict:
    return client.get(f"{LOY}/accounts/{acc}").json()


def test_levels_upgrade_by_spend_with_reason_and_a_returned_level_is_revoked(
    client: TestClient, enrol
) -> None:
    acc = enrol()["account_id"]
    at(client, T0)
    assert account(client, acc)["next_level"] == {"level": "silver", "remaining_minor": 3_000_000}
    sale = confirm(client, receipt("R1", acc, [("SOFA", "furniture", 1, 3_200_000)]))
    assert sale["to_pay_minor"] == 3_040_000  # 5 % off at the base level
    assert sale["level"] == "silver"
    state = account(client, acc)
    assert state["level"] == "silver"
    assert state["next_level"] == {"level": "gold", "remaining_minor": 10_000_000 - 3_040_000}
    quote = client.post(f"{TILL}/calculate", json=receipt("Q", acc, [("X", "dairy", 1, 10_000)]))
    assert quote.json()["lines"][0]["discounts"] == [
        {"rule": "level:silver", "amount_minor": 1_000}
    ]
    history = client.get(f"{LOY}/accounts/{acc}/history").json()["items"]
    change = next(item for item in history if item["type"] == "level_change")
    assert change["reason"].startswith("base -> silver: upgrade: net_spend 30400.00")
    # the sofa comes back: the level it alone earned is revoked at once, hold or not
    client.post(f"{TILL}/return", json={"terminal": "T1", "return_id": "B1", "receipt_id": "R1"})
    assert account(client, acc)["level"] == "base"


def test_points_burn_within_max_share_and_excluded_categories(client: TestClient, enrol) -> None:
    acc = enrol()["account_id"]
    at(client, T0)
    confirm(client, receipt("R1", acc, [("TV", "tv", 1, 4_000_000)]))  # 1 900 points
    at(client, T0 + timedelta(days=15))
    body = receipt("R2", acc, [("A", "dairy", 1, 100_000), ("CIG", "tobacco", 1, 50_000)])
    quote = client.post(f"{TILL}/calculate", json={**body, "points_to_spend": None}).json()
    # the TV made the member silver (10 % off): 30 % of the dairy line after discount (90 000)
    # = 27 000 = 270 points; the tobacco line may not be paid with points and earns none
    assert quote["max_points_to_spend"] == 270
    assert quote["lines"][1]["points_earned"] == 0
    too_much = client.post(f"{TILL}/confirm", json={**body, "points_to_spend": 271})
    assert too_much.status_code == 422
    assert too_much.json()["error"]["details"][0]["field"] == "points_to_spend"
    done = confirm(client, {**body, "points_to_spend": 270})
    assert done["lines"][0]["points_spent"] == 270
    assert done["lines"][0]["paid_minor"] == 90_000 - 27_000


def test_stamp_card_gives_the_sixth_coffee_free(client: TestClient, enrol) -> None:
    acc = enrol()["account_id"]
    at(client, T0)
    first = confirm(client, receipt("C1", acc, [("LATTE", "coffee", 5, 20_000)]))
    assert first["stamps_after"] == {"coffee": 5}
    assert first["free_items"] == {}
    second = confirm(client, receipt("C2", acc, [("LATTE", "coffee", 2, 20_000)]))
    assert second["free_items"] == {"coffee": 1}
    assert {"rule": "stamp_card:coffee", "amount_minor": 20_000} in second["lines"][0]["discounts"]
    assert second["stamps_after"] == {"coffee": 1}
    assert account(client, acc)["stamps"] == {"coffee": 1}


def test_club_membership_adds_earn_rate_in_its_categories(client: TestClient, enrol) -> None:
    acc = enrol()["account_id"]
    at(client, T0)
    body = receipt("Q", acc, [("TOY", "toys", 1, 100_000)])
    assert (
        client.post(f"{TILL}/calculate", json=body).json()["points_earned"] == 95_000 * 7 // 10_000
    )
    assert client.post(f"{LOY}/accounts/{acc}/clubs/kids").status_code == 204
    quote = client.post(f"{TILL}/calculate", json=body).json()
    assert quote["points_earned"] == 95_000 * 10 // 10_000
    assert quote["lines"][0]["earn_rule"] == "earn:category:toys+club:kids"
    assert "club:kids" in account(client, acc)["memberships"]


def test_paid_membership_fee_perks_renewal_and_lapse(client: TestClient, enrol) -> None:
    acc = enrol()["account_id"]
    ident = {"kind": "account", "value": str(acc)}
    at(client, T0)
    bought = client.post(
        f"{TILL}/memberships",
        json={"terminal": "T1", "operation_id": "M1", "identify": ident, "plan": "vip"},
    ).json()
    assert bought["fee_minor"] == 29_900
    assert bought["expires_at"].startswith((T0 + timedelta(days=30)).date().isoformat())
    body = receipt("Q", acc, [("A", "dairy", 1, 100_000)])
    quote = client.post(f"{TILL}/calculate", json=body).json()
    assert quote["discount_minor"] == 5_000 + 5_000  # level 5 % plus VIP 5 %
    at(client, T0 + timedelta(days=33))  # lapsed, but within the 7-day grace
    assert client.post(f"{TILL}/calculate", json=body).json()["discount_minor"] == 5_000
    renewed = client.post(
        f"{TILL}/memberships",
        json={"terminal": "T1", "operation_id": "M2", "identify": ident, "plan": "vip"},
    ).json()
    assert renewed["expires_at"].startswith((T0 + timedelta(days=60)).date().isoformat())


def test_referral_rewards_both_after_first_purchase_and_refuses_self_referral(
    client: TestClient, enrol
) -> None:
    at(client, T0)
    alice = enrol(phone="+79161110000", device_id="DEVICE-ALICE")
    bob = enrol(phone="+79162220000", referral_code=alice["referral_code"])
    small = confirm(client, receipt("B1", bob["account_id"], [("A", "dairy", 1, 50_000)]))
    assert small["bonuses"] == []  # below the 1 000-rouble qualifying purchase
    big = confirm(client, receipt("B2", bob["account_id"], [("A", "dairy", 1, 200_000)]))
    assert big["bonuses"] == [{"rule": "referral:friend", "amount_minor": 200}]
    assert account(client, alice["account_id"])["balance"]["pending"] == 300
    again = confirm(client, receipt("B3", bob["account_id"], [("A", "dairy", 1, 200_000)]))
    assert again["bonuses"] == []
    for sneaky in (
        {"phone": "+79163330000", "device_id": "device-alice"},  # Alice's phone device
        {"phone": "+79161110000"},  # Alice herself
    ):
        response = client.post(
            f"{LOY}/enrol",
            json={
                "channel": "till",
                "consents": {},
                "referral_code": alice["referral_code"],
                **sneaky,
            },
        )
        assert response.status_code == 409, response.text
        assert "self-referral" in response.json()["error"]["message"]


def test_challenge_three_categories_in_a_month_gives_badge_and_bonus_once(
    client: TestClient, enrol
) -> None:
    acc = enrol()["account_id"]
    at(client, T0)
    confirm(client, receipt("R1", acc, [("A", "dairy", 1, 10_000), ("B", "toys", 1, 10_000)]))
    third = confirm(client, receipt("R2", acc, [("C", "coffee", 1, 10_000)]))
    assert third["bonuses"] == [{"rule": "challenge:explorer", "amount_minor": 150}]
    fourth = confirm(client, receipt("R3", acc, [("D", "garden", 1, 10_000)]))
    assert fourth["bonuses"] == []
    history = client.get(f"{LOY}/accounts/{acc}/history").json()["items"]
    assert any(item["type"] == "badge" and "Исследователь" in item["reason"] for item in history)


def test_partner_earns_and_burns_and_settles(client: TestClient, enrol) -> None:
    acc = enrol()["account_id"]
    at(client, T0)
    confirm(client, receipt("R1", acc, [("TV", "tv", 1, 2_000_000)]))  # 950 points
    at(client, T0 + timedelta(days=15))
    body = receipt("P1", acc, [("CAKE", "bakery", 1, 100_000)], terminal="CAFE-1", partner="cafe")
    quote = client.post(f"{TILL}/calculate", json={**body, "points_to_spend": None}).json()
    assert quote["discount_minor"] == 0  # no level discount at a partner
    assert quote["max_points_to_spend"] == 500  # 50 % at the cafe
    done = confirm(client, {**body, "points_to_spend": 100})
    assert done["points_earned"] == 90_000 * 3 // 10_000
    assert done["lines"][0]["earn_rule"] == "partner:cafe"
    unknown = client.post(f"{TILL}/confirm", json={**body, "receipt_id": "P2", "partner": "bar"})
    assert unknown.status_code == 403  # the key may act for the cafe only
    report = client.get(
        f"{LOY}/reports/settlement",
        params={"since": T0.isoformat(), "until": (T0 + timedelta(days=30)).isoformat()},
    ).json()
    assert report == [
        {
            "partner": "cafe",
            "operations": 1,
            "points_issued": 27,
            "points_redeemed": 100,
            "issued_value_minor": 2_700,
            "redeemed_value_minor": 10_000,
            "net_minor": 7_300,
            "owes": "operator",
        }
    ]


def test_points_donated_to_a_cause(client: TestClient, enrol) -> None:
    acc = enrol()["account_id"]
    at(client, T0)
    confirm(client, receipt("R1", acc, [("TV", "tv", 1, 2_000_000)]))
    at(client, T0 + timedelta(days=15))
    body = {"operation_id": "D1", "cause": "zoo", "points": 500}
    given = client.post(f"{LOY}/accounts/{acc}/donations", json=body)
    assert given.status_code == 200, given.text
    assert given.json()["balance"]["active"] == 450
    assert client.post(f"{LOY}/accounts/{acc}/donations", json=body).json() == given.json()
    too_much = client.post(f"{LOY}/accounts/{acc}/donations", json={**body, "operation_id": "D2"})
    assert too_much.status_code == 409
    assert client.get(f"{LOY}/reports/donations").json() == [
        {"cause": "zoo", "points": 500, "donors": 1}
    ]


def test_card_states_block_spending_or_everything(client: TestClient, enrol) -> None:
    acc = enrol()["account_id"]
    at(client, T0)
    confirm(client, receipt("R1", acc, [("TV", "tv", 1, 2_000_000)]))
    at(client, T0 + timedelta(days=15))
    client.put(f"{LOY}/accounts/{acc}/card-state", json={"card_state": "accrual_only"})
    spend = client.post(
        f"{TILL}/confirm", json=receipt("R2", acc, [("A", "x", 1, 100_000)], spend=10)
    )
    assert spend.status_code == 403
    confirm(client, receipt("R3", acc, [("A", "x", 1, 100_000)]))
    client.put(f"{LOY}/accounts/{acc}/card-state", json={"card_state": "blocked"})
    blocked = client.post(f"{TILL}/confirm", json=receipt("R4", acc, [("A", "x", 1, 100_000)]))
    assert blocked.status_code == 403


def test_program_versions_and_returns_use_the_rules_of_the_sale(client: TestClient, enrol) -> None:
    program = client.get(f"{LOY}/programs/retail").json()
    assert client.put(f"{LOY}/programs", json=program).json() == {
        "code": "retail",
        "version": 1,
        "changed": False,
        "accounts_opened": 0,
    }
    acc = enrol()["account_id"]
    at(client, T0)
    sale = confirm(client, receipt("R1", acc, [("A", "dairy", 2, 100_000)]))
    assert sale["program_version"] == 1
    program["points"]["base_earn_pct"] = "20"
    assert client.put(f"{LOY}/programs", json=program).json()["version"] == 2
    quote = client.post(f"{TILL}/calculate", json=receipt("Q", acc, [("A", "dairy", 2, 100_000)]))
    assert quote.json()["points_earned"] == 4 * sale["points_earned"]
    back = client.post(
        f"{TILL}/return",
        json={
            "terminal": "T1",
            "return_id": "B1",
            "receipt_id": "R1",
            "lines": [{"line_no": 1, "qty": 2}],
        },
    ).json()
    assert back["program_version"] == 1
    assert back["points_revoked"] == sale["points_earned"]
    bad = client.put(f"{LOY}/programs", json={**program, "levels": {"tiers": []}})
    assert bad.status_code == 422


def test_example_program_files_are_valid() -> None:
    from omnicrm.loyalty.programs import read_program_file

    files = sorted(EXAMPLES.glob("*.json")) + sorted(EXAMPLES.glob("*.yaml"))
    assert files
    for path in files:
        read_program_file(path)
