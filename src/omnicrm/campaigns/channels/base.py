"""What every provider implements: send one envelope, carrying the outbox key as idempotency
key, and say whether it was accepted, should be retried later, or is refused for good."""

from dataclasses import dataclass
from typing import Protocol

# which identifier kind (identity/policy.py) a channel sends to
ADDRESS_KIND = {"email": "email", "sms": "phone", "messenger": "phone", "push": "device"}


@dataclass(frozen=True, slots=True)
class Envelope:
    key: str  # the outbox key: the provider's idempotency key
    channel: str
    kind: str  # marketing | transactional
    to: str
    subject: str | None
    text: str
    html: str | None


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # sent | retry (temporary: 4xx, timeouts) | bounced (permanent: 5xx, refused)
    detail: str | None = None
    provider_id: str | None = None


class Provider(Protocol):
    """A channel's sender; ``send`` may be called from several worker threads at once."""

    name: str

    def send(self, envelope: Envelope) -> Outcome: ...

    def close(self) -> None: ...
