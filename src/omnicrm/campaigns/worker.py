"""The sending worker: claim a batch of due messages, pass each through the gate, send what
passes, and write every outcome on its row in its own transaction, so a kill loses at most the
message in flight (sent again after the lease ends, under the same idempotency key)."""

import os
import socket
import time as wall
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, bindparam, update
from sqlalchemy.dialects import postgresql, sqlite

from omnicrm.campaigns import messages
from omnicrm.campaigns.channels.base import Envelope, Outcome, Provider
from omnicrm.campaigns.delivery import append_event
from omnicrm.campaigns.gate import Policy, Recipient, decide
from omnicrm.campaigns.recipients import load_recipients
from omnicrm.core.clock import utcnow
from omnicrm.store.schema.campaigns_outbox import CampaignSending

SENDING = CampaignSending.__table__
_RESET_ERRORS = (  # built once: it runs after every successful send
    update(SENDING)
    .where(SENDING.c.campaign == bindparam("b_campaign"), SENDING.c.consecutive_errors > 0)
    .values(consecutive_errors=0)
)


@dataclass(frozen=True, slots=True)
class SendingSettings:
    batch: int = 200
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 6
    pause_after: int = 20
    """Consecutive send errors (temporary or bounced) after which a campaign pauses itself."""
    retry_base: timedelta = timedelta(seconds=30)
    retry_cap: timedelta = timedelta(hours=1)
    default_timezone: str = "Europe/Moscow"
    senders: int = 1
    """Threads sending one claimed batch (each with its own provider connection)."""


def backoff(attempt: int, base: timedelta, cap: timedelta) -> timedelta:
    """Wait before attempt ``attempt + 1``: doubling from ``base``, never more than ``cap``."""
    return min(base * 2 ** (attempt - 1), cap)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Worker:
    def __init__(
        self,
        engine: Engine,
        providers: Mapping[str, Provider],
        policy: Policy,
        settings: SendingSettings = SendingSettings(),
        owner: str | None = None,
    ) -> None:
        self.engine, self.providers = engine, providers
        self.policy, self.settings = policy, settings
        self.owner = owner or default_owner()

    def run_once(self, now: datetime) -> Counter[str]:
        """Claim one batch due at ``now`` and settle it; how many rows ended in each status."""
        with self.engine.begin() as conn:
            rows = messages.claim(
                conn,
                self.owner,
                now,
                limit=self.settings.batch,
                lease=self.settings.lease,
                channels=tuple(self.providers),
            )
        if not rows:
            return Counter()
        with self.engine.connect().execution_options(readonly=True) as conn, conn.begin():
            recipients = load_recipients(
                conn, (r["customer_id"] for r in rows), now, self.settings.default_timezone
            )
        paused: set[str] = set()
        lanes = self.settings.senders
        by_lane = [[r for r in rows if r["customer_id"] % lanes == i] for i in range(lanes)]
        if lanes == 1:
            return self._lane(rows, recipients, now, paused)
        with ThreadPoolExecutor(lanes) as pool:
            done = pool.map(lambda lane: self._lane(lane, recipients, now, paused), by_lane)
            return sum(done, Counter())

    def _lane(
        self, rows: list[dict], recipients: Mapping[int, Recipient], now: datetime, paused: set[str]
    ) -> Counter[str]:
        """Settle rows one by one. A customer's rows all fall in one lane, so the caps count
        the sends of this batch too."""
        report: Counter[str] = Counter()
        for row in rows:
            if row["campaign"] in paused:
                with self.engine.begin() as conn:
                    messages.release(conn, [row["id"]], self.owner)
                report["released"] += 1
                continue
            recipient = recipients[row["customer_id"]]
            d = decide(row["channel"], row["kind"], row["expires_at"], recipient, self.policy, now)
            if d.action == "drop":
                self._finish(row, status="dropped", reason=d.reason)
                report["dropped"] += 1
            elif d.action == "hold":
                self._finish(row, status="held", reason=d.reason, due_at=d.until)
                report["held"] += 1
            else:
                provider = self.providers[row["channel"]]
                envelope = Envelope(
                    key=row["key"],
                    channel=row["channel"],
                    kind=row["kind"],
                    to=recipient.addresses[row["channel"]],
                    subject=row["subject"],
                    text=row["text"],
                    html=row["html"],
                )
                status = self._settle(row, provider, provider.send(envelope), now, paused)
                if status == "sent" and row["kind"] == "marketing":
                    recipient.marketing_sends.append((row["channel"], now))
                report[status] += 1
        return report

    def _finish(self, row: Mapping, **values: object) -> None:
        with self.engine.begin() as conn:
            messages.finish(conn, row, self.owner, **values)

    def _settle(
        self, row: Mapping, provider: Provider, outcome: Outcome, now: datetime, paused: set[str]
    ) -> str:
        attempts = row["attempts"] + 1
        s = self.settings
        with self.engine.begin() as conn:
            if outcome.status == "sent":
                values = {
                    "status": "sent",
                    "reason": None,
                    "sent_at": now,
                    "provider_id": outcome.provider_id,
                }
            elif outcome.status == "bounced":
                values = {"status": "bounced", "reason": outcome.detail}
            elif attempts >= s.max_attempts:
                values = {"status": "failed", "reason": outcome.detail}
            else:
                values = {
                    "status": "retrying",
                    "reason": outcome.detail,
                    "due_at": now + backoff(attempts, s.retry_base, s.retry_cap),
                }
            if not messages.finish(
                conn, row, self.owner, attempts=attempts, provider=provider.name, **values
            ):
                return "lost_lease"
            if values["status"] in ("sent", "bounced"):
                append_event(conn, row, values["status"], now, provider=provider.name)
            error = outcome.status != "sent"
            campaign = row["campaign"]
            if campaign is not None and _count_error(conn, campaign, error, now, s.pause_after):
                paused.add(campaign)
        return str(values["status"])

    def run(
        self,
        clock: Callable[[], datetime] = utcnow,
        *,
        until_idle: bool = False,
        poll_seconds: float = 1.0,
    ) -> Counter[str]:
        """Send until stopped (or, with ``until_idle``, until nothing is due or leased)."""
        total: Counter[str] = Counter()
        try:
            while True:
                done = self.run_once(clock())
                total.update(done)
                if done:
                    continue
                with self.engine.connect().execution_options(readonly=True) as conn:
                    waiting = messages.pending(conn, clock(), tuple(self.providers))
                if until_idle and not waiting:
                    return total
                wall.sleep(poll_seconds)
        finally:
            for provider in self.providers.values():
                provider.close()


def _count_error(
    conn: Connection, campaign: str, error: bool, now: datetime, pause_after: int
) -> bool:
    """Keep the campaign's run of consecutive errors; True when this error pauses it."""
    if not error:
        conn.execute(_RESET_ERRORS, {"b_campaign": campaign})
        return False
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(SENDING).values(campaign=campaign, consecutive_errors=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["campaign"],
        set_={"consecutive_errors": SENDING.c.consecutive_errors + 1},
    ).returning(SENDING.c.consecutive_errors, SENDING.c.paused_at)
    errors, paused_at = conn.execute(stmt).one()
    if errors < pause_after or paused_at is not None:
        return paused_at is not None
    conn.execute(
        update(SENDING)
        .where(SENDING.c.campaign == campaign)
        .values(paused_at=now, paused_reason=f"{errors} consecutive send errors")
    )
    return True
