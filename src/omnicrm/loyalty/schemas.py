"""Public shapes of the till and loyalty API (separate from the stored models). The request
models double as the use cases' commands: they are validated, immutable data."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from omnicrm.core.bounds import AwareInstant, LineNo, Money, Points, PositivePoints, Quantity
from omnicrm.customers.schemas import CartOut
from omnicrm.ingest.sources.postal import PART_LIMITS, RAW_LIMIT

IdKind = Literal["phone", "card", "email", "qr", "wallet", "nfc", "biometric", "account"]
TOKEN_KINDS = ("qr", "wallet", "nfc", "biometric")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Identification(_In):
    """How the till recognised the member: a phone typed in, a card or QR scanned, a wallet pass
    or NFC tag read, a biometric token issued by the device, or a known account id."""

    kind: IdKind
    value: str = Field(min_length=1, max_length=200)


class TillRequest(_In):
    terminal: str = Field(min_length=1, max_length=64, description="The till's id in the chain.")
    program: str | None = Field(None, description="Program code (default: the first program).")


class IdentifyRequest(TillRequest):
    identify: Identification


class LineIn(_In):
    line_no: LineNo
    sku: str = Field(min_length=1, max_length=64)
    category: str | None = Field(None, max_length=100)
    qty: Quantity
    price_minor: Money = Field(description="Unit price in minor units.")
    amount_minor: Money | None = Field(
        None, description="Line amount before loyalty (default: qty x price)."
    )

    @property
    def amount(self) -> int:
        return self.amount_minor if self.amount_minor is not None else self.qty * self.price_minor


class DeliveryIn(_In):
    """Goods sold in the store and sent to the customer ("ordered in a store, delivered home")."""

    type: Literal["courier", "pickup_point"]
    address: str | None = Field(None, min_length=1, max_length=400)
    pickup_point: str | None = Field(None, min_length=1, max_length=64)
    cost_minor: Money = Field(0, description="Delivery cost, paid on top of the goods.")

    @model_validator(mode="after")
    def _destination(self) -> "DeliveryIn":
        if self.type == "courier" and self.address is None:
            raise ValueError("a courier delivery needs an address")
        if self.type == "pickup_point" and self.pickup_point is None:
            raise ValueError("a pickup_point delivery needs a pickup_point")
        return self


class ReceiptRequest(TillRequest):
    receipt_id: str = Field(min_length=1, max_length=128)
    identify: Identification
    lines: list[LineIn] = Field(min_length=1, max_length=500)
    points_to_spend: Points = 0
    occurred_at: AwareInstant | None = Field(
        None, description="When the sale happened (an offline till sends its original time)."
    )
    partner: str | None = Field(None, description="Partner code when the till is a partner's.")
    coupons: list[str] | None = Field(None, max_length=20, description="Promo codes presented.")
    store: str | None = Field(
        None,
        max_length=32,
        description="Store code: promotion rules, and the order's key (as in its POS export).",
    )
    channel: Literal["store", "web", "app", "call_centre", "marketplace"] | None = None
    delivery: DeliveryIn | None = Field(
        None, description="How the goods reach the customer when not taken from the store."
    )

    @model_validator(mode="after")
    def _unique_lines(self) -> "ReceiptRequest":
        numbers = [line.line_no for line in self.lines]
        if len(numbers) != len(set(numbers)):
            raise ValueError("line_no must be unique within a receipt")
        return self


class CalculateRequest(ReceiptRequest):
    receipt_id: str = Field("quote", max_length=128)
    points_to_spend: Points | None = None


class OfflineRequest(_In):
    receipts: list[ReceiptRequest] = Field(min_length=1, max_length=1000)


class CancelRequest(TillRequest):
    receipt_id: str = Field(min_length=1, max_length=128, description="The receipt to cancel.")
    receipt_terminal: str | None = Field(None, description="Its till (default: this one).")
    occurred_at: AwareInstant | None = None


class ReturnLineIn(_In):
    line_no: LineNo
    qty: Quantity


class ReturnRequest(TillRequest):
    return_id: str = Field(min_length=1, max_length=128)
    receipt_id: str = Field(min_length=1, max_length=128, description="The original sale.")
    receipt_terminal: str | None = Field(None, description="Its till (default: this one).")
    lines: list[ReturnLineIn] | None = Field(None, description="None: the whole receipt.")
    occurred_at: AwareInstant | None = None


class MembershipRequest(TillRequest):
    operation_id: str = Field(min_length=1, max_length=128)
    identify: Identification
    plan: str


class Balance(BaseModel):
    active: int
    pending: int
    debt: int
    total: int


class NextLevel(BaseModel):
    level: str
    remaining_minor: int


class AccountOut(BaseModel):
    account_id: int
    customer_id: int
    program: str
    card_state: str
    balance: Balance
    level: str | None
    next_level: NextLevel | None
    stamps: dict[str, int]
    referral_code: str | None
    memberships: list[str]
    cart: CartOut | None = None
    """At the till: the member's open cart from every channel (``customers.carts``)."""


class ExpiringOut(BaseModel):
    """Points (pending or active) that expire within the next 30, 60 and 90 days."""

    within_30_days: int
    within_60_days: int
    within_90_days: int


class ActivityOut(BaseModel):
    purchases: int
    """Orders of the member in every channel, cancelled ones left out."""
    visits: int
    """Days on which the member was in a store (a receipt or an in-store event), per store."""
    visits_without_purchase: int


class BadgeOut(BaseModel):
    challenge: str
    badge: str
    period: str
    awarded_at: datetime


class ChallengeOut(BaseModel):
    """Progress in a challenge this period, counted as the till counts it."""

    code: str
    name: str
    period: str
    goal: int
    done: int
    badge: str
    earned: bool


