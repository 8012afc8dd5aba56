"""Migrating an existing program: importing the registry opens an account per member, with the
card state, balance and level the old system reports, as one recorded ledger operation each;
the till then knows the member by card and by phone."""

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from omnicrm.identity.resolve import resolve_all
from omnicrm.ingest.bulk import import_file
from omnicrm.ingest.sources import members
from omnicrm.ingest.stream import ingest_records
from omnicrm.loyalty.expiry import expire_points
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.store.db import read_session
from omnicrm.store.schema import Customer
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLevelChange,
    LoyaltyLot,
    LoyaltyOperation,
    LoyaltyRegistryEntry,
)
from support import api_client

HEADER = [
    "card_no",
    "issued_at",
    "store_code",
    "last_name",
    "first_name",
    "phone",
    "email",
    "consent_sms",
    "consent_at",
    "card_state",
    "points_balance",
    "period_spend_minor",
    "level",
    "level_since",
    "points_expire_at",
    "channel",
]
ANNA = [
    "2000000123456",
    "2024-01-10T10:00:00+03:00",
    "S001",
    "Иванова",
    "Анна",
    "8 916 220 63 93",
    "anna@mail.ru",
    "1",
    "2024-01-10T10:01:00+03:00",
    "active",
    "1500",
    "3500000",
    "silver",
    "2025-06-01T00:00:00+03:00",
    "2027-01-31T23:59:59+03:00",
    "web",
]
PETR = [
    "2000000654321",
    "2024-02-01T09:00:00+05:00",
    "",
    "Петров",
    "Пётр",
    "+79161112233",
    "",
    "",
    "",
    "accrual_only",
    "200",
    "",
    "",
    "",
    "",
    "",
]
OLGA = [
    "2000000111111",
    "2024-03-01T09:00:00+03:00",
    "S001",
    "Смирнова",
    "Ольга",
    "+79165550000",
    "",
    "",
    "",
    "blocked",
    "0",
    "",
    "gold",
    "",
    "",
    "till",
]
STORES = [
    ["store_code", "name", "city", "region", "timezone", "kind", "opened_on"],
    ["S001", "Омни Москва", "Москва", "Москва", "Europe/Moscow", "store", "2020-01-01"],
]
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
LOYALTY_TABLES = (
    LoyaltyAccount,
    LoyaltyOperation,
    LoyaltyLot,
    LoyaltyEntry,
    LoyaltyLevelChange,
    LoyaltyRegistryEntry,
)


def _csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _registry(engine: Engine, tmp_path: Path, rows: list[list[str]]):  # type: ignore[no-untyped-def]
    """Import the rows as a registry file: the required columns the rows leave out, empty."""
    import_file(engine, _csv(tmp_path / "stores.csv", STORES, STORES[0]))
    empty = [c for c in members.COLUMNS if c not in HEADER]
    padded = [[*row, *("" for _ in empty)] for row in rows]
    path = _csv(tmp_path / "loyalty_members.csv", padded, [*HEADER, *empty])
    return import_file(engine, path, source="members")


def _load_program(client: TestClient) -> dict:
    program = read_program_file(EXAMPLES / "retail.json").model_dump(mode="json")
    response = client.put("/api/v1/loyalty/programs", json=program)
    assert response.status_code == 200, response.text
    return response.json()


def _counts(engine: Engine) -> dict[str, int]:
    with read_session(engine) as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in LOYALTY_TABLES
        }


def _account(engine: Engine, card: str) -> LoyaltyAccount:
    with read_session(engine) as s:
        customer = s.scalar(select(Customer.id).where(Customer.source_key == card))
        account = s.scalar(select(LoyaltyAccount).where(LoyaltyAccount.customer_id == customer))
        assert account is not None, f"no account for {card}"
        s.expunge(account)
        return account


def _till(card_or_phone: tuple[str, str], receipt_id: str, price: int, spend: int = 0) -> dict:
    kind, value = card_or_phone
    return {
        "terminal": "S001-T1",
        "receipt_id": receipt_id,
        "identify": {"kind": kind, "value": value},
        "lines": [{"line_no": 1, "sku": "SKU1", "qty": 1, "price_minor": price}],
        "points_to_spend": spend,
    }


