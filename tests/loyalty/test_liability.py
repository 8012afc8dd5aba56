"""The points liability report over the real ledger, on both backends: on a random history of
sales, spends, returns, cancels and expiry across months the roll-forward ties to the ledger
to the point; a co-branded card earns and burns by its own rules and its cost shows in the
settlement; the report is reached from the API (JSON, CSV, Excel) and the command line."""

import csv
import io
import itertools
from datetime import timedelta

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from loyalty_helpers import T0, make_app, receipt
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from omnicrm.access.keys import create_key
from omnicrm.core.errors import OmnicrmError
from omnicrm.loyalty.command import app as loyalty_cli
from omnicrm.loyalty.enrolment import enrol_member
from omnicrm.loyalty.expiry import expire_points
from omnicrm.loyalty.liability_store import liability_report
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.loyalty.returns import cancel_receipt, return_receipt
from omnicrm.loyalty.schemas import CancelRequest, EnrolRequest, ReceiptRequest, ReturnRequest
from omnicrm.loyalty.till import confirm_receipt
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyEntry, LoyaltyLot

SERIAL = itertools.count()
CLOCK = [T0]
"""Where the next example's history starts: after every earlier one in the same database, so the
whole ledger lies before each example's report."""
LOY = "/api/v1/loyalty"
TILL = "/api/v1/till"

line = st.tuples(
    st.sampled_from(["A", "B"]),
    st.sampled_from(["dairy", "toys", "tobacco"]),
    st.integers(1, 3),
    st.integers(1_000, 400_000),
)
step = st.one_of(
    st.tuples(st.just("buy"), st.integers(0, 2), st.lists(line, min_size=1, max_size=2),
              st.integers(0, 2000)),
    st.tuples(st.just("return"), st.integers(0, 30), st.integers(1, 3)),
    st.tuples(st.just("cancel"), st.integers(0, 30)),
    st.tuples(st.just("wait"), st.integers(1, 120)),
)  # fmt: skip


def _ledger_sum(engine: Engine, before) -> int:  # type: ignore[no-untyped-def]
    with read_session(engine) as s:
        return s.scalar(
            select(func.coalesce(func.sum(LoyaltyEntry.points), 0)).where(LoyaltyEntry.at < before)
        )


