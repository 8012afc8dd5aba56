"""``web`` — web shop orders, one JSON object per order (money in rubles as decimal strings)."""

from omnicrm.ingest.sources.online_order import online_order_validator
from omnicrm.ingest.sources.spec import STAGE_ORDERS, Source

SOURCE = Source(
    name="web",
    file_stem="web_orders",
    stage=STAGE_ORDERS,
    validate=online_order_validator("web", "web"),
)
