"""The channels' providers as configured (``OMNICRM_SMTP_*``, ``OMNICRM_WEBHOOK_*``): what the
worker sends through, and what a test send uses from the API and the workstation
(``app.state.providers``, a callable returning them, replaces the configured ones)."""

from collections.abc import Iterator, Mapping
from typing import Annotated

from fastapi import Depends, Request

from omnicrm.campaigns.channels.base import Provider
from omnicrm.core.settings import get_settings


def from_settings(smtp_host: str | None = None, smtp_port: int | None = None) -> dict:
    """E-mail over SMTP always; sms, push and messenger when a webhook provider is configured."""
    from omnicrm.campaigns.channels.smtp import SmtpProvider
    from omnicrm.campaigns.channels.webhook import WebhookProvider

    s = get_settings()
    providers: dict = {
        "email": SmtpProvider(smtp_host or s.smtp_host, smtp_port or s.smtp_port, s.smtp_sender)
    }
    if s.webhook_url:
        webhook = WebhookProvider(s.webhook_url, s.webhook_token)
        providers.update(sms=webhook, push=webhook, messenger=webhook)
    return providers


def for_request(request: Request) -> Iterator[Mapping[str, Provider]]:
    """Providers for one request, closed after it."""
    made = getattr(request.app.state, "providers", from_settings)()
    try:
        yield made
    finally:
        for provider in {id(p): p for p in made.values()}.values():
            provider.close()


ProvidersDep = Annotated[Mapping[str, Provider], Depends(for_request)]
