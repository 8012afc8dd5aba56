"""Level (tier) rules: which tier a qualifying spend earns, the figure "to the next level", and
whether a change is due under the downgrade policy. Pure functions."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from omnicrm.loyalty.programs import Levels, Period, Tier


def period_start(period: Period, now: datetime) -> datetime | None:
    """Where the qualification window starts (None: all time)."""
    now = now.astimezone(UTC)
    if period.kind == "rolling_days":
        return now - timedelta(days=period.days)
    if period.kind == "calendar_month":
        return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period.kind == "calendar_year":
        return now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return None


def qualify(levels: Levels, spend: int) -> Tier:
    """The highest tier whose threshold ``spend`` reaches."""
    reached = [t for t in levels.tiers if t.threshold_minor <= max(spend, 0)]
    return reached[-1]


def next_tier(levels: Levels, spend: int) -> tuple[Tier, int] | None:
    """The next tier up and how much more spend it needs; None at the top."""
    for tier in levels.tiers:
        if tier.threshold_minor > spend:
            return tier, tier.threshold_minor - spend
    return None


def rank(levels: Levels, code: str | None) -> int:
    for i, tier in enumerate(levels.tiers):
        if tier.code == code:
            return i
    return -1


@dataclass(frozen=True, slots=True)
class LevelChange:
    to_level: str
    reason: str


def decide(
    levels: Levels,
    current: str | None,
    since: datetime | None,
    spend: int,
    now: datetime,
    earning_spend: int | None = None,
) -> LevelChange | None:
    """The change due now, or None. Upgrades are immediate; a downgrade waits out the hold,
    unless the level was never really earned: ``earning_spend`` (the net spend of the window that
    reached the level, returns of its purchases taken off; given after such a return) no longer
    reaches the level's threshold, and the level is revoked at once."""
    target = qualify(levels, spend)
    if target.code == current:
        return None
    metric = f"{levels.metric} {spend / 100:.2f} over {_describe(levels.period)}"
    if rank(levels, target.code) > rank(levels, current):
        return LevelChange(
            target.code, f"upgrade: {metric} reaches {target.threshold_minor / 100:.2f}"
        )
    held = rank(levels, current)
    if held >= 0 and earning_spend is not None:
        threshold = levels.tiers[held].threshold_minor
        if earning_spend < threshold:
            return LevelChange(
                target.code,
                f"revoked: returns leave {earning_spend / 100:.2f} of the spend that reached "
                f"{current} ({threshold / 100:.2f}); {metric}",
            )
    policy = levels.downgrade
    if (
        held >= 0
        and policy.policy == "hold"
        and since is not None
        and now < since + timedelta(days=policy.hold_days)
    ):
        return None
    return LevelChange(target.code, f"downgrade: {metric} is below the level's threshold")


def _describe(period: Period) -> str:
    return f"{period.days} days" if period.kind == "rolling_days" else period.kind.replace("_", " ")
