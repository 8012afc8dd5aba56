"""Customers: search by phone, card, e-mail or name, and the customer 360 page."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from omnicrm.api.deps import EngineDep, ReadSessionDep
from omnicrm.core.clock import utcnow
from omnicrm.customers import queries
from omnicrm.predict import models
from omnicrm.store.db import unit_of_work
from omnicrm.web import audit
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.pages.forms import FormErrors
from omnicrm.web.profile import JOURNEY_PER_PAGE, ORDERS_PER_PAGE, fetch_profile
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import Viewer, needs

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)
CustomersViewer = Annotated[Viewer, Depends(needs(Permission.CUSTOMERS))]

PER_PAGE = 25
MAX_QUERY = 200


def _offset(raw: str | None, errors: FormErrors, name: str) -> int:
    """A non-negative offset from the query string; anything else is a field problem."""
    if raw is None or raw == "":
        return 0
    if not raw.isdigit():
        errors.add(name, "Must be a whole number")
        return 0
    return int(raw)


@router.get("/customers")
def search(
    request: Request,
    viewer: CustomersViewer,
    session: ReadSessionDep,
    q: str | None = None,
    offset: str | None = None,
) -> Response:
    errors, query = FormErrors(), (q or "").strip()
    start = _offset(offset, errors, "offset")
    if len(query) > MAX_QUERY:
        errors.add("q", "Too long: at most 200 characters")
    found = None
    if not errors:
        found = queries.list_customers(session, q=query or None, limit=PER_PAGE, offset=start)
    return render(
        request,
        "customers.html",
        viewer,
        status=400 if errors else 200,
        q=query,
        found=found,
        errors=errors,
        per_page=PER_PAGE,
    )


@router.get("/customers/{customer_id}")
def customer_360(
    request: Request,
    viewer: CustomersViewer,
    session: ReadSessionDep,
    engine: EngineDep,
    customer_id: int,
    orders_offset: str | None = None,
    journey_offset: str | None = None,
) -> Response:
    """The profile; an id merged into another redirects to the survivor's page. Every opening is
    written to the access audit."""
    errors = FormErrors()
    orders_from = _offset(orders_offset, errors, "orders_offset")
    journey_from = _offset(journey_offset, errors, "journey_offset")
    now = utcnow()
    profile = fetch_profile(
        session,
        customer_id,
        reveal=viewer.can(Permission.CONTACTS),
        orders_offset=orders_from,
        journey_offset=journey_from,
        now=now,
    )
    if profile.detail.id != customer_id:
        return RedirectResponse(f"/customers/{profile.detail.id}", status_code=303)
    with unit_of_work(engine) as writing:
        audit.record(writing, viewer.id, "view_customer", f"customer:{customer_id}", now)
    return render(
        request,
        "customer.html",
        viewer,
        status=400 if errors else 200,
        profile=profile,
        errors=errors,
        orders_per_page=ORDERS_PER_PAGE,
        journey_per_page=JOURNEY_PER_PAGE,
        can_unmerge=viewer.can(Permission.IDENTITY),
        can_audit=viewer.can(Permission.AUDIT),
        can_privacy=viewer.can(Permission.PRIVACY),
        predictions=models.for_customer(session.connection(), customer_id),
    )
