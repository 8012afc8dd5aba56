"""A generic HTTP provider for SMS, push and messenger: one JSON POST per message with the
outbox key as ``Idempotency-Key``. Real providers (an SMS gateway, FCM, a messenger API) implement
the same ``Provider`` interface; this one speaks a neutral webhook shape:

    POST {url}  {"key", "channel", "to", "subject", "text", "html"}  ->  2xx {"id": "..."}

5xx, 408, 429 and network errors are temporary (retried); any other 4xx refuses the message.
Delivery receipts come back to ``/api/v1/campaigns/providers/webhook/receipts``."""

import json
import urllib.error
import urllib.request
from dataclasses import asdict

from omnicrm.campaigns.channels.base import Envelope, Outcome

TEMPORARY = {408, 425, 429}


class WebhookProvider:
    name = "webhook"

    def __init__(self, url: str, token: str | None = None, timeout: float = 10.0) -> None:
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, envelope: Envelope) -> Outcome:
        headers = {"Content-Type": "application/json", "Idempotency-Key": envelope.key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps(asdict(envelope)).encode()
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            status = exc.code
            temporary = status >= 500 or status in TEMPORARY
            return Outcome("retry" if temporary else "bounced", f"http {status}")
        except (OSError, ValueError) as exc:
            return Outcome("retry", f"http: {exc}"[:200])
        return Outcome("sent", provider_id=str(answer.get("id") or envelope.key))

    def close(self) -> None:
        """Nothing held between sends."""
