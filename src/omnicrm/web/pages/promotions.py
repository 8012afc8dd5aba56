"""Promotions: the list with their results, the constructor form (create and edit a draft,
validation messages beside each field, publish, pause), coupon batches (generate, download the
codes as CSV) and the simulation of a draft over historical receipts. Every change goes through
the promotions package's use cases, the same ones the API calls."""

import csv
import io
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from omnicrm.analytics.router import SnapshotDep
from omnicrm.api.deps import EngineDep, ReadSessionDep
from omnicrm.campaigns import promotion_romi
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import Conflict, FieldError, InvalidRecord
from omnicrm.promotions import coupons, lifecycle, model, queries, repository
from omnicrm.promotions.simulate import simulate_promotion
from omnicrm.promotions.validation import check_references, parse_rules
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.promotions import Promotion
from omnicrm.web import audit, promo_form, sessions
from omnicrm.web.campaign_messages import verdict
from omnicrm.web.config import get_web_settings
from omnicrm.web.downloads import attachment
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.insights import charts
from omnicrm.web.pages.analytics import PLOTLY_PATH, _figure_json
from omnicrm.web.pages.forms import FormErrors, text
from omnicrm.web.promo_form import Draft
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import CheckedForm, Viewer, lang_of, needs

router = APIRouter(prefix="/promotions", tags=[PAGE_TAG], include_in_schema=False)
PromoViewer = Annotated[Viewer, Depends(needs(Permission.PROMOTIONS))]
EditorViewer = Annotated[Viewer, Depends(needs(Permission.PROMOTIONS_EDIT))]

CONDITION: TypeAdapter = TypeAdapter(model.Condition)
EFFECT: TypeAdapter = TypeAdapter(model.Effect)
STATUSES = ("draft", "active", "paused")
MAX_COUPONS = 1_000_000
COUPON_FIELDS = ("count", "mass_code", "max_uses", "per_customer", "prefix", "expires")
SIMULATION_DAYS = 90


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else utcnow()


# --- the list -------------------------------------------------------------------------------


def _budget_rows(session: Session, promotion: Promotion, rules: dict) -> list[dict]:
    used = queries.budget_used(session, promotion.id)
    limit = rules.get("budget") or {}
    return [
        {"what": what, "money": money, "used": getattr(used, column, 0) if used else 0,
         "limit": limit.get(key)}
        for what, column, key, money in (
            ("money", "money_used", "money_minor", True),
            ("points", "points_used", "points", False),
            ("redemptions", "redemptions_used", "redemptions", False),
        )
    ]  # fmt: skip


@router.get("")
def promotions(
    request: Request, viewer: PromoViewer, session: ReadSessionDep, status: str | None = None
) -> Response:
    results = queries.results(session)
    rows = []
    for p in queries.list_promotions(session, status if status in STATUSES else None):
        rules = queries.rules_in_force(session, p)
        rows.append(
            {
                "promotion": p,
                "rules": rules,
                "budget": _budget_rows(session, p, rules),
                "results": results.get(p.id),
            }
        )
    return render(
        request,
        "promotions.html",
        viewer,
        rows=rows,
        statuses=STATUSES,
        chosen=status if status in STATUSES else "",
        can_edit=viewer.can(Permission.PROMOTIONS_EDIT),
    )


# --- the constructor ------------------------------------------------------------------------


