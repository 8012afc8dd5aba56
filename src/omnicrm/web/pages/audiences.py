"""Audiences: the list with each one's latest snapshot, and the builder: the rule as JSON, a live
count computed over the analytics snapshot, save, and take a dated snapshot. Validation errors
name the rule's own paths (``rules.rules[1].rule.channel``) and are shown beside the rule."""

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError

from omnicrm.analytics.router import SnapshotDep
from omnicrm.api.deps import EngineDep, NowDep, ReadSessionDep
from omnicrm.campaigns import audiences, queries
from omnicrm.campaigns.audience_rules import TAGS
from omnicrm.campaigns.router import Code
from omnicrm.core.errors import InvalidRecord
from omnicrm.promotions.repository import load_catalogue
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.campaigns import Audience, AudienceSnapshot
from omnicrm.web import audit
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.pages.forms import FormErrors, text
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, flash, needs

router = APIRouter(prefix="/audiences", tags=[PAGE_TAG], include_in_schema=False)
CampaignsViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS))]
EditorViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS_EDIT))]
CODE: TypeAdapter = TypeAdapter(Code)
EXAMPLE = {
    "type": "all",
    "rules": [
        {"type": "purchased", "within_days": 90},
        {"type": "not", "rule": {"type": "purchased", "within_days": 30}},
    ],
}


@router.get("")
def audience_list(request: Request, viewer: CampaignsViewer, session: ReadSessionDep) -> Response:
    latest = queries.latest_snapshots(session)
    rows = [(a, latest.get(a.id)) for a in audiences.list_all(session)]
    return render(
        request,
        "audiences.html",
        viewer,
        rows=rows,
        can_edit=viewer.can(Permission.CAMPAIGNS_EDIT),
    )


def _builder(
    request: Request,
    viewer: Viewer,
    entered: dict[str, str],
    errors: FormErrors,
    *,
    audience: Audience | None = None,
    latest: AudienceSnapshot | None = None,
    problems: list[tuple[str, str]] | None = None,
    count: int | None = None,
) -> Response:
    return render(
        request,
        "audience.html",
        viewer,
        status=400 if errors else 200,
        audience=audience,
        latest=latest,
        entered=entered,
        errors=errors,
        rule_problems=problems or [],
        count=count,
        rule_types=sorted(TAGS),
        can_edit=viewer.can(Permission.CAMPAIGNS_EDIT),
    )


@router.get("/new")
def new_audience(request: Request, viewer: EditorViewer) -> Response:
    entered = {"code": "", "name": "", "rules": json.dumps(EXAMPLE, indent=2)}
    return _builder(request, viewer, entered, FormErrors())


@router.get("/{code}")
def audience_page(
    request: Request, viewer: CampaignsViewer, session: ReadSessionDep, code: str
) -> Response:
    found = audiences.get(session, code)
    entered = {"code": found.code, "name": found.name, "rules": json.dumps(found.rules, indent=2)}
    latest = queries.latest_snapshots(session).get(found.id)
    return _builder(request, viewer, entered, FormErrors(), audience=found, latest=latest)


def _read(form, errors: FormErrors, engine) -> tuple[dict[str, str], object | None]:  # type: ignore[no-untyped-def]
    """The typed fields and the validated rule (None when it is refused: ``errors`` says why,
    the rule's own problems under ``rules``)."""
    entered = {name: text(form, name) for name in ("code", "name", "rules")}
    try:
        data = json.loads(entered["rules"])
    except json.JSONDecodeError:
        errors.add("rules", "The rule is not valid JSON")
        return entered, None
    try:
        with read_session(engine) as session:
            return entered, audiences.validate(data, load_catalogue(session))
    except InvalidRecord as exc:
        for problem in exc.errors:
            errors.add(problem.field, problem.message)
        errors.add("rules", "The rule has problems, see below")
        return entered, None


def _rule_problems(errors: FormErrors) -> list[tuple[str, str]]:
    """The problems of the rule's parts (``rules.…``), in the order found."""
    return [(f, m) for f, m in errors.by_field.items() if f.startswith("rules.")]


@router.post("/count")
def count_audience(
    request: Request,
    viewer: CampaignsViewer,
    form: CheckedForm,
    engine: EngineDep,
    snapshot: SnapshotDep,
    now: NowDep,
) -> Response:
    """The live count of the rule as typed (nothing is saved)."""
    errors = FormErrors()
    entered, rule = _read(form, errors, engine)
    shown = None
    if entered["code"]:
        with read_session(engine) as session:
            shown = queries.find_audience(session, entered["code"])
    if rule is None:
        return _builder(
            request, viewer, entered, errors, audience=shown, problems=_rule_problems(errors)
        )
    count = audiences.count(snapshot, engine, rule, now)
    return _builder(request, viewer, entered, errors, audience=shown, count=count)


@router.post("")
def save_audience(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep, now: NowDep
) -> Response:
    errors = FormErrors()
    entered, rule = _read(form, errors, engine)
    try:
        CODE.validate_python(entered["code"])
    except ValidationError as exc:
        errors.add("code", exc.errors()[0]["msg"])
    if not entered["name"]:
        errors.add("name", "Field required")
    if errors or rule is None:
        return _builder(request, viewer, entered, errors, problems=_rule_problems(errors))
    with unit_of_work(engine) as session:
        audiences.save(session, entered["code"], entered["name"], rule, now)
        audit.record(session, viewer.id, "save_audience", f"audience:{entered['code']}", now)
    flash(request, "ok", "Audience saved")
    return RedirectResponse(f"/audiences/{entered['code']}", status_code=303)


@router.post("/{code}/snapshot")
def snapshot_audience(
    request: Request,
    viewer: EditorViewer,
    form: CheckedForm,
    engine: EngineDep,
    snapshot: SnapshotDep,
    now: NowDep,
    code: str,
) -> Response:
    """Freeze the audience's members now (the analytics snapshot is refreshed first)."""
    snapshot.refresh(engine)
    with unit_of_work(engine) as session:
        db = snapshot.cursor()
        try:
            frozen = audiences.freeze(session, db, audiences.get(session, code), now)
        finally:
            db.close()
        audit.record(session, viewer.id, "snapshot_audience", f"audience:{code}", now)
    flash(request, "ok", "Snapshot taken: {size} customers", size=frozen.size)
    return RedirectResponse(f"/audiences/{code}", status_code=303)
