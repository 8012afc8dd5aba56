"""A real SMTP server (aiosmtpd, in a thread) and a local HTTP provider, both scriptable, and
a few customers to send to."""

import itertools
import json
import socket
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from sqlalchemy import Engine, insert

from omnicrm.campaigns.messages import OutgoingMessage
from omnicrm.store.schema import Consent, Customer, Identifier, Store

T0 = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)  # a Monday, 13:00 in Moscow


class Inbox:
    """The SMTP handler: answers DATA from ``script[recipient]`` (codes, first to last) and
    250 after that; counts what it accepted by Message-ID."""

    def __init__(self) -> None:
        self.script: dict[str, list[int]] = {}
        self.received: Counter[str] = Counter()
        self.answers: list[int] = []
        self.subjects: list[str] = []
        self.recipients: list[str] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802 (aiosmtpd hook)
        codes = self.script.get(envelope.rcpt_tos[0])
        code = codes.pop(0) if codes else 250
        self.answers.append(code)
        if code != 250:
            return f"{code} {'try again later' if code < 500 else 'no such mailbox'}"
        headers = BytesHeaderParser().parsebytes(envelope.content)
        with self._lock:
            self.received[headers["Message-ID"]] += 1
            self.subjects.append(str(make_header(decode_header(headers["Subject"] or ""))))
            self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


def start_smtp() -> tuple[Controller, Inbox]:
    inbox = Inbox()
    with socket.socket() as probe:  # aiosmtpd checks its own port, so it needs a real one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


class HttpProvider:
    """A local provider: accepts POSTs, fails the first ``fail[key]`` of each with 500."""

    def __init__(self) -> None:
        self.fail: dict[str, int] = {}
        self.accepted: list[dict] = []
        ids = itertools.count(1)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = self.headers["Idempotency-Key"]
                if outer.fail.get(key, 0) > 0:
                    outer.fail[key] -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                outer.accepted.append(body)
                answer = json.dumps({"id": f"p{next(ids)}"}).encode()
                self.send_response(202)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def add_customers(
    engine: Engine,
    n: int,
    *,
    consent: bool | None = True,
    timezone: str = "Europe/Moscow",
    channels: tuple[str, ...] = ("email", "sms"),
) -> list[int]:
    """``n`` customers with an e-mail and a phone, in a store of ``timezone``."""
    batch = uuid.uuid4().hex[:8]
    with engine.begin() as conn:
        store = conn.execute(
            insert(Store).returning(Store.id),
            {
                "code": f"S-{batch}",
                "name": "s",
                "city": "c",
                "region": "r",
                "timezone": timezone,
                "kind": "store",
            },
        ).scalar_one()
        ids = (
            conn.execute(
                insert(Customer).returning(Customer.id),
                [
                    {
                        "created_at": T0,
                        "source": "test",
                        "source_key": f"{batch}-{i}",
                        "home_store_id": store,
                    }
                    for i in range(n)
                ],
            )
            .scalars()
            .all()
        )
        conn.execute(
            insert(Identifier),
            [
                {"kind": kind, "value": value, "customer_id": c, "first_seen_at": T0}
                for c in ids
                for kind, value in (("email", email_of(c)), ("phone", f"+7900{c:07d}"))
            ],
        )
        if consent is not None:
            conn.execute(
                insert(Consent),
                [
                    {
                        "customer_id": c,
                        "channel": ch,
                        "granted": consent,
                        "recorded_at": T0,
                        "source": "test",
                    }
                    for c in ids
                    for ch in channels
                ],
            )
    return list(ids)


def email_of(customer_id: int) -> str:
    return f"c{customer_id}@example.com"


def message(
    customer_id: int,
    *,
    channel: str = "email",
    campaign: str | None = "SPRING",
    kind: str = "marketing",
    step: str = "1",
    **changes: object,
) -> OutgoingMessage:
    fields = {
        "key": f"{campaign or 'trigger'}:{customer_id}:{channel}:{step}",
        "customer_id": customer_id,
        "channel": channel,
        "kind": kind,
        "campaign": campaign,
        "subject": "Spring sale",
        "text": "Hello",
        "html": None,
        "not_before": None,
        "expires_at": None,
        **changes,
    }
    return OutgoingMessage(**fields)  # type: ignore[arg-type]