def _form_page(
    request: Request,
    viewer: Viewer,
    draft: Draft,
    errors: FormErrors,
    *,
    session: Session,
    promotion: Promotion | None = None,
    coupon_errors: FormErrors | None = None,
    coupon_entered: dict | None = None,
    romi: promotion_romi.PromotionRomi | None = None,
) -> Response:
    pickers = queries.picker_options(session) | {"channels": [(c, c) for c in promo_form.CHANNELS]}
    extra: dict = {"romi": romi, "pickers": pickers, "suggested": promo_form.SUGGESTED}
    if promotion is not None:
        latest = repository.latest_version(session, promotion.id)
        rules = queries.rules_in_force(session, promotion)
        extra |= {
            "versions": lifecycle.list_versions(session, promotion.code),
            "changed": latest is None or latest.checksum != repository.checksum(promotion.draft),
            "batches": coupons.list_batches(session, promotion.code),
            "budget": _budget_rows(session, promotion, rules),
            "results": queries.results(session).get(promotion.id),
        }
    return render(
        request,
        "promotion.html",
        viewer,
        status=400 if errors or coupon_errors else 200,
        promotion=promotion,
        draft=draft,
        errors=errors,
        problems=errors.by_field,
        coupon_errors=coupon_errors or FormErrors(),
        coupon_entered=coupon_entered or {"count": "100", "max_uses": "1"},
        kinds=promo_form.KINDS,
        head=promo_form.HEAD,
        budget_specs=promo_form.BUDGET,
        limit_specs=promo_form.LIMITS,
        dom_id=promo_form.dom_id,
        channels=promo_form.CHANNELS,
        can_edit=viewer.can(Permission.PROMOTIONS_EDIT),
        **extra,
    )


@router.get("/new")
def new_promotion(request: Request, viewer: EditorViewer, session: ReadSessionDep) -> Response:
    return _form_page(request, viewer, promo_form.new_draft(), FormErrors(), session=session)


def _problems(engine: Engine, data: dict) -> list[FieldError]:
    """Every problem of the rules at once: the model reports references (unknown SKUs, stores)
    only once the shape is right, so with shape errors the rows that are right on their own are
    checked against the catalogue too (the others stand in as rows that refer to nothing)."""
    try:
        rules = parse_rules(data)
        shape: list[FieldError] = []
    except InvalidRecord as exc:
        shape = exc.errors
        rows = {}
        for kind, adapter, blank in (
            ("conditions", CONDITION, model.FirstPurchase(type="first_purchase")),
            ("effects", EFFECT, model.Message(type="message", text="-")),
        ):
            rows[kind] = []
            for item in data.get(kind) or []:
                try:
                    rows[kind].append(adapter.validate_python(item))
                except (ValidationError, TypeError):
                    rows[kind].append(blank)
        rules = model.PromotionRules.model_construct(**rows)
    with read_session(engine) as session:
        return shape + check_references(rules, repository.load_catalogue(session))


def _save(
    request: Request,
    viewer: Viewer,
    form,
    engine: Engine,
    code: str | None,  # type: ignore[no-untyped-def]
) -> Response:
    draft = promo_form.read_form(form)
    if code is not None:
        draft.values["code"] = code
    action = text(form, "action")
    shown = None
    if code is not None:
        with read_session(engine) as session:
            shown = repository.get_promotion(session, code)
    if promo_form.edit(draft, action, form):
        return _edit_page(request, viewer, engine, draft, FormErrors(), shown)
    data, errors = promo_form.to_rules(draft, get_web_settings().zone)
    promo_form.place(_problems(engine, data), draft, errors)
    if errors:
        return _edit_page(request, viewer, engine, draft, errors, shown)
    now = _now(request)
    try:
        with unit_of_work(engine) as writing:
            if code is None:
                saved = lifecycle.create_promotion(writing, data, now)
            else:
                saved = lifecycle.update_draft(writing, code, data, now)
            audit.record(writing, viewer.id, "save_promotion", f"promotion:{saved.code}", now)
            saved_code = saved.code
    except InvalidRecord as exc:
        promo_form.place(exc.errors, draft, errors)
        return _edit_page(request, viewer, engine, draft, errors, shown)
    except Conflict:
        errors.add("code", "A promotion with this code exists")
        return _edit_page(request, viewer, engine, draft, errors, shown)
    sessions.flash(request, "ok", "Draft of {code} saved", code=saved_code)
    return _see_other(f"/promotions/{saved_code}")


def _edit_page(
    request: Request,
    viewer: Viewer,
    engine: Engine,
    draft: Draft,
    errors: FormErrors,
    promotion: Promotion | None,
) -> Response:
    with read_session(engine) as session:
        shown = None if promotion is None else repository.get_promotion(session, promotion.code)
        return _form_page(request, viewer, draft, errors, promotion=shown, session=session)