def test_registry_import_opens_accounts_the_till_knows(engine: Engine, tmp_path: Path) -> None:
    client = api_client(engine)
    _load_program(client)
    report = _registry(engine, tmp_path, [ANNA, PETR, OLGA])
    assert (report.total.inserted, report.total.rejected) == (3, 0)

    anna = _account(engine, ANNA[0])
    assert (anna.balance, anna.level, anna.card_state, anna.enrolled_channel) == (
        1500,
        "silver",
        "active",
        "web",
    )
    assert anna.level_since == datetime(2025, 5, 31, 21, tzinfo=UTC)
    petr, olga = _account(engine, PETR[0]), _account(engine, OLGA[0])
    assert (petr.balance, petr.level, petr.card_state) == (200, "base", "accrual_only")
    assert (olga.balance, olga.level, olga.card_state, olga.enrolled_channel) == (
        0,
        "gold",
        "blocked",
        "till",
    )
    with read_session(engine) as s:
        operation = s.scalar(select(LoyaltyOperation).where(LoyaltyOperation.account_id == anna.id))
        lot = s.scalar(select(LoyaltyLot).where(LoyaltyLot.account_id == anna.id))
        entries = s.scalars(select(LoyaltyEntry).where(LoyaltyEntry.account_id == anna.id)).all()
    assert (operation.kind, operation.terminal, operation.op_key) == (
        "migration",
        "registry",
        ANNA[0],
    )
    assert (lot.points, lot.remaining, lot.rule) == (1500, 1500, "migration")
    assert lot.expires_at == datetime(2027, 1, 31, 20, 59, 59, tzinfo=UTC)
    assert [(e.kind, e.points, e.operation_id) for e in entries] == [("earn", 1500, operation.id)]

    by_card = client.post(
        "/api/v1/till/identify",
        json={"terminal": "S001-T1", "identify": {"kind": "card", "value": ANNA[0]}},
    )
    assert by_card.status_code == 200, by_card.text
    assert by_card.json()["account_id"] == anna.id
    assert by_card.json()["balance"]["active"] == 1500
    by_phone = client.post(
        "/api/v1/till/identify",
        json={"terminal": "S001-T1", "identify": {"kind": "phone", "value": "+7 916 220-63-93"}},
    )
    assert by_phone.json()["account_id"] == anna.id

    confirmed = client.post(
        "/api/v1/till/confirm", json=_till(("card", ANNA[0]), "R1", 100_000, spend=200)
    )
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["points_spent"] == 200
    assert body["points_earned"] > 0
    assert body["balance"]["active"] == 1300

    profile = client.get(f"/api/v1/customers/{anna.customer_id}").json()
    assert [(a["program_code"], a["level"], a["balance"]) for a in profile["loyalty"]] == [
        ("retail", "silver", 1300 + body["points_earned"])
    ]

    petr_spends = client.post(
        "/api/v1/till/confirm", json=_till(("card", PETR[0]), "R2", 100_000, spend=100)
    )
    assert petr_spends.status_code in (403, 422), petr_spends.text
    blocked = client.post("/api/v1/till/confirm", json=_till(("card", OLGA[0]), "R3", 10_000))
    assert blocked.status_code == 403, blocked.text


def test_reimporting_the_registry_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    _load_program(api_client(engine))
    _registry(engine, tmp_path, [ANNA, PETR])
    before = _counts(engine)
    assert before["loyalty_accounts"] == 2
    again = _registry(engine, tmp_path, [ANNA, PETR])
    assert (again.total.inserted, again.total.duplicates, again.total.rejected) == (0, 2, 0)
    assert _counts(engine) == before
    streamed = ingest_records(engine, "members", [dict(zip(HEADER, ANNA, strict=True))])
    assert streamed[0].status == "duplicate"
    assert _counts(engine) == before


