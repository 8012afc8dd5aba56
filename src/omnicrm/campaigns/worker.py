"""The sending worker: claim a batch of due messages, pass each through the gate, send what
passes, and write the outcomes on their rows in groups of ``commit_every`` (one transaction,
one statement per kind of write). A kill loses at most the uncommitted group: those messages
are sent again after the lease ends, under the same idempotency key (the e-mail's Message-ID),
so a receiving side that deduplicates sees each once. A send error commits its group at once,
so a campaign's run of consecutive errors (and its pause) is counted exactly as it happens."""

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
from omnicrm.campaigns.delivery import append_events
from omnicrm.campaigns.gate import Policy, Recipient, decide
from omnicrm.campaigns.recipients import load_recipients
from omnicrm.core.clock import utcnow
from omnicrm.store.schema.campaigns_outbox import CampaignSending

SENDING = CampaignSending.__table__
PolicySource = Callable[[Connection], Policy]
"""Reads the gate's policy for a batch (``sending_policy.policy``: the operator's caps and quiet
hours as they stand)."""
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
    commit_every: int = 50
    """Outcomes committed together (per sending thread). The trade-off: a kill -9 may send
    again up to this many messages per thread, each under its original Message-ID (the outbox
    key), so a receiving server that deduplicates by it sees each once; 1 repeats at most the
    message in flight but commits once per message (half the speed on SQLite, less on
    PostgreSQL)."""


@dataclass(frozen=True, slots=True)
class Settled:
    """One row's outcome, waiting for its group's commit."""

    row: Mapping
    values: dict[str, object]
    provider: str | None = None  # set when the row went to a provider
    error: bool = False


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
        policy: Policy | PolicySource,
        settings: SendingSettings = SendingSettings(),
        owner: str | None = None,
    ) -> None:
        self.engine, self.providers = engine, providers
        self.policy_of: PolicySource = (
            (lambda _conn: policy) if isinstance(policy, Policy) else policy
        )
        self.settings = settings
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
            policy = self.policy_of(conn)
        paused: set[str] = set()
        lanes = self.settings.senders
        by_lane = [[r for r in rows if r["customer_id"] % lanes == i] for i in range(lanes)]
        if lanes == 1:
            return self._lane(rows, recipients, policy, now, paused)
        with ThreadPoolExecutor(lanes) as pool:
            done = pool.map(lambda lane: self._lane(lane, recipients, policy, now, paused), by_lane)
            return sum(done, Counter())

    def _lane(
        self,
        rows: list[dict],
        recipients: Mapping[int, Recipient],
        policy: Policy,
        now: datetime,
        paused: set[str],
    ) -> Counter[str]:
        """Settle rows in order, committing every ``commit_every`` outcomes and at every send
        error. A customer's rows all fall in one lane, so the caps count the sends of this
        batch too."""
        report: Counter[str] = Counter()
        group: list[Settled] = []
        for row in rows:
            if row["campaign"] in paused:
                with self.engine.begin() as conn:
                    messages.release(conn, [row["id"]], self.owner)
                report["released"] += 1
                continue
            recipient = recipients[row["customer_id"]]
            d = decide(row["channel"], row["kind"], row["expires_at"], recipient, policy, now)
            if d.action == "drop":
                group.append(Settled(row, {"status": "dropped", "reason": d.reason}))
            elif d.action == "hold":
                group.append(
                    Settled(row, {"status": "held", "reason": d.reason, "due_at": d.until})
                )
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
                outcome = provider.send(envelope)
                group.append(self._settled(row, provider.name, outcome, now))
                if outcome.status == "sent" and row["kind"] == "marketing":
                    recipient.marketing_sends.append((row["channel"], now))
            if len(group) >= self.settings.commit_every or group[-1].error:
                report += self._commit(group, now, paused)
                group = []
        return report + self._commit(group, now, paused)

    def _settled(self, row: Mapping, provider: str, outcome: Outcome, now: datetime) -> Settled:
        attempts = row["attempts"] + 1
        s = self.settings
        if outcome.status == "sent":
            values = {"status": "sent", "reason": None, "sent_at": now}
            values["provider_id"] = outcome.provider_id
        elif outcome.status == "bounced":
            values = {"status": "bounced", "reason": outcome.detail}
        elif attempts >= s.max_attempts:
            values = {"status": "failed", "reason": outcome.detail}
        else:
            values = {"status": "retrying", "reason": outcome.detail}
            values["due_at"] = now + backoff(attempts, s.retry_base, s.retry_cap)
        values.update(attempts=attempts, provider=provider)
        return Settled(row, values, provider, error=outcome.status != "sent")

    def _commit(self, group: list[Settled], now: datetime, paused: set[str]) -> Counter[str]:
        """Write a group's outcomes, the events of its sends and bounces, and its campaigns'
        error runs (an error can only be the group's last outcome); how many of each."""
        if not group:
            return Counter()
        with self.engine.begin() as conn:
            owned = messages.finish(conn, [(s.row, s.values) for s in group], self.owner)
            done = [s for s in group if s.row["id"] in owned]
            events = [
                (s.row, s.values["status"], now, {"provider": s.provider})
                for s in done
                if s.values["status"] in ("sent", "bounced")
            ]
            append_events(conn, events)
            sent = {s.row["campaign"] for s in done if s.provider and not s.error}
            for campaign in sorted(sent - {None}):
                conn.execute(_RESET_ERRORS, {"b_campaign": campaign})
            last = group[-1]
            campaign = last.row["campaign"]
            counted = last.error and campaign is not None and last.row["id"] in owned
            if counted and _count_error(conn, campaign, now, self.settings.pause_after):
                paused.add(campaign)
        report = Counter(str(s.values["status"]) for s in done)
        report["lost_lease"] += len(group) - len(done)
        return +report

    def run(
        self,
        clock: Callable[[], datetime] = utcnow,
        *,
        until_idle: bool = False,
        poll_seconds: float = 1.0,
        due: Callable[[datetime], object] | None = None,
    ) -> Counter[str]:
        """Send until stopped (or, with ``until_idle``, until nothing is due or leased).
        ``due`` runs first on every round: the scheduled campaigns' launch, so what it queues
        is sent in the same loop."""
        total: Counter[str] = Counter()
        try:
            while True:
                if due is not None:
                    due(clock())
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


def _count_error(conn: Connection, campaign: str, now: datetime, pause_after: int) -> bool:
    """Add a send error to the campaign's run of consecutive errors; True when it is paused."""
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
