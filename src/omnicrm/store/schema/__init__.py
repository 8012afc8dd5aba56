"""Every table of the operational store; importing this module registers them all on ``Base``."""

from omnicrm.store.schema import loyalty  # noqa: F401 (registers the loyalty tables)
from omnicrm.store.schema.base import Base, BigId, UtcDateTime
from omnicrm.store.schema.campaigns import Audience  # noqa: F401 (registers its tables)
from omnicrm.store.schema.campaigns_outbox import CampaignMessage  # noqa: F401 (the outbox)
from omnicrm.store.schema.campaigns_triggers import CampaignTrigger  # noqa: F401 (triggers)
from omnicrm.store.schema.customers import Consent, Customer, Identifier
from omnicrm.store.schema.events import Event, RecordAddress, RecordIdentifier
from omnicrm.store.schema.identity import (
    IdentityControls,
    LinkRule,
    Merge,
    QuarantinedIdentifier,
    ResolutionBatch,
    ReviewItem,
)
from omnicrm.store.schema.operations import ApiKey, ImportBatch, RejectedRow
from omnicrm.store.schema.orders import (
    Fulfilment,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    Return,
    ReturnLine,
)
from omnicrm.store.schema.predictions import PredictionModel  # noqa: F401 (registers its tables)
from omnicrm.store.schema.privacy import Erasure, Suppression
from omnicrm.store.schema.promotions import Promotion  # noqa: F401 (registers its tables)
from omnicrm.store.schema.reference import Brand, Category, Product, Store
from omnicrm.store.schema.staff import StaffUser  # noqa: F401 (registers the staff tables)
from omnicrm.store.schema.stock import StockLevel
from omnicrm.store.schema.surveys import Survey  # noqa: F401 (registers the survey tables)

__all__ = [
    "ApiKey",
    "Base",
    "BigId",
    "Brand",
    "Category",
    "Consent",
    "Customer",
    "Erasure",
    "Event",
    "Fulfilment",
    "Identifier",
    "IdentityControls",
    "ImportBatch",
    "LinkRule",
    "Merge",
    "Order",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "Product",
    "QuarantinedIdentifier",
    "RecordAddress",
    "RecordIdentifier",
    "RejectedRow",
    "ResolutionBatch",
    "Return",
    "ReturnLine",
    "ReviewItem",
    "StockLevel",
    "Store",
    "Suppression",
    "UtcDateTime",
]
