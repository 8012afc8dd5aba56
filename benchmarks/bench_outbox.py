"""Deliver N outbox messages to a local SMTP server: messages/s and the worker's peak RSS.

    python benchmarks/bench_outbox.py --messages 10000 [--db postgres] [--batch 200]

Builds a fresh database with N consenting customers and one queued e-mail each, starts an
in-process SMTP server (aiosmtpd), runs the sending worker in a child process until the outbox
is empty (every message through the policy gate and one SMTP transaction each, outcomes
committed ``--commit-every`` at a time), and checks the server received every Message-ID.
"""

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import Connection, insert

from bench_till import DEFAULT_PG, fresh_database
from omnicrm.campaigns import sending_policy
from omnicrm.campaigns.channels.smtp import SmtpProvider
from omnicrm.campaigns.gate import Policy
from omnicrm.campaigns.messages import OutgoingMessage, enqueue
from omnicrm.campaigns.worker import SendingSettings, Worker
from omnicrm.store.db import make_engine
from omnicrm.store.migrate import upgrade
from omnicrm.store.schema import Consent, Customer, Identifier

T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # noon in Moscow: no quiet hours
SENDER = "shop@example.com"


class Counting:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]  # noqa: N802 (aiosmtpd hook)
        for line in envelope.content.splitlines():
            if line.lower().startswith(b"message-id:"):
                self.ids.add(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


def populate(url: str, n: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        ids = (
            conn.execute(
                insert(Customer).returning(Customer.id),
                [{"created_at": T0, "source": "bench", "source_key": str(i)} for i in range(n)],
            )
            .scalars()
            .all()
        )
        conn.execute(
            insert(Identifier),
            [
                {
                    "kind": "email",
                    "value": f"c{c}@example.com",
                    "customer_id": c,
                    "first_seen_at": T0,
                }
                for c in ids
            ],
        )
        conn.execute(
            insert(Consent),
            [
                {
                    "customer_id": c,
                    "channel": "email",
                    "granted": True,
                    "recorded_at": T0,
                    "source": "bench",
                }
                for c in ids
            ],
        )
        enqueue(
            conn,
            [
                OutgoingMessage(
                    f"BENCH:{c}:email:1",
                    c,
                    "email",
                    "marketing",
                    "BENCH",
                    "Sale",
                    f"Hello {c}",
                    None,
                    None,
                    None,
                )
                for c in ids
            ],
        )
    engine.dispose()


def no_global_control(conn: Connection) -> Policy:
    """The operator's policy, read for every batch as ``campaigns worker`` does, with no global
    control group (every message must reach the server)."""
    return replace(sending_policy.policy(conn), global_control_bp=0)


def child(url: str, port: int, batch: int, senders: int, commit_every: int) -> None:
    engine = make_engine(url)
    provider = SmtpProvider("127.0.0.1", port, SENDER)
    worker = Worker(
        engine,
        {"email": provider},
        no_global_control,
        SendingSettings(batch=batch, senders=senders, commit_every=commit_every),
    )
    started = time.perf_counter()
    report = worker.run(lambda: T0, until_idle=True, poll_seconds=0.05)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu_seconds": cpu,
                "peak_rss_mb": usage.ru_maxrss / 1024,
                "report": report,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--senders", type=int, default=1, help="sending threads")
    parser.add_argument(
        "--commit-every", type=int, default=SendingSettings().commit_every, help="outcomes a commit"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.port, args.batch, args.senders, args.commit_every)
        return
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = fresh_database(args.db, args.pg_url, Path(tmp))
        try:
            started = time.perf_counter()
            populate(url, args.messages)
            print(f"queued {args.messages} messages in {time.perf_counter() - started:.1f}s")
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            inbox = Counting()
            server = Controller(inbox, hostname="127.0.0.1", port=port)
            server.start()
            try:
                done = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--child",
                        url,
                        "--port",
                        str(port),
                        "--batch",
                        str(args.batch),
                        "--senders",
                        str(args.senders),
                        "--commit-every",
                        str(args.commit_every),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
            finally:
                server.stop()
            result = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            drop()
    sent = result["report"].get("sent", 0)
    rate = sent / result["seconds"] if result["seconds"] else 0
    print(
        f"db={args.db} messages={args.messages} batch={args.batch} senders={args.senders} "
        f"commit_every={args.commit_every}"
    )
    print(
        f"delivered {sent} messages ({len(inbox.ids)} distinct Message-IDs at the server) in "
        f"{result['seconds']:.2f}s: {rate:.0f} messages/s, worker CPU "
        f"{result['cpu_seconds'] / max(sent, 1) * 1000:.2f} ms a message, worker peak RSS "
        f"{result['peak_rss_mb']:.0f} MiB; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    if len(inbox.ids) != args.messages:
        sys.exit(f"the server received {len(inbox.ids)} of {args.messages} messages")


if __name__ == "__main__":
    main()
