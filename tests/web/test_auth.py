"""Signing in and out: passwords checked against scrypt hashes, lockout, sessions that end when
access changes, CSRF on every form, and redirects that never leave the site."""

from datetime import UTC, datetime

from sqlalchemy import select
from web_store import PASSWORD, Store, client_for, csrf_of, post, signed_in

from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.staff import StaffUser
from omnicrm.web.passwords import hash_password, verify_password
from omnicrm.web.staff import change_access, reset_password, sign_in


def _login(client, username: str, password: str, next_: str = "/"):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_},
    )


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("scrypt$")
    assert first != second
    assert verify_password("correct horse", first)
    assert not verify_password("correct horse!", first)
    assert not verify_password("correct horse", "md5$whatever")


def test_sign_in_lands_on_the_role_home_and_a_wrong_password_is_refused(store: Store) -> None:
    client = client_for(store.engine)
    wrong = _login(client, "analyst", "not the password")
    assert wrong.status_code == 400
    assert 'id="password-error"' in wrong.text
    ok = _login(client, "analyst", PASSWORD, next_="//evil.example/")
    assert ok.headers["location"] == "/"
    assert client.get("/").headers["location"] == "/dashboard"


def test_repeated_failures_lock_the_account(fresh_store: Store) -> None:
    client = client_for(fresh_store.engine)
    for _ in range(5):
        assert _login(client, "marketer", "guess-guess").status_code == 400
    assert _login(client, "marketer", PASSWORD).status_code == 400
    with read_session(fresh_store.engine) as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "marketer"))
        assert user.locked_until is not None


def test_sessions_end_when_a_user_is_deactivated_or_their_password_reset(
    fresh_store: Store,
) -> None:
    engine = fresh_store.engine
    analyst, marketer = signed_in(engine, "analyst"), signed_in(engine, "marketer")
    with unit_of_work(engine) as s:
        ids = dict(s.execute(select(StaffUser.username, StaffUser.id)).all())
        admin = ids["administrator"]
        now = datetime.now(UTC)
        change_access(s, ids["analyst"], role="analyst", active=False, acting_id=admin, now=now)
        reset_password(s, ids["marketer"], "another-password-2", now)
    assert analyst.get("/customers").status_code == 303
    assert marketer.get("/customers").status_code == 303
    with unit_of_work(fresh_store.engine) as s:
        assert sign_in(s, "analyst", PASSWORD, datetime.now(UTC)) is None


def test_sign_out_ends_the_session(store: Store) -> None:
    client = signed_in(store.engine, "analyst")
    assert post(client, "/logout").headers["location"] == "/login"
    assert client.get("/customers").status_code == 303


def test_forms_without_the_sessions_csrf_token_change_nothing(fresh_store: Store) -> None:
    admin = signed_in(fresh_store.engine, "administrator")
    form = {"username": "eve", "full_name": "Eve", "role": "administrator", "password": "x" * 12}
    assert admin.post("/admin/users", data=form).status_code == 403
    assert admin.post("/admin/users", data={**form, "csrf_token": "forged"}).status_code == 403
    other = signed_in(fresh_store.engine, "marketer")
    stolen = csrf_of(other.get("/customers").text)
    assert admin.post("/admin/users", data={**form, "csrf_token": stolen}).status_code == 403
    assert admin.post(f"/identity/review/{fresh_store.review_id}/approve").status_code == 403
    assert client_for(fresh_store.engine).post("/login", data={"username": "x"}).status_code == 403
    with read_session(fresh_store.engine) as s:
        assert s.scalar(select(StaffUser.id).where(StaffUser.username == "eve")) is None
    assert f'id="review-{fresh_store.review_id}"' in admin.get("/identity/review").text