@router.post("/new")
def create(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep
) -> Response:
    return _save(request, viewer, form, engine, None)


@router.get("/{code}")
def promotion(
    request: Request,
    viewer: PromoViewer,
    session: ReadSessionDep,
    snapshot: SnapshotDep,
    engine: EngineDep,
    code: str,
    romi: bool = False,
) -> Response:
    """The promotion's form and results; ``romi``: its ROMI measured too (a snapshot refresh,
    so only when asked for)."""
    shown = repository.get_promotion(session, code)
    draft = promo_form.from_rules(shown.draft, get_web_settings().zone, lang_of(request))
    measured = None
    if romi:
        snapshot.refresh(engine)
        db = snapshot.cursor()
        try:
            measured = promotion_romi.romi(session, db, code, _now(request))
        finally:
            db.close()
        said = verdict(lang_of(request), measured.result.verdict)
        measured = replace(measured, result=replace(measured.result, verdict=said))
    return _form_page(
        request, viewer, draft, FormErrors(), promotion=shown, session=session, romi=measured
    )


@router.post("/{code}")
def update(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep, code: str
) -> Response:
    return _save(request, viewer, form, engine, code)


@router.post("/{code}/publish")
def publish(
    request: Request, viewer: EditorViewer, _: CheckedForm, engine: EngineDep, code: str
) -> Response:
    now = _now(request)
    try:
        with unit_of_work(engine) as writing:
            version = lifecycle.publish_promotion(writing, code, now)
            audit.record(writing, viewer.id, "publish_promotion", f"promotion:{code}", now)
    except InvalidRecord as exc:
        sessions.flash(
            request, "error", "The draft no longer passes validation: {problems}",
            problems="; ".join(f"{e.field}: {e.message}" for e in exc.errors),
        )  # fmt: skip
        return _see_other(f"/promotions/{code}")
    sessions.flash(request, "ok", "{code} is live as version {version}", code=code,
                   version=version.version)  # fmt: skip
    return _see_other(f"/promotions/{code}")


@router.post("/{code}/pause")
def pause(
    request: Request, viewer: EditorViewer, _: CheckedForm, engine: EngineDep, code: str
) -> Response:
    now = _now(request)
    try:
        with unit_of_work(engine) as writing:
            lifecycle.pause_promotion(writing, code, now)
            audit.record(writing, viewer.id, "pause_promotion", f"promotion:{code}", now)
    except Conflict:
        sessions.flash(request, "error", "Only a live promotion can be paused")
        return _see_other(f"/promotions/{code}")
    sessions.flash(request, "ok", "{code} is paused", code=code)
    return _see_other(f"/promotions/{code}")


# --- coupons --------------------------------------------------------------------------------


def _optional_int(form, name: str, errors: FormErrors, low: int, high: int) -> int | None:  # type: ignore[no-untyped-def]
    raw = text(form, name).replace(" ", "")
    if not raw:
        return None
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors.add(name, "Enter a whole number from {low} to {high}")
        return None
    return int(raw)


