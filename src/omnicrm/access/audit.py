"""The access audit of systems (S2): which API key read which customer's data, and when. The same
table as the staff's audit (``omnicrm.web.audit``), so one subject's history names both."""

from datetime import datetime

from sqlalchemy.orm import Session

from omnicrm.store.schema.staff import StaffAuditEntry


def record_key_read(
    session: Session, key_id: int, action: str, subject: str, now: datetime
) -> None:
    session.add(StaffAuditEntry(key_id=key_id, action=action, subject=subject, at=now))


def read_of(path_params: dict[str, str], route_path: str) -> tuple[str, str]:
    """(action, subject) of a read of customer data: ``customer:42`` and what of it was read
    (``read_customer``, ``read_customer_orders``); a search names no customer, and never the
    searched phone or e-mail."""
    customer = path_params.get("customer_id")
    if customer is None:
        return "search_customers", "customers"
    part = route_path.rstrip("/").rsplit("/", 1)[-1]
    action = "read_customer" if part == "{customer_id}" else f"read_customer_{part}"
    return action[:40], f"customer:{customer[:180]}"
