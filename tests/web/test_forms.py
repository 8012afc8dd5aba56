"""Bad input in every form gets a message beside its field and changes nothing (S3)."""

import pytest
from sqlalchemy import func, select
from web_store import Store, post, signed_in

from omnicrm.access.keys import create_key
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import ApiKey, Merge
from omnicrm.store.schema.staff import StaffUser

GOOD_USER = {"username": "olga", "full_name": "Ольга", "role": "analyst", "password": "p" * 12}


def _count(store: Store, model: type) -> int:
    with read_session(store.engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def _beside(html: str, field: str) -> None:
    assert f'id="{field}-error"' in html, html[:3000]
    assert f'aria-describedby="{field}-error"' in html


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "Ol ga"}, "username"),
        ({"username": "administrator"}, "username"),
        ({"full_name": " "}, "full_name"),
        ({"role": "superuser"}, "role"),
        ({"password": "short"}, "password"),
    ],
)
def test_a_bad_new_user_is_refused_beside_the_field(
    fresh_store: Store, change: dict, field: str
) -> None:
    admin = signed_in(fresh_store.engine, "administrator")
    before = _count(fresh_store, StaffUser)
    response = post(admin, "/admin/users", {**GOOD_USER, **change}, page="/admin/users")
    assert response.status_code == 400
    _beside(response.text, field)
    assert _count(fresh_store, StaffUser) == before


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "", "scopes": "till:*"}, "name"),
        ({"name": "pos 1", "scopes": "till:*"}, "name"),
        ({"name": "pos-1", "scopes": ""}, "scopes"),
        ({"name": "pos-1", "scopes": "till:* DROP;"}, "scopes"),
    ],
)
def test_a_bad_api_key_is_refused_beside_the_field(
    fresh_store: Store, form: dict, field: str
) -> None:
    admin = signed_in(fresh_store.engine, "administrator")
    response = post(admin, "/admin/keys", form, page="/admin/keys")
    assert response.status_code == 400
    _beside(response.text, field)
    assert _count(fresh_store, ApiKey) == 0


def test_a_duplicate_key_name_is_refused(fresh_store: Store) -> None:
    admin = signed_in(fresh_store.engine, "administrator")
    assert post(admin, "/admin/keys", {"name": "pos-1", "scopes": "till:*"}).status_code == 200
    again = post(admin, "/admin/keys", {"name": "pos-1", "scopes": "ingest:pos"})
    assert again.status_code == 400
    _beside(again.text, "name")
    assert _count(fresh_store, ApiKey) == 1


@pytest.mark.parametrize("reason", ["", " ", "x" * 201])
def test_an_unmerge_needs_a_reason(fresh_store: Store, reason: str) -> None:
    marketer = signed_in(fresh_store.engine, "marketer")
    url = f"/identity/merges/{fresh_store.merge_id}/unmerge"
    response = post(marketer, url, {"reason": reason}, page=url)
    assert response.status_code == 400
    _beside(response.text, "reason")
    with read_session(fresh_store.engine) as s:
        assert s.get(Merge, fresh_store.merge_id).undone_at is None


def test_an_administrator_cannot_lock_themselves_out(fresh_store: Store) -> None:
    admin = signed_in(fresh_store.engine, "administrator")
    with read_session(fresh_store.engine) as s:
        me = s.scalar(select(StaffUser.id).where(StaffUser.username == "administrator"))
    response = post(admin, f"/admin/users/{me}/access", {"role": "analyst", "active": "on"})
    assert response.status_code == 400
    _beside(response.text, "role")
    weak = post(admin, f"/admin/users/{me}/password", {"password": "123"})
    assert weak.status_code == 400
    _beside(weak.text, "password")
    assert admin.get("/admin/users").status_code == 200


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/customers?q=" + "9" * 201, "q"),
        ("/customers?offset=-5", "offset"),
        ("/customers/{anna}?orders_offset=abc", "orders_offset"),
    ],
)
def test_bad_query_parameters_are_explained(store: Store, url: str, field: str) -> None:
    html = signed_in(store.engine, "analyst").get(url.format(anna=store.anna))
    assert html.status_code == 400
    assert f'id="{field}-error"' in html.text


def test_unknown_pages_and_profiles_are_html_pages_while_the_api_keeps_json(store: Store) -> None:
    client = signed_in(store.engine, "analyst")
    page = client.get("/customers/999999")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    with unit_of_work(store.engine) as s:
        secret = create_key(s, "forms-test", ["customers:read"])
    api = client.get("/api/v1/customers/999999", headers={"X-API-Key": secret})
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/customers/999999").json()["error"]["code"] == "unauthorized"
