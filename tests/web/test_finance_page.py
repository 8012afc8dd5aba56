"""The finance role's page: the points liability report as of a day, in Russian by default,
with downloads; aggregates only (no phone, name or customer link), closed to other roles but the
administrator. And the member's account on the 360 page (expiring points, visits, challenges)."""

from datetime import UTC, datetime

from web_store import Store, signed_in

from omnicrm.loyalty.enrolment import enrol_member
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.loyalty.schemas import EnrolRequest, ReceiptRequest
from omnicrm.loyalty.till import confirm_receipt
from omnicrm.store.db import unit_of_work

AT = datetime(2025, 3, 3, 10, tzinfo=UTC)
PHONE = "+79160004455"


def _sell(store: Store) -> int:
    with unit_of_work(store.engine) as s:
        save_program(s, read_program_file(EXAMPLES / "retail.json"))
        member = enrol_member(s, EnrolRequest(channel="till", phone=PHONE, consents={}), AT)
    body = {
        "terminal": "T1",
        "receipt_id": "F1",
        "identify": {"kind": "account", "value": str(member.account_id)},
        "lines": [
            {"line_no": 1, "sku": "TV", "category": "tv", "qty": 1, "price_minor": 2_000_000}
        ],
        "occurred_at": AT.isoformat(),
    }
    confirm_receipt(store.engine, ReceiptRequest.model_validate(body), AT)
    return member.customer_id


def test_finance_sees_the_liability_without_personal_data(fresh_store: Store) -> None:
    _sell(fresh_store)
    client = signed_in(fresh_store.engine, "finance")
    html = client.get("/finance/liability", params={"as_of": "2025-03-31"}).text
    assert "Обязательства по баллам" in html
    assert "Движение баллов по месяцам" in html
    assert "<td>2025-03</td>" in html
    assert "950" in html  # 5 % of 19 000 after the 5 % level discount, pending
    assert PHONE not in html
    assert "/customers/" not in html
    download = client.get(
        "/finance/liability/download",
        params={"table": "roll_forward", "format": "csv", "as_of": "2025-03-31"},
    )
    assert download.status_code == 200
    assert "2025-03,0,950,0,0,0,950" in download.content.decode("utf-8-sig")
    bad = client.get("/finance/liability", params={"as_of": "31.03.2025"})
    assert bad.status_code == 422
    assert client.get("/customers").status_code == 403
    assert signed_in(fresh_store.engine, "marketer").get("/finance/liability").status_code == 403


def test_the_360_page_shows_the_account_as_the_member_sees_it(fresh_store: Store) -> None:
    customer = _sell(fresh_store)
    html = signed_in(fresh_store.engine, "marketer").get(f"/customers/{customer}").text
    account = html.split('id="loyalty-account"', 1)[1].split("</dl>", 1)[0]
    assert "Сгорят за 30 дней" in account
    assert "Визиты в магазины" in account
    assert "<dd>1</dd>" in account  # one purchase
    assert "Задания этого месяца" in html
