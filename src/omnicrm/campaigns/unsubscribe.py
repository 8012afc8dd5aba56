"""Signed unsubscribe links (``GET /u/{token}``): the token names the customer, the channel and
the campaign, so the link works without a session and cannot be forged for someone else."""

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from omnicrm.core.errors import NotFound
from omnicrm.core.settings import get_settings

SALT = "omnicrm-unsubscribe"


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    customer_id: int
    channel: str
    campaign: str | None


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(get_settings().link_secret, salt=SALT)


def make_token(customer_id: int, channel: str, campaign: str | None) -> str:
    return str(_serializer().dumps([customer_id, channel, campaign]))


def read_token(token: str) -> Unsubscribe:
    """The link's request; NotFound for a token this service did not sign."""
    try:
        customer_id, channel, campaign = _serializer().loads(token)
    except (BadSignature, ValueError):
        raise NotFound("unknown unsubscribe link") from None
    return Unsubscribe(int(customer_id), str(channel), campaign)


def link(customer_id: int, channel: str, campaign: str | None) -> str:
    base = get_settings().public_base_url.rstrip("/")
    return f"{base}/u/{make_token(customer_id, channel, campaign)}"