@router.post("/{code}/coupons")
def generate(
    request: Request, viewer: EditorViewer, form: CheckedForm, engine: EngineDep, code: str
) -> Response:
    errors = FormErrors()
    count = _optional_int(form, "count", errors, 0, MAX_COUPONS) or 0
    mass = text(form, "mass_code") or None
    max_uses = _optional_int(form, "max_uses", errors, 1, 1_000_000_000)
    per_customer = _optional_int(form, "per_customer", errors, 1, 1_000_000)
    prefix = text(form, "prefix").upper()
    if (not prefix.isalnum() and prefix) or len(prefix) > 8:
        errors.add("prefix", "Up to 8 letters and digits")
    expires_at = None
    if text(form, "expires"):
        try:
            day = date.fromisoformat(text(form, "expires"))
            expires_at = datetime.combine(day, time.max, tzinfo=get_web_settings().zone)
        except ValueError:
            errors.add("expires", "Enter a date")
    if mass is not None and (
        len(mass) < 3 or len(mass) > 40 or not mass.replace("-", "").isalnum()
    ):
        errors.add("mass_code", "3-40 letters, digits and dashes")
    if not errors and (mass is None) == (count == 0):
        errors.add("count", "Give either a number of unique codes or one mass code")
    now = _now(request)
    batch = None
    if not errors:
        try:
            with unit_of_work(engine) as writing:
                batch = coupons.generate_coupons(
                    writing, code, now, count=count, code=mass, max_uses=max_uses,
                    per_customer=per_customer, expires_at=expires_at, prefix=prefix,
                )  # fmt: skip
                subject = f"promotion:{code}"
                audit.record(writing, viewer.id, "generate_coupons", subject, now)
        except Conflict:
            errors.add("mass_code", "This code is taken")
    if batch is None:
        with read_session(engine) as session:
            shown = repository.get_promotion(session, code)
            draft = promo_form.from_rules(shown.draft, get_web_settings().zone, lang_of(request))
            entered = {k: text(form, k) for k in COUPON_FIELDS}
            return _form_page(
                request, viewer, draft, FormErrors(), promotion=shown, session=session,
                coupon_errors=errors, coupon_entered=entered,
            )  # fmt: skip
    sessions.flash(request, "ok", "{count} coupon codes generated", count=batch.size)
    return _see_other(f"/promotions/{code}#coupons")


@router.get("/{code}/coupons/{batch_id}.csv")
def download_codes(
    viewer: EditorViewer, session: ReadSessionDep, code: str, batch_id: int
) -> Response:
    if batch_id not in {b["batch_id"] for b in coupons.list_batches(session, code)}:
        return Response("no such batch", status_code=404, media_type="text/plain")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "uses"])
    after = 0
    while True:
        rows = coupons.list_codes(session, batch_id, limit=10_000, after=after)
        if not rows:
            break
        writer.writerows([r["code"], r["uses"]] for r in rows)
        after = rows[-1]["id"]
    name = f"coupons_{code}_{batch_id}.csv"
    return attachment("\ufeff" + out.getvalue(), "text/csv; charset=utf-8", name)


# --- simulation -----------------------------------------------------------------------------


def _default_period(session: Session) -> tuple[date, date]:
    """The last 90 days of history (up to the newest receipt)."""
    newest = queries.newest_receipt(session)
    until = newest.astimezone(get_web_settings().zone).date() if newest else date.today()
    return until - timedelta(days=SIMULATION_DAYS - 1), until


@router.get("/{code}/simulate")
def simulate(
    request: Request,
    viewer: PromoViewer,
    session: ReadSessionDep,
    code: str,
    since: str | None = None,
    until: str | None = None,
    presented: str | None = None,
) -> Response:
    shown = repository.get_promotion(session, code)
    errors = FormErrors()
    first, last = _default_period(session)
    run = since is not None or until is not None
    try:
        first = date.fromisoformat(since) if since else first
    except ValueError:
        errors.add("since", "Enter a date")
    try:
        last = date.fromisoformat(until) if until else last
    except ValueError:
        errors.add("until", "Enter a date")
    if not errors and last < first:
        errors.add("until", "The end must not be before the start")
    assume = presented != "off" if run else True
    result, chart_list = None, []
    lang = lang_of(request)
    if run and not errors:
        zone = get_web_settings().zone
        start = datetime.combine(first, time.min, tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        rules = parse_rules(shown.draft)
        result = simulate_promotion(
            session.connection(), rules, start, end, assume_presented=assume
        ).as_dict()
        chart_list = charts.simulation_charts(result, lang)
    return render(
        request,
        "promotion_simulate.html",
        viewer,
        status=400 if errors else 200,
        promotion=shown,
        since=first.isoformat(),
        until=last.isoformat(),
        assume=assume,
        errors=errors,
        result=result,
        charts=[(c, _figure_json(c.figure)) for c in chart_list],
        plotly_path=PLOTLY_PATH,
    )
