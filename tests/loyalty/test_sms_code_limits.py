"""SMS codes (S3): limited per phone (in the database) and per API key (in process), answered
429 with ``Retry-After`` in the one error shape; the code never reaches the log in clear."""

import logging
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from loyalty_helpers import T0

from omnicrm.access.ratelimit import Limiter, Rate, RateLimits
from omnicrm.loyalty.enrolment import log_sms_code

SMS_CODE = "/api/v1/loyalty/enrol/sms-code"


def _ask(client: TestClient, phone: str):  # type: ignore[no-untyped-def]
    return client.post(SMS_CODE, json={"phone": phone})


def _assert_limited(response, seconds: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 429, response.text
    assert 0 < int(response.headers["retry-after"]) <= seconds
    assert set(response.json()) == {"error"}
    assert response.json()["error"]["code"] == "rate_limited"


def test_a_second_code_for_one_phone_within_a_minute_is_429(client: TestClient) -> None:
    client.app.state.clock = lambda: T0
    assert _ask(client, "+79165550021").status_code == 200
    _assert_limited(_ask(client, "8 916 555-00-21"), 60)
    client.app.state.clock = lambda: T0 + timedelta(seconds=61)
    assert _ask(client, "+79165550021").status_code == 200


def test_the_sixth_code_for_one_phone_within_an_hour_is_429(client: TestClient) -> None:
    for minute in range(5):
        client.app.state.clock = lambda m=minute: T0 + timedelta(minutes=2 * m)
        assert _ask(client, "+79165550022").status_code == 200
    client.app.state.clock = lambda: T0 + timedelta(minutes=11)
    limited = _ask(client, "+79165550022")
    _assert_limited(limited, 60 * 60)
    assert int(limited.headers["retry-after"]) == 49 * 60  # the first code turns an hour old


def test_a_key_gets_429_on_its_n_plus_first_code(client: TestClient) -> None:
    n = 3
    client.app.state.rate_limits = RateLimits(
        sms_code_per_key=Limiter(Rate(burst=n, per_minute=1)),
        sign_in_per_address=Limiter(Rate(burst=1, per_minute=1)),
    )
    for i in range(n):
        assert _ask(client, f"+7916555{i:04d}").status_code == 200
    _assert_limited(_ask(client, "+79165559999"), 60)


def test_no_sms_code_or_phone_in_the_log(
    client: TestClient, sms_outbox: list, caplog: pytest.LogCaptureFixture
) -> None:
    """The default gateway (the log), watched so the test knows the code it was given."""

    def gateway(phone: str, code: str) -> None:
        sms_outbox.append((phone, code))
        log_sms_code(phone, code)

    client.app.state.sms_sender = gateway
    caplog.set_level(logging.DEBUG)
    assert _ask(client, "8 (916) 555-00-23").status_code == 200
    [(phone, code)] = sms_outbox
    logged = caplog.text
    assert "+7 916 ***-**-23" in logged
    assert code not in logged
    assert phone not in logged
    assert "5550023" not in logged


def test_a_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = Limiter(Rate(burst=2, per_minute=6), clock=lambda: now[0])
    assert limiter.take("k") is None
    assert limiter.take("k") is None
    assert limiter.take("k") == pytest.approx(10.0)
    assert limiter.take("other") is None
    now[0] = 10.0
    assert limiter.take("k") is None
    assert limiter.take("k") == pytest.approx(10.0)