def _month_end(month: str):  # type: ignore[no-untyped-def]
    year, m = map(int, month.split("-"))
    return T0.replace(year=year + m // 12, month=m % 12 + 1, day=1, hour=0)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=14))
def test_the_roll_forward_ties_to_the_ledger_on_a_random_history(
    program_engine: Engine, steps
) -> None:
    engine = program_engine
    with unit_of_work(engine) as s:
        members = [
            enrol_member(
                s, EnrolRequest(channel="till", email=f"l{next(SERIAL)}@x.ru", consents={}), T0
            ).account_id
            for _ in range(3)
        ]
    start = now = CLOCK[0]
    sales = []
    opening = [("buy", 0, [("A", "dairy", 2, 500_000)], 0), ("wait", 20)]
    for n, op in enumerate([*opening, *steps]):
        try:
            if op[0] == "buy":
                acc = members[op[1]]
                body = receipt(f"L{n}-{acc}", acc, op[2], spend=op[3], at=now)
                confirm_receipt(engine, ReceiptRequest.model_validate(body), now)
                sales.append(body["receipt_id"])
            elif op[0] == "return" and sales:
                return_receipt(engine, ReturnRequest(
                    terminal="T1", return_id=f"LR{n}", receipt_id=sales[op[1] % len(sales)],
                    lines=[{"line_no": 1, "qty": op[2]}], occurred_at=now,
                ), now)  # fmt: skip
            elif op[0] == "cancel" and sales:
                body = CancelRequest(terminal="T1", receipt_id=sales[op[1] % len(sales)])
                cancel_receipt(engine, body, now)
            elif op[0] == "wait":
                now += timedelta(days=op[1])
                expire_points(engine, now, batch=2)
        except OmnicrmError:
            pass
    as_of = now + timedelta(seconds=1)
    CLOCK[0] = now + timedelta(days=1)
    for at in (as_of, start + (now - start) / 2):
        with read_session(engine) as s:
            report = liability_report(s, None, at)
        rolls = report["roll_forward"]
        for before, row in itertools.pairwise(rolls):
            assert row["opening"] == before["closing"]
        for row in rolls:
            moved = row["issued"] - row["redeemed"] - row["expired"] - row["reversed"]
            assert row["closing"] == row["opening"] + moved
            end = min(_month_end(row["month"]), at)
            assert row["closing"] == _ledger_sum(engine, end), row
        assert rolls[0]["opening"] == 0
        totals = report["totals"]
        assert totals["closing_points"] == _ledger_sum(engine, at)
        assert totals["closing_points"] == (
            totals["live_points"] + totals["lapsed_points"] - totals["debt_points"]
        )
    with read_session(engine) as s:  # at the end, the caches agree with the report
        balances = s.scalar(select(func.sum(LoyaltyAccount.balance)))
        live = s.scalar(
            select(func.coalesce(func.sum(LoyaltyLot.remaining), 0)).where(
                LoyaltyLot.expires_at > as_of
            )
        )
        report = liability_report(s, None, as_of)
    assert report["totals"]["closing_points"] == balances
    assert report["totals"]["live_points"] == live
    assert sum(r["points"] for r in report["outstanding"] if r["state"] != "lapsed") == live
    assert sum(r["points"] for r in report["by_expiry"]) == live


def _bank_client(engine: Engine, scopes: list[str]) -> TestClient:
    with unit_of_work(engine) as s:
        save_program(s, read_program_file(EXAMPLES / "bank_cobrand.json"))
        secret = create_key(s, f"k{next(SERIAL)}", scopes)
    return TestClient(make_app(engine), headers={"X-API-Key": secret})


def _enrol(client: TestClient, phone: str) -> int:
    answer = client.post(f"{LOY}/enrol", json={"channel": "till", "phone": phone, "consents": {}})
    assert answer.status_code == 200, answer.text
    return answer.json()["account_id"]


def _confirm(client: TestClient, body: dict) -> dict:
    answer = client.post(f"{TILL}/confirm", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_cobranded_card_earns_by_its_own_rules_and_its_cost_shows_in_settlement(
    engine: Engine,
) -> None:
    client = _bank_client(engine, ["till:*", "loyalty:*"])
    holder, other = _enrol(client, "+79160002001"), _enrol(client, "+79160002002")
    unknown = client.post(f"{LOY}/accounts/{holder}/cobrands/visa")
    assert unknown.status_code == 422
    assert "visa" in unknown.text
    assert client.post(f"{LOY}/accounts/{holder}/cobrands/bank").status_code == 204
    assert "cobrand:bank" in client.get(f"{LOY}/accounts/{holder}").json()["memberships"]

    client.app.state.clock = lambda: T0
    lines = [("BREAD", "bakery", 1, 100_000), ("CIG", "tobacco", 1, 50_000)]
    card = _confirm(client, receipt("C1", holder, lines, at=T0))
    plain = _confirm(client, receipt("P1", other, lines, at=T0))
    assert card["lines"][0]["earn_rule"] == "cobrand:bank"
    assert card["points_earned"] == 100_000 * 700 // (10_000 * 100)  # 7 % of the money paid
    assert card["lines"][1]["points_earned"] == 0  # excluded categories stay excluded
    assert plain["lines"][0]["earn_rule"] == "earn:base"
    assert plain["points_earned"] == 100_000 * 500 // (10_000 * 100)

    later = T0 + timedelta(days=20)
    client.app.state.clock = lambda: later
    quote = client.post(
        f"{TILL}/calculate",
        json=receipt("C2", holder, [("CAKE", "bakery", 1, 10_000)], at=later)
        | {"points_to_spend": None},
    ).json()
    assert quote["max_points_to_spend"] == 50  # the card's 50 % cap, not the program's 30 %

    month_end, since = (T0 + timedelta(days=40)).isoformat(), T0.isoformat()
    report = client.get(f"{LOY}/liability", params={"as_of": month_end, "since": since}).json()
    [bank] = report["settlement"]["cobrands"]
    assert bank == {
        "cobrand": "bank",
        "partner": "Банк-партнёр",
        "points_earned": 70,
        "value_minor": 7_000,
        "partner_funded_bp": 6000,
        "partner_owes_minor": 4_200,
        "operator_cost_minor": 2_800,
        "owes": "partner",
    }
    client.post(f"{TILL}/return", json={
        "terminal": "T1", "return_id": "RC1", "receipt_id": "C1",
        "lines": [{"line_no": 1, "qty": 1}], "occurred_at": later.isoformat(),
    })  # fmt: skip
    report = client.get(f"{LOY}/liability", params={"as_of": month_end, "since": since}).json()
    assert report["settlement"]["cobrands"][0]["points_earned"] == 0


def test_the_report_is_reached_from_the_api_and_the_command_line(engine: Engine) -> None:
    client = _bank_client(engine, ["till:*", "loyalty:*"])
    acc = _enrol(client, "+79160003001")
    with unit_of_work(engine) as s:  # a second program: the report keeps to its own accounts
        save_program(s, read_program_file(EXAMPLES / "retail.json"))
        other = enrol_member(
            s, EnrolRequest(channel="till", phone="+79160003002", consents={}, program="retail"),
            T0,
        )  # fmt: skip
    body = receipt("O1", other.account_id, [("TV", "tv", 1, 4_000_000)], at=T0, program="retail")
    _confirm(client, body)
    client.app.state.clock = lambda: T0
    _confirm(client, receipt("R1", acc, [("TV", "tv", 1, 2_000_000)], at=T0))
    as_of = (T0 + timedelta(days=3)).isoformat()

    report = client.get(f"{LOY}/liability", params={"as_of": as_of}).json()
    assert report["totals"]["pending_points"] == 1_000
    assert report["totals"]["outstanding_value_minor"] == 100_000
    assert report["roll_forward"][-1]["issued"] == 1_000

    download = client.get(f"{LOY}/liability", params={"as_of": as_of, "format": "csv"})
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[-1]["issued"] == "1000"
    assert rows[-1]["closing"] == "1000"
    excel = client.get(
        f"{LOY}/liability", params={"as_of": as_of, "format": "xlsx", "table": "cohorts"}
    )
    assert excel.status_code == 200
    assert excel.content[:2] == b"PK"
    bad = client.get(f"{LOY}/liability", params={"table": "salaries", "format": "csv"})
    assert bad.status_code == 422
    assert "table" in bad.text

    till_only = _bank_client(engine, ["till:*"])
    assert till_only.get(f"{LOY}/liability").status_code == 403

    url = engine.url.render_as_string(hide_password=False)
    out = CliRunner().invoke(
        loyalty_cli, ["liability", "--as-of", as_of, "--table", "by_expiry", "--db", url]
    )
    assert out.exit_code == 0, out.output
    assert "expiry_month,points,value_minor" in out.output
    assert "1000,100000" in out.output
    wrong = CliRunner().invoke(loyalty_cli, ["liability", "--table", "x", "--db", url])
    assert wrong.exit_code == 1
    assert "table" in wrong.output
