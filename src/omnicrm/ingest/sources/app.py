"""``app`` — mobile app orders: the web shop's shape with the device id set."""

from omnicrm.ingest.sources.online_order import online_order_validator
from omnicrm.ingest.sources.spec import STAGE_ORDERS, Source

SOURCE = Source(
    name="app",
    file_stem="app_orders",
    stage=STAGE_ORDERS,
    validate=online_order_validator("app", "app"),
)
