"""Campaigns: the list with status and queued counts, the create form (audience, channel, control
share, variants A and B), a campaign's page with its variants, a preview for a real customer,
launch and resume, and its measured results. Every change goes through ``campaigns.campaign``
and ``campaigns.messages``, the use cases the API calls."""

from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from omnicrm.analytics.router import SnapshotDep
from omnicrm.api.deps import EngineDep, NowDep, ReadSessionDep
from omnicrm.campaigns import audiences, campaign, measure, messages, queries
from omnicrm.core.errors import Conflict, InvalidRecord, NotFound
from omnicrm.core.settings import get_settings
from omnicrm.store.db import unit_of_work
from omnicrm.web import audit
from omnicrm.web.campaign_messages import verdict
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.i18n import translate
from omnicrm.web.insights.charts import Chart, _layout
from omnicrm.web.pages.analytics import PLOTLY_PATH, _figure_json
from omnicrm.web.pages.forms import FormErrors, text
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, flash, lang_of, needs

router = APIRouter(prefix="/campaigns", tags=[PAGE_TAG], include_in_schema=False)
CampaignsViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS))]
EditorViewer = Annotated[Viewer, Depends(needs(Permission.CAMPAIGNS_EDIT))]
VARIANTS = ("A", "B")
FIELDS = ("code", "name", "audience", "channel", "control_share", "window_days")
FIELD_OF = {"control_bp": "control_share"}
"""The use case's field names that the form types differently."""


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _paused(session: Session) -> dict[str, dict]:
    return {p["campaign"]: p for p in messages.paused_campaigns(session.connection())}


@router.get("")
def campaign_list(request: Request, viewer: CampaignsViewer, session: ReadSessionDep) -> Response:
    names = queries.audience_codes(session)
    rows = queries.list_campaigns(session)
    return render(
        request,
        "campaigns.html",
        viewer,
        rows=[(c, names.get(c.audience_id)) for c in rows],
        outbox=queries.outbox_counts(session),
        paused=_paused(session),
        can_edit=viewer.can(Permission.CAMPAIGNS_EDIT),
    )


def _form(
    request: Request, viewer: Viewer, session: Session, entered: dict, errors: FormErrors
) -> Response:
    return render(
        request,
        "campaign_new.html",
        viewer,
        status=400 if errors else 200,
        entered=entered,
        errors=errors,
        audiences=audiences.list_all(session),
        channels=campaign.CHANNELS,
        variants=VARIANTS,
    )


@router.get("/new")
def new_campaign(request: Request, viewer: EditorViewer, session: ReadSessionDep) -> Response:
    entered = {"channel": "email", "control_share": "10", "window_days": "14"}
    return _form(request, viewer, session, entered, FormErrors())


