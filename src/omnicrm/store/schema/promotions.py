"""The promotions store: promotions with their draft and immutable published versions, budgets
used (per promotion and per customer), coupon batches, codes and redemptions, what was applied to
each receipt (with the version that priced it), personal offers and audiences.

Receipts are loyalty operations; they are referred to by id without a foreign key, since the
loyalty tables live on another migration branch."""

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class Promotion(Base):
    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # draft | active | paused
    draft: Mapped[dict] = mapped_column(JSON)
    version: Mapped[int | None] = mapped_column(Integer)
    """The published version in force (None: never published)."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PromotionVersion(Base):
    """One published version of a promotion's rules; never changed once written."""

    __tablename__ = "promotion_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"))
    version: Mapped[int] = mapped_column(Integer)
    rules: Mapped[dict] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("promotion_id", "version"),)


class PromotionBudget(Base):
    """What a promotion has given away: ``customer_id`` 0 is the whole promotion's row, any other
    one customer's. Limits are in the rules; rows are raised with a conditional UPDATE."""

    __tablename__ = "promotion_budgets"

    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    money_used: Mapped[int] = mapped_column(BigInteger, default=0)
    points_used: Mapped[int] = mapped_column(BigInteger, default=0)
    redemptions_used: Mapped[int] = mapped_column(BigInteger, default=0)


class CouponBatch(Base):
    __tablename__ = "coupon_batches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # mass | unique
    size: Mapped[int] = mapped_column(Integer)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    """Uses per code (None: unlimited, e.g. a mass code)."""
    per_customer: Mapped[int | None] = mapped_column(Integer)
    """Uses of this batch's codes by one customer."""
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Coupon(Base):
    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("coupon_batches.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    uses: Mapped[int] = mapped_column(Integer, default=0)


class CouponRedemption(Base):
    __tablename__ = "coupon_redemptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("coupon_batches.id"))
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    operation_id: Mapped[int] = mapped_column(BigInteger, index=True)
    redeemed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    restored_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "batch_id", "customer_id"), Index(None, "coupon_id"))


class PromotionApplication(Base):
    """A promotion applied to a receipt: the version that priced it, what it gave, line by line,
    and how much of that a return has given back to the budget since."""

    __tablename__ = "promotion_applications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    operation_id: Mapped[int] = mapped_column(BigInteger, index=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int | None] = mapped_column(BigInteger)
    coupon_id: Mapped[int | None] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[list] = mapped_column(JSON)
    """[{line_no, qty, discount_minor, points}]"""
    restored_discount: Mapped[int] = mapped_column(BigInteger, default=0)
    restored_points: Mapped[int] = mapped_column(BigInteger, default=0)
    redemption_restored: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class PromotionOffer(Base):
    """A personal offer of a promotion to one customer; ``control``: held out, not shown."""

    __tablename__ = "promotion_offers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    promotion_id: Mapped[int] = mapped_column(ForeignKey("promotions.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    source: Mapped[str] = mapped_column(String(20))  # manual | segment | favourite | lapsed
    reason: Mapped[str] = mapped_column(String(300))
    control: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("promotion_id", "customer_id"),)


class PromotionAudience(Base):
    """Members of a named segment that conditions and offers may address."""

    __tablename__ = "promotion_audiences"

    segment: Mapped[str] = mapped_column(String(60), primary_key=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)

    __table_args__ = (Index(None, "customer_id"),)
