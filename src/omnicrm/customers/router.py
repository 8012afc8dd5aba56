"""HTTP routes for customer profiles."""

from typing import Annotated

from fastapi import APIRouter, Query

from omnicrm.api.deps import ReadSessionDep
from omnicrm.customers import queries
from omnicrm.customers.schemas import CustomerDetail, CustomerPage

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("", response_model=CustomerPage)
def list_customers(
    session: ReadSessionDep,
    q: Annotated[str | None, Query(description="name prefix")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CustomerPage:
    return queries.list_customers(session, q=q, limit=limit, offset=offset)


@router.get("/{customer_id}", response_model=CustomerDetail)
def get_customer(session: ReadSessionDep, customer_id: int) -> CustomerDetail:
    return queries.get_customer(session, customer_id)