def test_bad_registry_rows_are_reported_and_the_rest_go_in(engine: Engine, tmp_path: Path) -> None:
    client = api_client(engine)
    _load_program(client)
    enrolled = client.post(
        "/api/v1/loyalty/enrol",
        json={"channel": "till", "phone": "+79160000001", "consents": {"sms": True}},
    ).json()
    unknown_level = [*ANNA[:12], "platinum", *ANNA[13:]]
    negative = [*PETR[:10], "-5", *PETR[11:]]
    taken = [enrolled["card_number"], *OLGA[1:]]
    report = _registry(engine, tmp_path, [unknown_level, negative, taken, PETR])
    counts = report.sources["members"]
    assert (counts.inserted, counts.rejected) == (1, 3)
    problems = {(e.row_no, e.field): e.message for e in report.errors}
    assert set(problems) == {(2, "level"), (3, "points_balance"), (4, "card_no")}
    assert "platinum" not in problems[(2, "level")]
    assert "silver" in problems[(2, "level")]
    assert str(enrolled["customer_id"]) in problems[(4, "card_no")]
    assert _counts(engine)["loyalty_registry"] == 1
    _account(engine, PETR[0])


def test_a_registry_imported_before_the_program_waits_for_it(
    engine: Engine, tmp_path: Path
) -> None:
    no_level = [*ANNA[:12], "", *ANNA[13:]]
    platinum = [*PETR[:12], "platinum", *PETR[13:]]
    report = _registry(engine, tmp_path, [no_level, platinum, OLGA])
    assert (report.total.inserted, report.total.rejected) == (3, 0)
    assert _counts(engine)["loyalty_accounts"] == 0
    answer = _load_program(api_client(engine))
    assert answer["accounts_opened"] == 3
    assert [_account(engine, m[0]).level for m in (ANNA, PETR, OLGA)] == ["base", "base", "gold"]
    with read_session(engine) as s:
        reasons = s.scalars(select(LoyaltyLevelChange.reason).order_by(LoyaltyLevelChange.id))
        assert [r.split(" (")[-1] for r in reasons] == [
            "no level reported: the first level)",
            "its level 'platinum' is not in the program: the first level)",
            "migrated from the previous program",
        ]
    assert _load_program(api_client(engine))["accounts_opened"] == 0
    assert _counts(engine)["loyalty_accounts"] == 3


@pytest.mark.parametrize("expire_at", ["2026-06-30T23:59:59+03:00", ""])
def test_migrated_points_expire_by_their_lot(
    engine: Engine, tmp_path: Path, expire_at: str
) -> None:
    _load_program(api_client(engine))
    _registry(engine, tmp_path, [[*ANNA[:14], expire_at, ANNA[15]]])
    account = _account(engine, ANNA[0])
    with read_session(engine) as s:
        lot = s.scalar(select(LoyaltyLot).where(LoyaltyLot.account_id == account.id))
    if expire_at:
        assert lot.expires_at == datetime(2026, 6, 30, 20, 59, 59, tzinfo=UTC)
    else:  # the program's lifetime (365 days) from the migration
        assert lot.expires_at - lot.earned_at == timedelta(days=365)
    expire_points(engine, lot.expires_at + timedelta(seconds=1))
    assert _account(engine, ANNA[0]).balance == 0


def test_a_second_card_of_one_person_keeps_its_own_account_after_the_merge(
    engine: Engine, tmp_path: Path
) -> None:
    """The old registry issued Anna a second card; identity merges her two profiles, and each
    card still opens the account it was migrated with (a phone opens the older one)."""
    client = api_client(engine)
    _load_program(client)
    second = [
        "2000000999999",
        "2025-02-01T10:00:00+03:00",
        *ANNA[2:10],
        "300",
        "0",
        "base",
        "",
        "",
        "till",
    ]
    _registry(engine, tmp_path, [ANNA, second])
    resolve_all(engine)
    first, other = _account(engine, ANNA[0]), _account(engine, second[0])
    with read_session(engine) as s:
        merged = s.scalars(
            select(Customer.merged_into_id).where(
                Customer.id.in_([first.customer_id, other.customer_id])
            )
        ).all()
    assert sorted(merged, key=str) == sorted([None, first.customer_id], key=str)

    def identified(kind: str, value: str) -> int:
        answer = client.post(
            "/api/v1/till/identify",
            json={"terminal": "S001-T1", "identify": {"kind": kind, "value": value}},
        )
        assert answer.status_code == 200, answer.text
        return answer.json()["account_id"]

    assert identified("card", second[0]) == other.id
    assert identified("card", ANNA[0]) == first.id
    assert identified("phone", ANNA[5]) == first.id
