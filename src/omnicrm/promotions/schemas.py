"""Public shapes of the promotions API (separate from the stored models). A promotion's rules are
posted as JSON in the shape of ``model.PromotionRules`` and validated by the use case, so that
every error names its field the way the workstation shows it (``conditions[2].select.skus[0]``)."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omnicrm.core.bounds import AwareInstant, Id, PositiveCount


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VersionOut(BaseModel):
    version: int
    rules: dict[str, Any]
    published_at: datetime


class PromotionOut(BaseModel):
    code: str
    name: str
    status: str
    version: int | None
    draft: dict[str, Any]
    updated_at: datetime


class CouponBatchIn(_In):
    count: int = Field(0, ge=0, le=10_000_000, description="Unique codes to generate.")
    code: str | None = Field(None, min_length=3, max_length=40, description="A mass code.")
    max_uses: PositiveCount | None = Field(1, description="Uses per code (None: unlimited).")
    per_customer: PositiveCount | None = Field(None, description="Uses of the batch per customer.")
    expires_at: AwareInstant | None = None
    length: int = Field(12, ge=6, le=12)
    prefix: str = Field("", max_length=8, pattern=r"^[A-Za-z0-9]*$")

    @model_validator(mode="after")
    def _one_kind(self) -> "CouponBatchIn":
        if (self.code is None) == (self.count == 0):
            raise ValueError("give either count (unique codes) or code (a mass code)")
        return self


class CouponBatchOut(BaseModel):
    batch_id: int
    promotion: str
    kind: str
    size: int
    codes_sample: list[str]


class CouponCheckIn(_In):
    code: str = Field(min_length=1, max_length=60)
    customer_id: Id | None = None


class CouponCheckOut(BaseModel):
    code: str
    valid: bool
    reason: str
    promotion: str | None


class OffersIn(_In):
    customer_ids: list[Id] | None = Field(None, max_length=1_000_000)
    segment: str | None = None
    history: Literal["favourite", "lapsed"] | None = None
    category: str | None = None
    expires_at: AwareInstant | None = None
    control_share_pct: Decimal = Field(Decimal(10), ge=0, le=90, decimal_places=2)

    @model_validator(mode="after")
    def _one_audience(self) -> "OffersIn":
        given = [self.customer_ids is not None, self.segment is not None, self.history is not None]
        if sum(given) != 1:
            raise ValueError("give one of customer_ids, segment or history")
        if self.history is not None and not self.category:
            raise ValueError("history offers need a category")
        return self


class OffersOut(BaseModel):
    promotion: str
    offered: int
    control: int
    skipped: int


class AudienceIn(_In):
    customer_ids: list[Id] = Field(max_length=5_000_000)


class SimulateIn(_In):
    start: AwareInstant
    end: AwareInstant
    rules: dict[str, Any] | None = Field(None, description="Rules to try (default: the draft).")
    assume_presented: bool = True
