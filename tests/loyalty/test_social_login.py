"""Social enrolment verifies the provider's id_token against a real local token issuer (an RSA
key made here, its JWKS served over HTTP by a thread), stores the provider's user id as the
member's ``social`` identifier, and refuses forged, foreign, stale and unsigned tokens with
nothing written. An interaction from that platform account then lands on the member's journey."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from omnicrm.core.settings import SocialProvider
from omnicrm.ingest.stream import ingest_record
from omnicrm.loyalty.social_login import OidcVerifier
from omnicrm.store.db import read_session
from omnicrm.store.schema import Customer, Event, Identifier

LOY = "/api/v1/loyalty"
ISSUER, CLIENT = "https://id.vk.test", "omnicrm-shop"


@pytest.fixture(scope="module")
def issuer() -> Iterator[tuple[rsa.RSAPrivateKey, str]]:
    """The provider: a signing key and the URL of its JWKS on a local HTTP server."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield key, f"http://127.0.0.1:{server.server_port}/jwks.json"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def stranger() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def sign(issuer: tuple) -> Callable[..., str]:
    def _sign(sub: str = "id-777", key: object = None, **claims: object) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": CLIENT, "sub": sub, "iat": now, "exp": now + 300}
        payload |= {"email": "Anna@Example.org", "email_verified": True} | claims
        return jwt.encode(payload, key or issuer[0], algorithm="RS256", headers={"kid": "k1"})

    return _sign


@pytest.fixture
def social_client(client: TestClient, issuer: tuple) -> TestClient:
    provider = SocialProvider(issuer=ISSUER, client_id=CLIENT, jwks_url=issuer[1])
    client.app.state.social_verifier = OidcVerifier({"vk": provider})
    return client


def _body(token: str, **extra: object) -> dict:
    return {
        "channel": "social",
        "social": {"provider": "vk", "id_token": token},
        "consents": {"email": True},
        **extra,
    }


def _counts(engine: Engine) -> tuple[int, int]:
    with read_session(engine) as session:
        return (
            session.scalar(select(func.count()).select_from(Customer)),
            session.scalar(select(func.count()).select_from(Identifier)),
        )


def test_social_enrolment_stores_the_provider_user_id(
    social_client: TestClient, sign: Callable[..., str], program_engine: Engine
) -> None:
    first = social_client.post(f"{LOY}/enrol", json=_body(sign()))
    assert first.status_code == 200, first.text
    customer = first.json()["customer_id"]
    with read_session(program_engine) as session:
        owned = dict(
            session.execute(
                select(Identifier.kind, Identifier.value).where(Identifier.customer_id == customer)
            ).all()
        )
    assert owned["social"] == "vk:id-777"
    assert owned["email"] == "anna@example.org"  # verified by the provider
    again = social_client.post(f"{LOY}/enrol", json=_body(sign(email_verified=False)))
    assert again.status_code == 200, again.text
    assert (again.json()["customer_id"], again.json()["created"]) == (customer, False)
    message = {
        "interaction_id": "m1", "platform": "vk", "user_id": "id-777", "kind": "message",
        "at": "2025-03-01T10:00:00+03:00", "text": "Есть ли размер 38?", "url": "",
        "phone": "", "email": "",
    }  # fmt: skip
    landed = ingest_record(program_engine, "social", message)
    assert (landed.customer_id, landed.identity) == (customer, "attached")
    with read_session(program_engine) as session:
        event = session.get(Event, landed.id)
        assert (event.kind, event.channel, event.customer_id) == (
            "social_message",
            "social",
            customer,
        )


@pytest.mark.parametrize(
    "token",
    [
        "forged",  # signed by another key under the provider's key id
        "foreign",  # issued for another application
        "stale",  # expired an hour ago
        "unsigned",  # alg none
        "garbage",
    ],
)
def test_a_token_we_do_not_accept_writes_nothing(
    social_client: TestClient,
    sign: Callable[..., str],
    program_engine: Engine,
    stranger: rsa.RSAPrivateKey,
    token: str,
) -> None:
    now = int(time.time())
    made = {
        "forged": lambda: sign(key=stranger),
        "foreign": lambda: sign(aud="someone-else"),
        "stale": lambda: sign(iat=now - 7200, exp=now - 3600),
        "unsigned": lambda: jwt.encode(
            {"iss": ISSUER, "aud": CLIENT, "sub": "x", "iat": now, "exp": now + 60},
            None,
            algorithm="none",
            headers={"kid": "k1"},
        ),
        "garbage": lambda: "not.a.token",
    }[token]()
    before = _counts(program_engine)
    response = social_client.post(f"{LOY}/enrol", json=_body(made))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "social.id_token"
    assert _counts(program_engine) == before


def test_social_enrolment_needs_a_known_provider_and_a_token(
    social_client: TestClient, sign: Callable[..., str]
) -> None:
    unknown = {**_body(sign()), "social": {"provider": "ok", "id_token": sign()}}
    response = social_client.post(f"{LOY}/enrol", json=unknown)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "social.provider"
    labelled = {"channel": "social", "email": "a@b.ru", "consents": {}}
    assert social_client.post(f"{LOY}/enrol", json=labelled).status_code == 422