def _number(entered: dict, name: str, errors: FormErrors) -> Decimal:
    try:
        return Decimal(entered[name].replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        errors.add(name, "Enter a number")
        return Decimal(0)


def _new_campaign(entered: dict, errors: FormErrors) -> campaign.NewCampaign:
    """The form as the use case's command; the share is typed in per cent, kept in basis points."""
    share = _number(entered, "control_share", errors)
    days = _number(entered, "window_days", errors)
    for name in ("code", "name", "audience"):
        if not entered[name]:
            errors.add(name, "Field required")
    variants = tuple(
        campaign.Variant(
            name=v,
            subject=entered[f"variants[{i}].subject"] or None,
            text=entered[f"variants[{i}].text"],
        )
        for i, v in enumerate(VARIANTS)
        if i == 0 or entered[f"variants[{i}].text"] or entered[f"variants[{i}].subject"]
    )
    if not variants[0].text:
        errors.add("variants[0].text", "Field required")
    return campaign.NewCampaign(
        code=entered["code"],
        name=entered["name"],
        audience=entered["audience"],
        channel=entered["channel"],
        variants=variants,
        window_days=int(days),
        control_bp=int(share * 100),
    )


@router.post("")
def create_campaign(
    request: Request,
    viewer: EditorViewer,
    form: CheckedForm,
    engine: EngineDep,
    session: ReadSessionDep,
    now: NowDep,
) -> Response:
    names = [
        *FIELDS,
        *(f"variants[{i}].{p}" for i in range(len(VARIANTS)) for p in ("subject", "text")),
    ]
    entered = {name: text(form, name) for name in names}
    errors = FormErrors()
    new = _new_campaign(entered, errors)
    if not errors:
        try:
            with unit_of_work(engine) as writing:
                campaign.create(writing, new, now)
                audit.record(writing, viewer.id, "create_campaign", f"campaign:{new.code}", now)
        except InvalidRecord as exc:
            for problem in exc.errors:
                errors.add(FIELD_OF.get(problem.field, problem.field), problem.message)
        except Conflict:
            errors.add("code", "A campaign with this code exists")
        except NotFound:
            errors.add("audience", "No such audience")
    if errors:
        return _form(request, viewer, session, entered, errors)
    flash(request, "ok", "Campaign created")
    return _see_other(f"/campaigns/{new.code}")


@router.get("/{code}")
def campaign_page(
    request: Request,
    viewer: CampaignsViewer,
    session: ReadSessionDep,
    now: NowDep,
    code: str,
    customer: str | None = None,
) -> Response:
    errors, preview = FormErrors(), None
    if customer:
        try:
            preview = campaign.preview(session, code, int(customer), now)
        except ValueError:
            errors.add("customer", "Enter a customer number")
        except NotFound:
            errors.add("customer", "No such customer")
        except InvalidRecord as exc:
            errors.add("customer", exc.errors[0].message)
    return show_campaign(
        request, viewer, session, code, errors, customer=customer or "", preview=preview
    )


def show_campaign(
    request: Request,
    viewer: Viewer,
    session: Session,
    code: str,
    errors: FormErrors,
    **context: object,
) -> Response:
    """The campaign's page; ``context`` carries what a form posted (shown again with its
    errors, status 400) or the preview."""
    found = campaign.get(session, code)
    zones = queries.store_zones(session)
    default_zone = get_settings().customer_timezone
    return render(
        request,
        "campaign.html",
        viewer,
        status=400 if errors else 200,
        campaign=found,
        audience=queries.audience_by_id(session, found.audience_id),
        variants=campaign.variants_of(session, found),
        outbox=queries.outbox_counts(session).get(code, {}),
        paused=_paused(session).get(code),
        errors=errors,
        zones=sorted({*zones, default_zone}),
        entered={"zone": default_zone, **context.pop("entered", {})},  # type: ignore[dict-item]
        can_edit=viewer.can(Permission.CAMPAIGNS_EDIT),
        **{"customer": "", "preview": None, **context},
    )


@router.post("/{code}/launch")
def launch_campaign(
    request: Request,
    viewer: EditorViewer,
    form: CheckedForm,
    engine: EngineDep,
    snapshot: SnapshotDep,
    now: NowDep,
    code: str,
) -> Response:
    """Freeze the audience and queue every treated customer's message (again: only what is
    missing)."""
    snapshot.refresh(engine)
    db = snapshot.cursor()
    try:
        done = campaign.launch(engine, db, code, now)
    finally:
        db.close()
    with unit_of_work(engine) as session:
        audit.record(session, viewer.id, "launch_campaign", f"campaign:{code}", now)
    controls = done.control + done.global_control
    queued = done.queued
    flash(request, "ok", "Launched: {queued} messages queued, {control} customers in control",
          queued=queued, control=controls)  # fmt: skip
    return _see_other(f"/campaigns/{code}")


@router.post("/{code}/resume")
def resume_campaign(
    request: Request,
    viewer: EditorViewer,
    form: CheckedForm,
    engine: EngineDep,
    now: NowDep,
    code: str,
) -> Response:
    with unit_of_work(engine) as session:
        campaign.get(session, code)
        resumed = messages.resume(session.connection(), code)
        if resumed:
            audit.record(session, viewer.id, "resume_campaign", f"campaign:{code}", now)
    if resumed:
        flash(request, "ok", "Sending resumed")
    else:
        flash(request, "error", "The campaign was not paused")
    return _see_other(f"/campaigns/{code}")


def conversion_chart(lang: str, result: measure.Result) -> Chart:
    """Conversion of treated and control as bars with their 95% (Wilson) intervals."""
    groups = [
        (translate(lang, name), g)
        for name, g in (("Treated", result.treated), ("Control", result.control))
        if g.customers
    ]
    pct = [g.conversion * 100 for _, g in groups]
    bounds = [[b * 100 for b in measure.wilson(g.buyers, g.customers)] for _, g in groups]
    figure = {
        "data": [
            {
                "type": "bar",
                "x": [name for name, _ in groups],
                "y": pct,
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [hi - p for p, (_, hi) in zip(pct, bounds, strict=True)],
                    "arrayminus": [p - lo for p, (lo, _) in zip(pct, bounds, strict=True)],
                },
                "hovertemplate": "%{x}: %{y:.1f}%<extra></extra>",
            }
        ],
        "layout": _layout(lang, yaxis={"ticksuffix": "%"}),
    }
    return Chart("campaign-conversion", translate(lang, "Conversion, 95% interval"), figure)


@router.get("/{code}/results")
def campaign_results(
    request: Request,
    viewer: CampaignsViewer,
    session: ReadSessionDep,
    snapshot: SnapshotDep,
    engine: EngineDep,
    code: str,
) -> Response:
    found = campaign.get(session, code)
    result = None
    charts: list = []
    if found.launched_at is not None:
        snapshot.refresh(engine)
        db = snapshot.cursor()
        try:
            result = campaign.results(session, db, code)
        finally:
            db.close()
        lang = lang_of(request)
        result = replace(result, verdict=verdict(lang, result.verdict))
        chart = conversion_chart(lang, result)
        charts = [(chart, _figure_json(chart.figure))]
    settings = get_settings()
    return render(
        request,
        "campaign_results.html",
        viewer,
        campaign=found,
        result=result,
        charts=charts,
        plotly_path=PLOTLY_PATH,
        margin_bp=settings.campaign_margin_bp,
        message_cost_minor=settings.campaign_message_cost_minor,
    )
