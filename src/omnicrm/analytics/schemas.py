"""API shapes of analytics answers."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class ReportOut(BaseModel):
    name: str
    title: str
    since: datetime
    until: datetime
    snapshot_refreshed_at: datetime | None
    columns: list[str]
    rows: list[dict[str, Any]]
    notes: list[str]
    found: int | None = None
    """Rows found before the report's row limit (``limit``), when it has one."""


class RefreshOut(BaseModel):
    refresh_id: int
    full: bool
    seconds: float
    rows: dict[str, int]
