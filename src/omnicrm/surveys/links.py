"""Signed invitation links (``/s/{token}``): the token names the invitation, so the page needs no
sign-in and a link cannot be forged for another invitation. ``base36(id).mac`` keeps SMS short."""

import base64
import hashlib
import hmac

from omnicrm.core.errors import NotFound
from omnicrm.core.settings import get_settings

SALT = b"omnicrm-survey:"


def _mac(body: str) -> str:
    key = SALT + get_settings().link_secret.encode()
    digest = hmac.new(key, body.encode(), hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def make_token(invitation_id: int) -> str:
    body = _base36(invitation_id)
    return f"{body}.{_mac(body)}"


def read_token(token: str) -> int:
    """The invitation id; NotFound for a token this service did not sign."""
    body, _, mac = token.partition(".")
    if not mac or not hmac.compare_digest(mac.encode(), _mac(body).encode()):
        raise NotFound("unknown survey link")
    return int(body, 36)


def link(invitation_id: int) -> str:
    return f"{get_settings().public_base_url.rstrip('/')}/s/{make_token(invitation_id)}"
