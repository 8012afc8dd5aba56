"""Public shapes of customer data in the API (separate from the stored models)."""

from datetime import date, datetime

from pydantic import BaseModel


class IdentifierOut(BaseModel):
    kind: str
    value: str


class CustomerSummary(BaseModel):
    id: int
    first_name: str | None
    last_name: str | None
    city: str | None
    enrolled_at: datetime | None


class CustomerPage(BaseModel):
    items: list[CustomerSummary]
    total: int
    limit: int
    offset: int


class ConsentOut(BaseModel):
    channel: str
    granted: bool
    recorded_at: datetime


class CustomerDetail(CustomerSummary):
    middle_name: str | None
    birth_date: date | None
    gender: str | None
    identifiers: list[IdentifierOut]
    consents: list[ConsentOut]
