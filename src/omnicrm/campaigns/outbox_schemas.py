"""API shapes of the outbox and of a provider's delivery receipts."""

from pydantic import AwareDatetime, BaseModel, Field


class MessageIn(BaseModel):
    key: str = Field(min_length=1, max_length=200, description="campaign:customer:channel:step")
    customer_id: int
    channel: str = Field(description="email | sms | push | messenger | till")
    kind: str = Field(description="marketing | transactional")
    campaign: str | None = None
    subject: str | None = None
    text: str
    html: str | None = None
    not_before: AwareDatetime | None = None
    expires_at: AwareDatetime | None = None


class EnqueueIn(BaseModel):
    messages: list[MessageIn] = Field(max_length=10_000)


class EnqueueOut(BaseModel):
    inserted: int
    duplicates: int


class MessageOut(BaseModel):
    key: str
    customer_id: int
    channel: str
    kind: str
    campaign: str | None
    status: str
    reason: str | None
    attempts: int
    due_at: AwareDatetime | None
    sent_at: AwareDatetime | None
    provider: str | None
    provider_id: str | None


class PauseOut(BaseModel):
    campaign: str
    consecutive_errors: int
    paused_at: AwareDatetime
    paused_reason: str | None


class ReceiptIn(BaseModel):
    key: str = Field(description="The Idempotency-Key the message was sent with.")
    event: str = Field(description="delivered | opened | clicked | bounced | unsubscribed")
    occurred_at: AwareDatetime
    detail: str | None = None


class ReceiptsIn(BaseModel):
    receipts: list[ReceiptIn] = Field(max_length=10_000)


class ReceiptsOut(BaseModel):
    recorded: int
    duplicates: int
    unknown: list[str]
