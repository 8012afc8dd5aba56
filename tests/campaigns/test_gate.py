"""The policy gate on plain data: consent, control, caps, quiet hours in the customer's zone,
expiry, in that order; transactional messages skip control, caps and quiet hours."""

from datetime import UTC, datetime, timedelta

import pytest

from omnicrm.campaigns.control import in_control
from omnicrm.campaigns.gate import Caps, Decision, Policy, Recipient, decide

NOON_MSK = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # Monday 12:00 Moscow
POLICY = Policy(global_control_bp=0, caps=Caps(channel_day=1, channel_week=2, day=2, week=3))


def who(consent: bool | None = True, sends=(), tz: str = "Europe/Moscow", cid: int = 1):  # type: ignore[no-untyped-def]
    consents = {} if consent is None else {"email": consent, "sms": consent}
    addresses = {"email": "a@b.c", "sms": "+79000000001"}
    return Recipient(cid, tz, consents, addresses, list(sends))


@pytest.mark.parametrize(
    ("consent", "kind", "reason"),
    [
        (False, "marketing", "consent:refused"),
        (None, "marketing", "consent:not_given"),
        (False, "transactional", "consent:refused"),
    ],
)
def test_consent_comes_first(consent: bool | None, kind: str, reason: str) -> None:
    assert decide("email", kind, None, who(consent), POLICY, NOON_MSK) == Decision("drop", reason)


def test_transactional_needs_no_explicit_yes_only_no_refusal() -> None:
    assert decide("email", "transactional", None, who(None), POLICY, NOON_MSK).action == "send"


def test_no_address_for_the_channel_drops() -> None:
    recipient = Recipient(1, "Europe/Moscow", {"push": True}, {}, [])
    assert decide("push", "marketing", None, recipient, POLICY, NOON_MSK).reason == "no_address"


def test_global_control_drops_marketing_only() -> None:
    controlled = next(c for c in range(1, 1000) if in_control(c, "global", 500))
    policy = Policy(global_control_bp=500)
    r = who(cid=controlled)
    assert decide("email", "marketing", None, r, policy, NOON_MSK).reason == "control:global"
    assert decide("email", "transactional", None, r, policy, NOON_MSK).action == "send"


def test_caps_per_channel_and_overall_per_local_day_and_week() -> None:
    today = NOON_MSK - timedelta(hours=1)
    assert decide("email", "marketing", None, who(sends=[("email", today)]), POLICY, NOON_MSK) == (
        Decision("drop", "cap:channel_day")
    )
    two_today = [("sms", today), ("push", today)]
    assert decide("email", "marketing", None, who(sends=two_today), POLICY, NOON_MSK).reason == (
        "cap:day"
    )
    # Sunday 23:30 Moscow is last week there; in Vladivostok it is Monday 06:30, today
    sunday = datetime(2025, 6, 1, 20, 30, tzinfo=UTC)
    week = [("email", sunday), ("email", sunday)]
    assert decide("email", "marketing", None, who(sends=week), POLICY, NOON_MSK).action == "send"
    east = who(sends=week, tz="Asia/Vladivostok")
    noon_east = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # 12:00 Monday in Vladivostok
    assert decide("email", "marketing", None, east, POLICY, noon_east).reason == "cap:channel_day"
    tuesday = NOON_MSK + timedelta(days=1)
    assert decide("email", "marketing", None, who(sends=week[:1] * 2), POLICY, tuesday).action == (
        "send"
    )
    this_week = [("email", NOON_MSK), ("email", NOON_MSK)]
    assert decide("email", "marketing", None, who(sends=this_week), POLICY, tuesday).reason == (
        "cap:channel_week"
    )
    assert decide("email", "transactional", None, who(sends=week * 3), POLICY, NOON_MSK).action == (
        "send"
    )


def test_quiet_hours_hold_until_the_window_opens_in_the_customers_zone() -> None:
    late = datetime(2025, 6, 2, 19, 30, tzinfo=UTC)  # 22:30 Moscow
    held = decide("email", "marketing", None, who(), POLICY, late)
    assert held == Decision("hold", "quiet_hours", datetime(2025, 6, 3, 6, 0, tzinfo=UTC))
    early = datetime(2025, 6, 2, 4, 0, tzinfo=UTC)  # 07:00 Moscow, 14:00 Vladivostok
    assert decide("email", "marketing", None, who(), POLICY, early).until == datetime(
        2025, 6, 2, 6, 0, tzinfo=UTC
    )
    assert decide("email", "marketing", None, who(tz="Asia/Vladivostok"), POLICY, early).action == (
        "send"
    )
    assert decide("sms", "transactional", None, who(), POLICY, late).action == "send"


def test_expiry_is_judged_at_the_time_it_would_go() -> None:
    late = datetime(2025, 6, 2, 19, 30, tzinfo=UTC)
    before_morning = datetime(2025, 6, 3, 5, 0, tzinfo=UTC)
    assert decide("email", "marketing", before_morning, who(), POLICY, late) == Decision(
        "drop", "expired"
    )
    assert decide("email", "marketing", NOON_MSK, who(), POLICY, NOON_MSK).reason == "expired"
    assert decide(
        "email", "marketing", NOON_MSK + timedelta(1), who(), POLICY, NOON_MSK
    ).action == ("send")
