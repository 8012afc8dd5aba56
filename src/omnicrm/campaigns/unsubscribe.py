"""Signed unsubscribe links (``GET /u/{token}``): the token names the customer, the channel and
the campaign, so the link works without a session and cannot be forged for someone else.

A token is ``base64url(customer.channel.campaign)`` + ``.`` + a truncated HMAC-SHA256 of it:
made once per message of a launch, so it costs microseconds (a general-purpose serializer
cost more than rendering the message)."""

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from omnicrm.core.errors import NotFound
from omnicrm.core.settings import get_settings

SALT = b"omnicrm-unsubscribe:"


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    customer_id: int
    channel: str
    campaign: str | None


def _mac(payload: bytes) -> str:
    key = SALT + get_settings().link_secret.encode()
    digest = hmac.new(key, payload, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(customer_id: int, channel: str, campaign: str | None) -> str:
    payload = base64.urlsafe_b64encode(f"{customer_id}.{channel}.{campaign or ''}".encode())
    body = payload.rstrip(b"=")
    return f"{body.decode()}.{_mac(body)}"


def read_token(token: str) -> Unsubscribe:
    """The link's request; NotFound for a token this service did not sign."""
    body, _, mac = token.partition(".")
    if not mac or not hmac.compare_digest(mac, _mac(body.encode())):
        raise NotFound("unknown unsubscribe link")
    try:
        text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        customer, channel, campaign = text.split(".", 2)
        return Unsubscribe(int(customer), channel, campaign or None)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise NotFound("unknown unsubscribe link") from None


def link(customer_id: int, channel: str, campaign: str | None) -> str:
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/u/{make_token(customer_id, channel, campaign)}"
