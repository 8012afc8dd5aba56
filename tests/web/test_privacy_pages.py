"""Erasure from the workstation: an administrator confirms with a reason, the profile is
anonymised, and the erasure is in the access audit."""

from sqlalchemy import select
from web_store import Store, post, signed_in

from omnicrm.store.db import read_session
from omnicrm.store.schema import Customer, Erasure
from omnicrm.store.schema.staff import StaffAuditEntry


def test_an_administrator_erases_after_confirming(fresh_store: Store) -> None:
    admin = signed_in(fresh_store.engine, "administrator")
    page = f"/customers/{fresh_store.anna}"
    assert "/privacy/erase" in admin.get(page).text
    assert "/privacy/erase" not in signed_in(fresh_store.engine, "marketer").get(page).text
    url = f"{page}/privacy/erase"
    refused = post(admin, url, {"reason": "asked by phone", "confirm": "no"}, page=url)
    assert refused.status_code == 400
    assert (
        "Для подтверждения введите указанное слово" in refused.text
    )  # beside the field, in Russian
    with read_session(fresh_store.engine) as s:
        assert s.get(Customer, fresh_store.anna).first_name is not None
    done = post(admin, url, {"reason": "asked by phone", "confirm": "erase"}, page=url)
    assert done.status_code == 303
    with read_session(fresh_store.engine) as s:
        assert s.get(Customer, fresh_store.anna).first_name is None
        erasure = s.scalars(select(Erasure)).one()
        actions = set(s.scalars(select(StaffAuditEntry.action)))
    assert (erasure.reason, erasure.actor) == ("asked by phone", "user:administrator")
    assert "erase_customer" in actions
    export = admin.get(f"{page}/privacy/download")
    assert export.headers["content-type"] == "application/json"
    assert export.json()["customer_id"] == erasure.customer_id
