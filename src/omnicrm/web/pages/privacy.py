"""Personal-data rights from the customer's profile (administrators): download the export, and
erase the person after a confirmation page that asks for the reason."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from omnicrm.api.deps import EngineDep, ReadSessionDep
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import InvalidRecord
from omnicrm.privacy.erasure import MAX_REASON, erase_customer
from omnicrm.privacy.export import export_bytes
from omnicrm.privacy.holdings import holdings
from omnicrm.store.db import unit_of_work
from omnicrm.web import audit, sessions
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.pages.forms import FormErrors, text
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, needs

router = APIRouter(
    prefix="/customers/{customer_id}/privacy", tags=[PAGE_TAG], include_in_schema=False
)
PrivacyViewer = Annotated[Viewer, Depends(needs(Permission.PRIVACY))]


@router.get("/download")
def export(
    viewer: PrivacyViewer, session: ReadSessionDep, engine: EngineDep, customer_id: int
) -> Response:
    now = utcnow()
    held = holdings(session, customer_id)
    with unit_of_work(engine) as writing:
        audit.record(writing, viewer.id, "export_customer", f"customer:{held.customer_id}", now)
    return Response(
        export_bytes(held, "json", now),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{held.customer_id}.json"'},
    )


@router.get("/erase")
def erase_form(request: Request, viewer: PrivacyViewer, customer_id: int) -> Response:
    return render(
        request, "erase.html", viewer, customer_id=customer_id, errors=FormErrors(), reason=""
    )


@router.post("/erase")
def erase(
    request: Request, viewer: PrivacyViewer, form: CheckedForm, engine: EngineDep, customer_id: int
) -> Response:
    reason, errors = text(form, "reason"), FormErrors()
    if not reason:
        errors.add("reason", "Say why the person is erased")
    elif len(reason) > MAX_REASON:
        errors.add("reason", "Too long: at most 500 characters")
    if text(form, "confirm") != "erase":
        errors.add("confirm", "Type the word shown to confirm")
    if not errors:
        try:
            with unit_of_work(engine) as session:
                erasure = erase_customer(
                    session,
                    customer_id,
                    reason=reason,
                    actor=f"user:{viewer.username}",
                    now=utcnow(),
                )
                subject = f"customer:{erasure.customer_id}"
                audit.record(session, viewer.id, "erase_customer", subject, erasure.erased_at)
            sessions.flash(request, "ok", "Person erased")
            return RedirectResponse(f"/customers/{erasure.customer_id}", status_code=303)
        except InvalidRecord as exc:
            errors.add("reason", exc.message)
    return render(
        request,
        "erase.html",
        viewer,
        status=400,
        customer_id=customer_id,
        errors=errors,
        reason=reason,
    )
