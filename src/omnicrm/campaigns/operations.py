"""What an operator does to a campaign besides creating and launching it: schedule it (a start
in a store's zone; the worker and the trigger job launch it when due, ``campaign.launch_due``),
pause and resume its sending by hand, and send a test of it to their own address.

A test renders the campaign's variants for a chosen real customer (``campaign.preview``) and
sends them at once through the channel's real provider to the address given, marked ``[TEST]``
and under a key of its own (``test:...``). It writes no outbox row: it is not a send to the
customer, so it counts in no result, no frequency cap and no queue."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from omnicrm.campaigns import campaign, messages
from omnicrm.campaigns.channels.base import ADDRESS_KIND, Envelope, Provider
from omnicrm.core.clock import zone
from omnicrm.core.errors import Conflict, FieldError, InvalidRecord
from omnicrm.identity.normalize import NORMALIZERS
from omnicrm.store.schema.campaigns import Campaign

TEST_MARK = "[TEST]"


def local_start(day: date, at: time, zone_name: str) -> datetime:
    """A wall-clock start in ``zone_name`` (a store's IANA zone) as aware UTC."""
    try:
        tz = zone(zone_name)
    except (KeyError, ValueError):
        raise InvalidRecord([FieldError("zone", f"unknown time zone {zone_name!r}")]) from None
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def schedule(session: Session, code: str, starts_at: datetime, now: datetime) -> Campaign:
    """Set (or move) the start of a campaign not yet launched; it launches itself then."""
    found = campaign.get(session, code)
    if found.launched_at is not None:
        raise Conflict(f"campaign {code!r} is launched: its start is fixed")
    errors = []
    if starts_at.tzinfo is None:
        errors.append(FieldError("starts_at", "must carry a time zone"))
    elif starts_at <= now:
        errors.append(FieldError("starts_at", "must be in the future"))
    elif found.expires_at is not None and starts_at >= found.expires_at:
        errors.append(FieldError("starts_at", "must be before the campaign expires"))
    if errors:
        raise InvalidRecord(errors)
    found.starts_at, found.status = starts_at, "scheduled"
    return found


def unschedule(session: Session, code: str) -> Campaign:
    """Take a scheduled campaign back to a draft (it launches only by hand, or when scheduled
    again)."""
    found = campaign.get(session, code)
    if found.status != "scheduled":
        raise Conflict(f"campaign {code!r} is not scheduled")
    found.starts_at, found.status = None, "draft"
    return found


def pause(session: Session, code: str, now: datetime, by: str) -> None:
    """Stop sending the campaign's messages (a batch a worker already claimed finishes) until
    it is resumed; a scheduled campaign still launches when due, its messages wait."""
    campaign.get(session, code)
    if not messages.pause(session.connection(), code, now, f"paused by {by}"):
        raise Conflict(f"campaign {code!r} is already paused")


def resume(session: Session, code: str) -> None:
    """Resume a paused campaign, paused by hand or after consecutive errors."""
    campaign.get(session, code)
    if not messages.resume(session.connection(), code):
        raise Conflict(f"campaign {code!r} is not paused")


@dataclass(frozen=True, slots=True)
class SentTest:
    variant: str
    to: str
    status: str  # sent | retry | bounced (the provider's answer)
    detail: str | None


def test_address(channel: str, to: str) -> str:
    """The address normalised as the channel's identifiers are; InvalidRecord names ``to``."""
    if channel not in ADDRESS_KIND:
        raise InvalidRecord([FieldError("channel", f"no test send on the {channel} channel")])
    try:
        return NORMALIZERS[ADDRESS_KIND[channel]](to)
    except ValueError as exc:
        raise InvalidRecord([FieldError("to", str(exc))]) from None


def send_test(
    session: Session,
    providers: Mapping[str, Provider],
    code: str,
    customer_id: int,
    to: str,
    now: datetime,
) -> list[SentTest]:
    """Each variant rendered for ``customer_id`` and sent to ``to``, marked as a test."""
    found = campaign.get(session, code)
    address = test_address(found.channel, to)
    provider = providers.get(found.channel)
    if provider is None:
        raise Conflict(f"no provider is configured for {found.channel}")
    rendered = campaign.preview(session, code, customer_id, now)
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    sent = []
    for name, parts in sorted(rendered.items()):
        email = found.channel == "email"
        envelope = Envelope(
            key=f"test:{code}:{name}:{customer_id}:{stamp}",
            channel=found.channel,
            kind="test",
            to=address,
            subject=f"{TEST_MARK} {parts['subject'] or ''}".strip() if email else parts["subject"],
            text=parts["text"] if email else f"{TEST_MARK} {parts['text']}",
            html=parts["html"],
        )
        outcome = provider.send(envelope)
        sent.append(SentTest(name, address, outcome.status, outcome.detail))
    return sent
