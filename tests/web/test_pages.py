"""What staff do on the pages: decide suggested merges, undo a merge, manage users and API keys,
read the loyalty settings, and switch the language."""

import re

import pytest
from sqlalchemy import select
from web_store import Store, post, signed_in

from omnicrm.access.keys import authenticate
from omnicrm.core.errors import Unauthorized
from omnicrm.identity.aliases import live_id
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Merge, ReviewItem
from omnicrm.store.schema.staff import StaffAuditEntry


@pytest.mark.parametrize(
    ("decision", "status", "merged"), [("approve", "approved", True), ("reject", "rejected", False)]
)
def test_a_suggested_merge_is_decided_from_the_queue(
    fresh_store: Store, decision: str, status: str, merged: bool
) -> None:
    marketer = signed_in(fresh_store.engine, "marketer")
    done = post(marketer, f"/identity/review/{fresh_store.review_id}/{decision}")
    assert done.headers["location"] == "/identity/review"
    page = marketer.get("/identity/review").text
    assert 'class="flash ok"' in page
    assert f'id="review-{fresh_store.review_id}"' not in page
    with read_session(fresh_store.engine) as s:
        assert s.get(ReviewItem, fresh_store.review_id).status == status
        assert (live_id(s, fresh_store.anna_twin) == fresh_store.anna) is merged
        assert s.scalar(select(StaffAuditEntry.action).order_by(StaffAuditEntry.id.desc())) == (
            f"review_{decision}"
        )
    again = post(marketer, f"/identity/review/{fresh_store.review_id}/{decision}")
    assert again.status_code == 303
    assert 'class="flash error"' in marketer.get("/identity/review").text


def test_a_merge_is_undone_from_the_profile_after_a_preview(fresh_store: Store) -> None:
    marketer = signed_in(fresh_store.engine, "marketer")
    profile = marketer.get(f"/customers/{fresh_store.petr}").text
    link = f"/identity/merges/{fresh_store.merge_id}/unmerge"
    assert link in profile
    preview = marketer.get(link)
    assert preview.status_code == 200
    assert 'name="reason"' in preview.text
    done = post(marketer, link, {"reason": "two people share a card"}, page=link)
    assert done.status_code == 303
    with read_session(fresh_store.engine) as s:
        merge = s.get(Merge, fresh_store.merge_id)
        assert merge.undone_reason == "two people share a card"
        assert live_id(s, merge.absorbed_id) == merge.absorbed_id
    assert done.headers["location"] == f"/customers/{merge.survivor_id}"


def test_an_administrator_adds_a_user_who_can_then_sign_in(fresh_store: Store) -> None:
    admin = signed_in(fresh_store.engine, "administrator")
    form = {"username": "olga", "full_name": "Ольга", "role": "store_staff", "password": "p" * 12}
    assert post(admin, "/admin/users", form).headers["location"] == "/admin/users"
    assert "olga" in admin.get("/admin/users").text
    olga = signed_in(fresh_store.engine, "olga", "p" * 12)
    assert olga.get("/").headers["location"] == "/customers"
    assert olga.get("/loyalty").status_code == 403


def test_an_api_key_secret_is_shown_once_and_works_until_revoked(fresh_store: Store) -> None:
    admin = signed_in(fresh_store.engine, "administrator")
    issued = post(admin, "/admin/keys", {"name": "pos-store-001", "scopes": "till:*, ingest:pos"})
    secret = re.search(r'<code id="secret">([^<]+)</code>', issued.text).group(1)
    assert secret not in admin.get("/admin/keys").text
    with read_session(fresh_store.engine) as s:
        caller = authenticate(s, secret)
        assert caller.allows("ingest:pos")
        assert not caller.allows("loyalty:read")
    key_id = re.search(r'action="/admin/keys/(\d+)/revoke"', issued.text).group(1)
    assert post(admin, f"/admin/keys/{key_id}/revoke").status_code == 303
    with read_session(fresh_store.engine) as s, pytest.raises(Unauthorized):
        authenticate(s, secret)


def test_the_loyalty_page_shows_the_program_in_force(fresh_store: Store) -> None:
    analyst = signed_in(fresh_store.engine, "analyst")
    assert "omnicrm loyalty programs load" in analyst.get("/loyalty").text
    program = read_program_file(EXAMPLES / "retail.json")
    with unit_of_work(fresh_store.engine) as s:
        save_program(s, program)
    html = analyst.get("/loyalty").text
    assert program.name in html
    assert all(tier.name in html for tier in program.levels.tiers)


def test_language_switches_and_stays_for_the_session(store: Store) -> None:
    client = signed_in(store.engine, "analyst")
    assert "<h1>Клиенты</h1>" in client.get("/customers").text
    switched = post(client, "/lang", {"lang": "en", "next": "/customers?q=x"})
    assert switched.headers["location"] == "/customers?q=x"
    html = client.get("/customers").text
    assert '<html lang="en">' in html
    assert "<h1>Customers</h1>" in html
    post(client, "/lang", {"lang": "xx", "next": "/"})
    assert '<html lang="en">' in client.get("/customers").text
