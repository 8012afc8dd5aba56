"""Transport and framing (S3): X-Frame-Options and the strict CSP on pages, HSTS and a Secure
cookie over HTTPS, and a production server that refuses to start with an unsafe secret."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_store import PASSWORD, Store, csrf_of

from omnicrm.api.app import create_app
from omnicrm.core.settings import get_settings
from omnicrm.web.config import get_web_settings

SECRET = "q8Zt0LrV2kW9pXc4Hn7JsB1mYd6FgAe3Tu5Ro0Il"


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings re-read from the environment this test sets, and restored after it."""
    for cached in (get_settings, get_web_settings):
        cached.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    for cached in (get_settings, get_web_settings):
        cached.cache_clear()


def _sign_in(client: TestClient):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    form = {"username": "analyst", "password": PASSWORD, "csrf_token": token}
    return client.post("/login", data=form)


def test_pages_and_the_api_forbid_framing(store: Store) -> None:
    client = TestClient(create_app(store.engine), follow_redirects=False)
    page, api = client.get("/login"), client.get("/api/v1/health")
    for response in (page, api):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in response.headers  # plain HTTP
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_production_refuses_a_random_or_placeholder_secret(
    settings_env: pytest.MonkeyPatch, sqlite_engine: Engine
) -> None:
    settings_env.setenv("OMNICRM_PRODUCTION", "1")
    settings_env.delenv("OMNICRM_WEB_SESSION_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="OMNICRM_WEB_SESSION_SECRET"):
        create_app(sqlite_engine)
    get_web_settings.cache_clear()
    settings_env.setenv("OMNICRM_WEB_SESSION_SECRET", "change-me-" * 4)
    with pytest.raises(RuntimeError, match="OMNICRM_WEB_SESSION_SECRET"):
        create_app(sqlite_engine)


def test_production_over_https_sends_hsts_and_a_secure_cookie(
    settings_env: pytest.MonkeyPatch, store: Store
) -> None:
    settings_env.setenv("OMNICRM_PRODUCTION", "1")
    settings_env.setenv("OMNICRM_WEB_SESSION_SECRET", SECRET)
    with pytest.raises(RuntimeError, match="OMNICRM_PRIVACY_KEY and OMNICRM_LINK_SECRET"):
        create_app(store.engine)
    settings_env.setenv("OMNICRM_PRIVACY_KEY", SECRET[::-1])
    settings_env.setenv("OMNICRM_LINK_SECRET", SECRET.upper())
    get_settings.cache_clear()
    app = create_app(store.engine)
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    signed = _sign_in(client)
    assert signed.status_code == 303
    assert "secure" in signed.headers["set-cookie"].lower()
    assert signed.headers["strict-transport-security"].startswith("max-age=")
    assert client.get("/customers").status_code == 200
