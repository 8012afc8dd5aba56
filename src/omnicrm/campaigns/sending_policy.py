"""The operator's sending policy: frequency caps and quiet hours, kept in the database (one
``campaign_policy`` row) so a marketer changes them without a restart; the worker reads them for
every batch it claims. Until someone saves them, the defaults are ``gate.Caps`` and
``OMNICRM_QUIET_FROM_HOUR`` / ``OMNICRM_QUIET_UNTIL_HOUR``. The global control share stays a
setting: changing it mid-measurement would move customers between groups."""

from dataclasses import asdict, dataclass
from datetime import datetime, time

from sqlalchemy import Connection, select

from omnicrm.campaigns.gate import Caps, Policy
from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.core.settings import get_settings
from omnicrm.store.schema.campaigns_outbox import CampaignPolicy

ROW_ID = 1
CAP_MAX = 1_000
"""More marketing than this a day is no cap at all: a typo, refused."""


@dataclass(frozen=True, slots=True)
class Limits:
    """What an operator edits: the caps (marketing messages per customer-local day and week,
    per channel and over all channels) and the quiet hours (customer-local; equal: none)."""

    channel_day: int
    channel_week: int
    day: int
    week: int
    quiet_from_hour: int
    quiet_until_hour: int


def defaults() -> Limits:
    caps, s = Caps(), get_settings()
    return Limits(
        channel_day=caps.channel_day,
        channel_week=caps.channel_week,
        day=caps.day,
        week=caps.week,
        quiet_from_hour=s.quiet_from_hour,
        quiet_until_hour=s.quiet_until_hour,
    )


def problems(limits: Limits) -> list[FieldError]:
    """Every bad value, named: counts 0..CAP_MAX, hours 0..23, and no cap wider than the one
    containing it (a channel's day within its week and within the day over all channels)."""
    errors = []
    for name in ("channel_day", "channel_week", "day", "week"):
        value = getattr(limits, name)
        if not 0 <= value <= CAP_MAX:
            errors.append(FieldError(name, f"a number of messages, 0..{CAP_MAX}"))
    for name in ("quiet_from_hour", "quiet_until_hour"):
        if not 0 <= getattr(limits, name) <= 23:
            errors.append(FieldError(name, "an hour, 0..23"))
    if errors:
        return errors
    nested = (
        ("channel_day", "channel_week"),
        ("channel_day", "day"),
        ("day", "week"),
        ("channel_week", "week"),
    )
    for inner, outer in nested:
        if getattr(limits, inner) > getattr(limits, outer):
            errors.append(FieldError(inner, f"may not exceed {outer}"))
    return errors


def load(conn: Connection) -> Limits:
    table = CampaignPolicy.__table__
    row = conn.execute(select(table).where(table.c.id == ROW_ID)).mappings().first()
    if row is None:
        return defaults()
    return Limits(**{name: row[name] for name in Limits.__dataclass_fields__})


def save(conn: Connection, limits: Limits, now: datetime, by: str) -> Limits:
    """Replace the policy; InvalidRecord names every bad field and nothing is changed."""
    errors = problems(limits)
    if errors:
        raise InvalidRecord(errors)
    table = CampaignPolicy.__table__
    values = {**asdict(limits), "updated_at": now, "updated_by": by[:100]}
    done = conn.execute(table.update().where(table.c.id == ROW_ID).values(**values))
    if done.rowcount == 0:
        conn.execute(table.insert().values(id=ROW_ID, **values))
    return limits


def policy(conn: Connection) -> Policy:
    """The gate's policy as it stands now: what the worker asks for on every batch."""
    limits = load(conn)
    return Policy(
        global_control_bp=get_settings().global_control_bp,
        caps=Caps(limits.channel_day, limits.channel_week, limits.day, limits.week),
        quiet_from=time(limits.quiet_from_hour),
        quiet_until=time(limits.quiet_until_hour),
    )
