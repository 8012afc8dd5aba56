"""Sign-ins end on the server (S3): a copy of the cookie taken before sign-out, a password reset
or a role change opens nothing afterwards; sign-in attempts are rate-limited per address. On
SQLite and PostgreSQL."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_store import client_for, csrf_of, post, signed_in

from omnicrm.access.ratelimit import Limiter, Rate, RateLimits
from omnicrm.store.db import unit_of_work
from omnicrm.web.staff import NewUser, create_user

PASSWORD = "session-password-1"
COOKIE = "omnicrm_session"


@pytest.fixture
def staff(engine: Engine) -> dict[str, int]:
    """An administrator and a second administrator whose sign-in is the one revoked."""
    now = datetime.now(UTC)
    with unit_of_work(engine) as session:
        return {
            name: create_user(
                session, NewUser(name, name.title(), "administrator", PASSWORD), now
            ).id
            for name in ("boss", "deputy")
        }


def _with_cookie(engine: Engine, cookie: str) -> TestClient:
    """Another browser holding a copy of a cookie (as an attacker who stole it would)."""
    client = client_for(engine)
    client.cookies.set(COOKIE, cookie)
    return client


def _deputy_copy(engine: Engine) -> tuple[TestClient, TestClient]:
    deputy = signed_in(engine, "deputy", PASSWORD)
    copy = _with_cookie(engine, deputy.cookies[COOKIE])
    assert copy.get("/admin/keys").status_code == 200
    return deputy, copy


def test_the_old_cookie_is_refused_after_sign_out(engine: Engine, staff: dict) -> None:
    deputy, copy = _deputy_copy(engine)
    assert post(deputy, "/logout", page="/admin/keys").status_code == 303
    refused = copy.get("/admin/keys")
    assert refused.status_code == 303
    assert refused.headers["location"].startswith("/login")


def test_the_old_cookie_is_refused_after_a_password_change(engine: Engine, staff: dict) -> None:
    _, copy = _deputy_copy(engine)
    boss = signed_in(engine, "boss", PASSWORD)
    form = {"password": "brand-new-password-2"}
    assert post(boss, f"/admin/users/{staff['deputy']}/password", form).status_code == 303
    assert copy.get("/admin/keys").status_code == 303
    assert boss.get("/admin/keys").status_code == 200


def test_the_old_cookie_is_refused_after_a_role_change(engine: Engine, staff: dict) -> None:
    _, copy = _deputy_copy(engine)
    boss = signed_in(engine, "boss", PASSWORD)
    page = f"/admin/users/{staff['deputy']}"
    token = csrf_of(boss.get(page).text)
    changed = boss.post(
        f"{page}/access", data={"role": "analyst", "active": "on", "csrf_token": token}
    )
    assert changed.status_code == 303
    assert copy.get("/dashboard").status_code == 303  # not even the analyst's own pages
    analyst = signed_in(engine, "deputy", PASSWORD)
    assert analyst.get("/dashboard").status_code == 200
    assert analyst.get("/admin/keys").status_code == 403


def test_saving_access_unchanged_keeps_the_sign_in(engine: Engine, staff: dict) -> None:
    _, copy = _deputy_copy(engine)
    boss = signed_in(engine, "boss", PASSWORD)
    page = f"/admin/users/{staff['deputy']}"
    token = csrf_of(boss.get(page).text)
    form = {"role": "administrator", "active": "on", "csrf_token": token}
    assert boss.post(f"{page}/access", data=form).status_code == 303
    assert copy.get("/admin/keys").status_code == 200


def test_the_n_plus_first_sign_in_attempt_from_one_address_is_429(
    engine: Engine, staff: dict
) -> None:
    client = client_for(engine)
    client.app.state.rate_limits = RateLimits(
        sms_code_per_key=Limiter(Rate(burst=1, per_minute=1)),
        sign_in_per_address=Limiter(Rate(burst=3, per_minute=2)),
    )
    token = csrf_of(client.get("/login").text)
    form = {"username": "boss", "password": "wrong-password", "csrf_token": token}
    for _ in range(3):
        assert client.post("/login", data=form).status_code == 400
    limited = client.post("/login", data={**form, "password": PASSWORD})
    assert limited.status_code == 429
    assert 0 < int(limited.headers["retry-after"]) <= 30
    assert 'id="password-error"' in limited.text
    assert client.get("/admin/keys").status_code == 303  # the right password did not sign in
