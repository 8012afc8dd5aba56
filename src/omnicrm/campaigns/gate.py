"""The one policy gate every message passes at send time, in this order: consent for the
channel (and an address to send to), the global control group, frequency caps, quiet hours,
expiry. Pure: the worker fetches the facts, this decides, and the outcome's reason is stored on
the message row. Transactional messages (a code, an order ready for pickup) skip the control
group, the caps and quiet hours, never consent."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from omnicrm.campaigns.control import in_control
from omnicrm.core.clock import zone

GLOBAL_CONTROL = "global"


@dataclass(frozen=True, slots=True)
class Caps:
    """Most marketing messages a customer gets per customer-local day and week (Monday first)."""

    channel_day: int = 1
    channel_week: int = 3
    day: int = 2
    week: int = 6


@dataclass(frozen=True, slots=True)
class Policy:
    global_control_bp: int
    caps: Caps = Caps()
    quiet_from: time = time(21, 0)
    quiet_until: time = time(9, 0)
    """Quiet hours in the customer's own time zone; the window may wrap midnight."""


@dataclass(frozen=True, slots=True)
class Recipient:
    """What the gate needs to know about one customer, fetched once per claimed batch."""

    customer_id: int
    timezone: str
    consents: Mapping[str, bool]  # the decision in force per channel; absent = never asked
    addresses: Mapping[str, str]  # channel -> where to send
    marketing_sends: list[tuple[str, datetime]]
    """(channel, sent_at) of recent marketing; the worker adds the sends of the batch."""


@dataclass(frozen=True, slots=True)
class Decision:
    action: str  # send | hold | drop
    reason: str | None = None
    until: datetime | None = None  # a hold lasts until then


def decide(
    channel: str,
    kind: str,
    expires_at: datetime | None,
    recipient: Recipient,
    policy: Policy,
    now: datetime,
) -> Decision:
    """The gate's verdict on sending one message on ``channel`` to ``recipient`` at ``now``."""
    consent = recipient.consents.get(channel)  # marketing needs a yes; transactional, no "no"
    if consent is False or (kind == "marketing" and consent is None):
        return Decision("drop", "consent:refused" if consent is False else "consent:not_given")
    if channel not in recipient.addresses:
        return Decision("drop", "no_address")
    marketing = kind == "marketing"
    if marketing and in_control(recipient.customer_id, GLOBAL_CONTROL, policy.global_control_bp):
        return Decision("drop", "control:global")
    tz = zone(recipient.timezone)
    local = now.astimezone(tz)
    if marketing and (capped := _capped(channel, recipient.marketing_sends, policy.caps, local)):
        return Decision("drop", capped)
    opens = _quiet_until(local, policy) if marketing else None
    send_at = now if opens is None else opens
    if expires_at is not None and send_at >= expires_at:
        return Decision("drop", "expired")
    if opens is not None:
        return Decision("hold", "quiet_hours", opens)
    return Decision("send")


def _capped(
    channel: str, sends: Sequence[tuple[str, datetime]], caps: Caps, local: datetime
) -> str | None:
    day = datetime.combine(local.date(), time(0), tzinfo=local.tzinfo)
    week = day - timedelta(days=local.weekday())
    limits = (
        ("channel_day", day, True, caps.channel_day),
        ("channel_week", week, True, caps.channel_week),
        ("day", day, False, caps.day),
        ("week", week, False, caps.week),
    )
    for name, since, per_channel, limit in limits:
        count = sum(1 for c, at in sends if at >= since and (not per_channel or c == channel))
        if count >= limit:
            return f"cap:{name}"
    return None


def _quiet_until(local: datetime, policy: Policy) -> datetime | None:
    """When quiet hours end, if ``local`` falls in them (as UTC), else None."""
    start, end, t = policy.quiet_from, policy.quiet_until, local.time()
    wraps = start > end
    quiet = (t >= start or t < end) if wraps else (start <= t < end)
    if not quiet:
        return None
    day = local.date() + timedelta(days=1) if wraps and t >= start else local.date()
    return datetime.combine(day, end, tzinfo=local.tzinfo).astimezone(UTC)
