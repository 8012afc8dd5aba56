"""The operator's controls on the identity review page: the matching thresholds and the circuit
breaker's settings, bulk decisions by score, closing the breaker, and the threshold chart
(precision and recall estimated from the decisions made so far). Each change is audited."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from omnicrm.api.deps import EngineDep
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, InvalidRecord
from omnicrm.identity import breaker, review, thresholds
from omnicrm.store.db import unit_of_work
from omnicrm.web import audit, sessions
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.i18n import translate
from omnicrm.web.insights.charts import Chart, _layout
from omnicrm.web.pages.analytics import _figure_json
from omnicrm.web.pages.forms import text
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, needs

router = APIRouter(prefix="/identity", tags=[PAGE_TAG], include_in_schema=False)
IdentityViewer = Annotated[Viewer, Depends(needs(Permission.IDENTITY))]
BACK = "/identity/review"
FIELDS: dict[str, Callable[[str], Any]] = {
    "merge_at": float, "review_at": float, "breaker_factor": float,
    "breaker_floor": int, "breaker_window": int, "stream_batch": int,
}  # fmt: skip


def _threshold_chart(lang: str, curve: dict, settings: thresholds.Thresholds) -> Chart:
    x = [p["threshold"] for p in curve["points"]]
    line = {"type": "scatter", "mode": "lines+markers", "x": x}
    data = [
        {
            **line,
            "name": translate(lang, "precision"),
            "y": [p["precision"] for p in curve["points"]],
        },
        {**line, "name": translate(lang, "recall"), "y": [p["recall"] for p in curve["points"]]},
    ]
    marks = [
        {"type": "line", "x0": t, "x1": t, "yref": "paper", "y0": 0, "y1": 1,
         "line": {"dash": "dot", "color": "#6e7781"}}
        for t in (settings.review_at, settings.merge_at)
    ]  # fmt: skip
    layout = _layout(
        lang,
        xaxis={"title": {"text": translate(lang, "threshold (match probability)")}},
        yaxis={"range": [0, 1.05], "gridcolor": "#dde1e8"},
        shapes=marks,
    )
    title = translate(lang, "Precision and recall vs threshold (dotted: review and merge now)")
    return Chart("threshold-chart", title, {"data": data, "layout": layout})


def controls(session: Session, lang: str) -> dict:
    """What the review page shows above the queue."""
    settings = thresholds.load(session)
    curve = review.threshold_curve(session)
    chart = _threshold_chart(lang, curve, settings) if curve["points"] else None
    return {
        "settings": settings,
        "breaker_status": breaker.status(session, batches=5),
        "counts": review.counts(session),
        "curve": curve,
        "chart": (chart, _figure_json(chart.figure)) if chart else None,
    }


def _apply(
    request: Request, viewer: Viewer, engine: Any, action: Callable[[Session], Any], what: str
) -> Any:
    """Run a change with its audit record; a refusal is flashed and changes nothing."""
    try:
        with unit_of_work(engine) as session:
            result = action(session)
            audit.record(session, viewer.id, what, "identity:controls", utcnow())
        return result
    except InvalidRecord as exc:
        reason = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
    except Conflict as exc:
        reason = exc.message
    sessions.flash(request, "error", "Nothing changed: {reason}", reason=reason)
    return None


@router.post("/settings")
def save_settings(
    request: Request, viewer: IdentityViewer, form: CheckedForm, engine: EngineDep
) -> Response:
    changes, bad = {}, []
    for name, parse in FIELDS.items():
        value = text(form, name)
        if value:
            try:
                changes[name] = parse(value.replace(",", "."))
            except ValueError:
                bad.append(f"{name}: not a number")
    if bad:
        sessions.flash(request, "error", "Nothing changed: {reason}", reason="; ".join(bad))
    else:
        by = f"web:{viewer.username}"
        saved = _apply(
            request, viewer, engine,
            lambda s: thresholds.save(s, changes, utcnow(), by), "identity_settings",
        )  # fmt: skip
        if saved is not None:
            sessions.flash(request, "ok", "Settings saved: the next batch uses them")
    return RedirectResponse(BACK, status_code=303)


def _score(form: Any, name: str) -> float | None:
    value = text(form, name).replace(",", ".")
    if not value:
        return None
    score = float(value)
    if not 0 <= score <= 1:
        raise ValueError(name)
    return score


@router.post("/review/bulk")
def bulk_decide(
    request: Request, viewer: IdentityViewer, form: CheckedForm, engine: EngineDep
) -> Response:
    try:
        approve_from, reject_below = _score(form, "approve_from"), _score(form, "reject_below")
    except ValueError:
        sessions.flash(request, "error", "Nothing changed: {reason}", reason="a score is 0..1")
        return RedirectResponse(BACK, status_code=303)
    by = f"web:{viewer.username}"
    done = _apply(
        request, viewer, engine,
        lambda s: review.bulk(s, by=by, approve_from=approve_from, reject_below=reject_below),
        "review_bulk",
    )  # fmt: skip
    if done is not None:
        sessions.flash(
            request,
            "ok",
            "Approved {approved}, rejected {rejected}, closed as stale {stale}",
            **done,
        )
    return RedirectResponse(BACK, status_code=303)


@router.post("/breaker/reset")
def reset_breaker(
    request: Request, viewer: IdentityViewer, _: CheckedForm, engine: EngineDep
) -> Response:
    by = f"web:{viewer.username}"
    _apply(request, viewer, engine, lambda s: breaker.reset(s, by), "identity_breaker_reset")
    sessions.flash(request, "ok", "Automatic merging runs again")
    return RedirectResponse(BACK, status_code=303)
