"""Control customers never get a campaign's offer, at the till either: a code a launched
campaign hands out is refused to a customer its control groups hold, while the campaign's
measurement window is open, or the measured effect would leak into the control."""

from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from omnicrm.campaigns.control import GLOBAL_SALT, in_control
from omnicrm.store.schema.campaigns import Campaign


def held_out(conn: Connection, code: str, customer_id: int, now: datetime) -> str | None:
    """Why the customer may not use offer ``code`` (the campaign holding them out), or None."""
    rows = conn.execute(
        select(
            Campaign.code, Campaign.control_bp, Campaign.global_control_bp,
            Campaign.launched_at, Campaign.window_days,
        ).where(Campaign.offer_code == code, Campaign.status == "launched")
    )  # fmt: skip
    for campaign, share, global_share, launched, days in rows:
        if launched is None or now >= launched + timedelta(days=days):
            continue
        if in_control(customer_id, campaign, share):
            return f"the customer is in campaign {campaign}'s control group"
        if global_share and in_control(customer_id, GLOBAL_SALT, global_share):
            return f"the customer is in the global control group of campaign {campaign}"
    return None
