"""The loyalty store: programs (versioned configuration), accounts, the points ledger (operations,
lots, entries), receipt lines kept for returns, level changes, memberships, badges, tokens and SMS
codes.

The ledger only appends (``loyalty_entries``). ``loyalty_lots.remaining`` and the account's
``balance`` / ``debt`` are caches updated in the same transaction as the entries and re-derivable
from them: a lot's remaining = the sum of its entries; the debt = minus the sum of lot-less
entries; the balance = the sum of all entries.
"""

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


class LoyaltyProgram(Base):
    """One version of a program's configuration; the highest version of a code is in force."""

    __tablename__ = "loyalty_programs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("code", "version"),)


class LoyaltyAccount(Base):
    """One customer's membership of one program, with cached balance, debt, level and stamps."""

    __tablename__ = "loyalty_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    program_code: Mapped[str] = mapped_column(String(40))
    card_state: Mapped[str] = mapped_column(String(16))  # active | accrual_only | blocked
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    debt: Mapped[int] = mapped_column(BigInteger, default=0)
    level: Mapped[str | None] = mapped_column(String(40))
    level_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    stamps: Mapped[dict] = mapped_column(JSON, default=dict)
    referral_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_accounts.id"))
    referral_rewarded: Mapped[bool] = mapped_column(Boolean, default=False)
    enrolled_channel: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("customer_id", "program_code"),)


class LoyaltyOperation(Base):
    """Something a till, a job or a member did, with its idempotency key and first answer."""

    __tablename__ = "loyalty_operations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_accounts.id"))
    kind: Mapped[str] = mapped_column(String(20))
    terminal: Mapped[str] = mapped_column(String(64))
    op_key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # done | cancelled | returned
    program_version: Mapped[int | None] = mapped_column(Integer)
    original_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_operations.id"))
    partner: Mapped[str | None] = mapped_column(String(40))
    net_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    """Qualifying spend this operation adds (negative for returns and cancels)."""
    points_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    points_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    response: Mapped[dict] = mapped_column(JSON)

    __table_args__ = (
        UniqueConstraint("terminal", "kind", "op_key"),
        Index(None, "account_id", "occurred_at"),
        Index(None, "partner", "occurred_at"),
    )


class LoyaltyReceiptLine(Base):
    """A line of a confirmed receipt as it was priced, and how much of it came back since."""

    __tablename__ = "loyalty_receipt_lines"

    operation_id: Mapped[int] = mapped_column(ForeignKey("loyalty_operations.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(100))
    qty: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger)
    points_spent: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger)
    points_earned: Mapped[int] = mapped_column(BigInteger)
    stamps: Mapped[int] = mapped_column(Integer, default=0)
    returned_qty: Mapped[int] = mapped_column(Integer, default=0)
    revoked_earned: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_spent: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_paid: Mapped[int] = mapped_column(BigInteger, default=0)


class LoyaltyLot(Base):
    """Points earned together: pending until ``available_at``, active until ``expires_at``."""

    __tablename__ = "loyalty_lots"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_accounts.id"))
    operation_id: Mapped[int] = mapped_column(ForeignKey("loyalty_operations.id"))
    rule: Mapped[str] = mapped_column(String(80))
    points: Mapped[int] = mapped_column(BigInteger)
    remaining: Mapped[int] = mapped_column(BigInteger)
    earned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    available_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(None, "account_id", "expires_at"),
        Index(None, "expires_at", "id"),
        Index(None, "operation_id"),
    )


class LoyaltyEntry(Base):
    """One append-only movement of points, naming its operation, its lot and the rule behind it."""

    __tablename__ = "loyalty_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_accounts.id"))
    operation_id: Mapped[int] = mapped_column(ForeignKey("loyalty_operations.id"))
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_lots.id"))
    kind: Mapped[str] = mapped_column(String(20))
    points: Mapped[int] = mapped_column(BigInteger)
    rule: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index(None, "account_id", "id"),
        Index(None, "lot_id"),
        Index(None, "operation_id"),
    )


class LoyaltyLevelChange(Base):
    __tablename__ = "loyalty_level_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_accounts.id"), index=True)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_operations.id"))
    from_level: Mapped[str | None] = mapped_column(String(40))
    to_level: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(300))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class LoyaltyMembership(Base):
    """A club or paid membership of an account; a paid one lapses at ``expires_at``."""

    __tablename__ = "loyalty_memberships"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_accounts.id"))
    kind: Mapped[str] = mapped_column(String(10))  # club | paid | cobrand
    plan: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_operations.id"))

    __table_args__ = (UniqueConstraint("account_id", "kind", "plan"),)


class LoyaltyBadge(Base):
    __tablename__ = "loyalty_badges"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_accounts.id"))
    challenge: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(20))
    badge: Mapped[str] = mapped_column(String(80))
    operation_id: Mapped[int] = mapped_column(ForeignKey("loyalty_operations.id"))
    awarded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("account_id", "challenge", "period"),)


class LoyaltyToken(Base):
    """A means of identification the loyalty system issued: QR, wallet pass, NFC tag, biometric."""

    __tablename__ = "loyalty_tokens"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int] = mapped_column(ForeignKey("loyalty_accounts.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("kind", "value"),)


class LoyaltySmsCode(Base):
    """A phone verification code; only its hash is kept."""

    __tablename__ = "loyalty_sms_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str] = mapped_column(String(20))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index(None, "phone", "created_at"),)


class LoyaltyRegistryEntry(Base):
    """What the old loyalty system said of one registry member (card, state, opening balance
    and level), kept as imported; ``account_id`` is set once the migration opened the account.

    A row without an account waits for a program to be loaded; the migration is re-runnable
    because it only takes rows whose ``account_id`` is empty."""

    __tablename__ = "loyalty_registry"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    card: Mapped[str] = mapped_column(String(32))
    card_state: Mapped[str] = mapped_column(String(16))
    points_balance: Mapped[int] = mapped_column(BigInteger)
    period_spend_minor: Mapped[int] = mapped_column(BigInteger)
    level: Mapped[str | None] = mapped_column(String(40))
    level_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    points_expire_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    enrolled_channel: Mapped[str] = mapped_column(String(20))
    enrolled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("loyalty_accounts.id"))

    __table_args__ = (Index(None, "account_id"),)
