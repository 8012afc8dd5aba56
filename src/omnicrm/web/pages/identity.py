"""Identity review: suggested merges with their evidence, approved or rejected by a person (the
operator's controls above the queue: ``identity_controls``); and undoing a merge from the
customer's profile, after a preview of what moves back."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from omnicrm.api.deps import EngineDep, ReadSessionDep
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, NotFound
from omnicrm.customers import queries
from omnicrm.identity import review
from omnicrm.identity.merge import preview_unmerge, unmerge
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Merge
from omnicrm.web import audit, sessions
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.evidence import evidence_lines
from omnicrm.web.pages.analytics import PLOTLY_PATH
from omnicrm.web.pages.forms import FormErrors, text
from omnicrm.web.pages.identity_controls import controls
from omnicrm.web.profile import shown_identifiers
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, lang_of, needs

router = APIRouter(prefix="/identity", tags=[PAGE_TAG], include_in_schema=False)
IdentityViewer = Annotated[Viewer, Depends(needs(Permission.IDENTITY))]

QUEUE_PAGE = 20
MAX_REASON = 200
DECISIONS = {
    "approve": (review.approve, "Suggestion approved: the profiles are merged"),
    "reject": (review.reject, "Suggestion rejected: it will not be proposed again"),
}


def _side(session: Session, customer_id: int, reveal: bool) -> dict:
    detail = queries.get_customer(session, customer_id)
    return {
        "detail": detail,
        "identifiers": shown_identifiers(detail, reveal=reveal),
        "orders": sum(c.orders for c in detail.orders_by_channel),
    }


@router.get("/review")
def review_queue(request: Request, viewer: IdentityViewer, session: ReadSessionDep) -> Response:
    reveal = viewer.can(Permission.CONTACTS)
    items = [
        {
            "item": item,
            "left": _side(session, item.left_id, reveal),
            "right": _side(session, item.right_id, reveal),
            "evidence": evidence_lines(item.evidence, reveal=reveal),
        }
        for item in review.pending(session, limit=QUEUE_PAGE)
    ]
    return render(
        request,
        "review.html",
        viewer,
        items=items,
        plotly_path=PLOTLY_PATH,
        **controls(session, lang_of(request)),
    )


@router.post("/review/{item_id}/{decision}")
def decide(
    request: Request,
    viewer: IdentityViewer,
    _: CheckedForm,
    engine: EngineDep,
    item_id: int,
    decision: str,
) -> Response:
    """Approve (merge the pair) or reject (never suggest it again)."""
    if decision not in DECISIONS:
        raise NotFound(f"no decision {decision!r}")
    act, done = DECISIONS[decision]
    try:
        with unit_of_work(engine) as session:
            item = act(session, item_id, by=f"web:{viewer.username}")
            subject = f"customers:{item.left_id},{item.right_id}"
            audit.record(session, viewer.id, f"review_{decision}", subject, utcnow())
        sessions.flash(request, "ok", done)
    except (Conflict, NotFound) as exc:
        sessions.flash(request, "error", "Nothing changed: {reason}", reason=exc.message)
    return RedirectResponse("/identity/review", status_code=303)


def _preview(engine: Engine, merge_id: int) -> tuple[Merge, dict]:
    """The merge and what undoing it would move back (nothing for a merge already undone)."""
    with unit_of_work(engine) as session:
        merge = session.get(Merge, merge_id)
        if merge is None:
            raise NotFound(f"no merge {merge_id}")
        change = preview_unmerge(session, merge_id).as_dict() if merge.undone_at is None else {}
        session.refresh(merge)  # the preview's rollback expired it
        return merge, change


@router.get("/merges/{merge_id}/unmerge")
def unmerge_form(
    request: Request, viewer: IdentityViewer, engine: EngineDep, merge_id: int
) -> Response:
    merge, change = _preview(engine, merge_id)
    return render(
        request, "unmerge.html", viewer, merge=merge, change=change, errors=FormErrors(), reason=""
    )


@router.post("/merges/{merge_id}/unmerge")
def unmerge_profiles(
    request: Request, viewer: IdentityViewer, form: CheckedForm, engine: EngineDep, merge_id: int
) -> Response:
    reason, errors = text(form, "reason"), FormErrors()
    if not reason:
        errors.add("reason", "Say why the profiles are different people")
    elif len(reason) > MAX_REASON:
        errors.add("reason", "Too long: at most 200 characters")
    if not errors:
        try:
            with unit_of_work(engine) as session:
                change = unmerge(session, merge_id, reason=reason)
                subject = f"customers:{change.from_id},{change.to_id}"
                audit.record(session, viewer.id, "unmerge", subject, utcnow())
            sessions.flash(request, "ok", "Profiles separated", merge=merge_id)
            return RedirectResponse(f"/customers/{change.from_id}", status_code=303)  # the survivor
        except Conflict as exc:
            errors.add("reason", exc.message)
    merge, change = _preview(engine, merge_id)
    return render(
        request,
        "unmerge.html",
        viewer,
        status=400,
        merge=merge,
        change=change,
        errors=errors,
        reason=reason,
    )
