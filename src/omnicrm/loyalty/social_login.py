"""Social login at enrolment: the provider's OpenID Connect ``id_token`` verified through an
adapter, so that the provider's user id (``sub``) can become the member's ``social`` identifier.

A token is accepted only when it is signed by a key the provider publishes in its JWKS (fetched
and cached by PyJWT's ``PyJWKClient``), with an asymmetric algorithm (never ``none`` or HMAC,
which would let anyone holding the public key forge one), its ``iss`` the provider's issuer, its
``aud`` our client id, and ``exp`` / ``iat`` / ``nbf`` in date. The e-mail it carries counts only
when the provider says it verified it.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import jwt

from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.core.settings import SocialProvider, get_settings

ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
LEEWAY_SECONDS = 60
"""Clock skew between the provider and us that a token's times may show."""


@dataclass(frozen=True, slots=True)
class SocialAccount:
    """Who the provider says signed in: ``identifier`` is the ``social`` identifier's value."""

    provider: str
    subject: str
    email: str | None = None

    @property
    def identifier(self) -> str:
        return f"{self.provider}:{self.subject}"


class TokenVerifier(Protocol):
    def verify(self, provider: str, id_token: str) -> SocialAccount: ...


def _refused(field: str, message: str) -> InvalidRecord:
    return InvalidRecord([FieldError(f"social.{field}", message)])


class OidcVerifier:
    """Verifies id_tokens of the configured providers; one JWKS client (and key cache) each."""

    def __init__(self, providers: Mapping[str, SocialProvider]) -> None:
        self.providers = dict(providers)
        self._keys = {
            name: jwt.PyJWKClient(p.jwks_url, cache_keys=True, lifespan=3600, timeout=10)
            for name, p in self.providers.items()
        }

    @classmethod
    def from_settings(cls) -> "OidcVerifier":
        return cls(get_settings().social_providers)

    def verify(self, provider: str, id_token: str) -> SocialAccount:
        """The account the token names; InvalidRecord naming ``social.provider`` or
        ``social.id_token`` when it is not one we accept."""
        config = self.providers.get(provider)
        if config is None:
            known = ", ".join(sorted(self.providers)) or "none configured"
            raise _refused("provider", f"unknown provider {provider!r}; known: {known}")
        try:
            key = self._keys[provider].get_signing_key_from_jwt(id_token)
            claims = jwt.decode(
                id_token,
                key,
                algorithms=ALGORITHMS,
                audience=config.client_id,
                issuer=config.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWKClientConnectionError as exc:
            raise _refused("id_token", f"the provider's keys could not be read: {exc}") from None
        except jwt.PyJWTError as exc:
            raise _refused("id_token", f"token refused: {exc}") from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip() or len(subject) > 128:
            raise _refused("id_token", "token refused: no usable subject")
        email = claims.get("email") if claims.get("email_verified") is True else None
        return SocialAccount(provider, subject, email if isinstance(email, str) else None)