class AccountViewOut(AccountOut):
    """The account as the member sees it: besides the balance, what expires soon, visits and
    purchases, badges and challenge progress."""

    expiring: ExpiringOut
    activity: ActivityOut
    badges: list[BadgeOut]
    challenges: list[ChallengeOut]


class ReasonOut(BaseModel):
    rule: str
    amount_minor: int


class LineOut(BaseModel):
    line_no: int
    amount_minor: int
    discount_minor: int
    discounts: list[ReasonOut]
    points_spent: int
    paid_minor: int
    points_earned: int
    earn_rule: str | None


class QuoteOut(BaseModel):
    account_id: int
    program_version: int
    level: str | None
    lines: list[LineOut]
    total_minor: int
    discount_minor: int
    max_points_to_spend: int
    points_spent: int
    to_pay_minor: int
    points_earned: int
    stamps_after: dict[str, int]
    free_items: dict[str, int]
    promotions: list[dict] = []
    """Promotions applied: version, discount per line, points, gifts."""
    messages: list[dict] = []
    """Texts to print on the receipt or show the cashier."""
    coupons: list[dict] = []
    """Each code presented: valid or why not."""
    cart: CartOut | None = Field(None, exclude_if=lambda cart: cart is None)
    """The member's open cart from every channel, for the cashier (``customers.carts``); omitted
    when there is none, so a confirm's answer (its order closes the cart) never carries one."""


class ConfirmOut(QuoteOut):
    operation_id: int
    receipt_id: str
    balance: Balance
    bonuses: list[ReasonOut]


class UndoLineOut(BaseModel):
    line_no: int
    qty: int
    points_revoked: int
    points_refunded: int
    refund_minor: int


class UndoOut(BaseModel):
    operation_id: int
    kind: str
    account_id: int
    receipt_id: str
    program_version: int
    lines: list[UndoLineOut]
    points_revoked: int
    points_refunded: int
    refund_minor: int
    debt_recorded: int
    balance: Balance


class MembershipOut(BaseModel):
    operation_id: int
    account_id: int
    plan: str
    fee_minor: int
    expires_at: datetime


class OfflineResult(BaseModel):
    receipt_id: str
    status: int
    body: dict


class SocialLogin(_In):
    """The provider's proof of who signed in: its OpenID Connect ``id_token``."""

    provider: str = Field(min_length=1, max_length=32, description="A configured provider")
    id_token: str = Field(min_length=1, max_length=16_384)


class AddressIn(_In):
    """The member's postal address, every part optional (``raw``: the whole line as typed); kept
    as identity evidence of who the member is, as a registry member's is."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
    region: str | None = Field(None, max_length=PART_LIMITS["region"])
    city: str | None = Field(None, max_length=PART_LIMITS["city"])
    street: str | None = Field(None, max_length=PART_LIMITS["street"], examples=["ул. Ленина"])
    house: str | None = Field(None, max_length=PART_LIMITS["house"], examples=["5к2"])
    flat: str | None = Field(None, max_length=PART_LIMITS["flat"], examples=["12"])
    postcode: str | None = Field(None, max_length=PART_LIMITS["postcode"], examples=["101000"])
    raw: str | None = Field(None, max_length=RAW_LIMIT, examples=["ул. Ленина, д. 5, кв. 12"])


class EnrolRequest(_In):
    channel: Literal["till", "web", "sms", "messenger", "social", "wifi", "call_centre"]
    program: str | None = None
    phone: str | None = None
    email: str | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    sms_code: str | None = Field(None, max_length=10)
    device_id: str | None = Field(None, max_length=200)
    referral_code: str | None = Field(None, max_length=16)
    consents: dict[Literal["email", "sms", "push", "messenger", "calls"], bool] = Field(
        description="Consent per channel, captured at enrolment."
    )
    social: SocialLogin | None = Field(
        None, description="Social login: needed for the social channel, verified with the provider"
    )
    address: AddressIn | None = Field(None, description="The member's postal address (optional)")

    @model_validator(mode="after")
    def _contact(self) -> "EnrolRequest":
        if self.channel == "social" and self.social is None:
            raise ValueError("a social enrolment needs the provider's token (social.id_token)")
        if not self.phone and not self.email and self.social is None:
            raise ValueError("a phone, an e-mail or a social login is needed")
        return self


class EnrolOut(BaseModel):
    account_id: int
    customer_id: int
    created: bool
    customer_existed: bool
    card_number: str
    referral_code: str | None


class SmsCodeRequest(_In):
    phone: str


class SmsCodeOut(BaseModel):
    phone: str
    expires_at: datetime


class TokenRequest(_In):
    kind: Literal["qr", "wallet", "nfc", "biometric"]
    value: str = Field(min_length=8, max_length=200)


class CardStateRequest(_In):
    card_state: Literal["active", "accrual_only", "blocked"]


class DonationRequest(_In):
    operation_id: str = Field(min_length=1, max_length=128)
    cause: str
    points: PositivePoints


class DonationOut(BaseModel):
    operation_id: int
    account_id: int
    cause: str
    points: int
    balance: Balance


class HistoryItem(BaseModel):
    at: datetime
    type: str
    points: int | None = None
    amount_minor: int | None = None
    reason: str
    operation_id: int | None = None
    receipt_id: str | None = None
    terminal: str | None = None


class HistoryOut(BaseModel):
    account: AccountViewOut
    items: list[HistoryItem]


class ProgramOut(BaseModel):
    code: str
    version: int
    changed: bool
    accounts_opened: int = Field(
        0, description="Registry members imported before any program, whose accounts it opened."
    )
