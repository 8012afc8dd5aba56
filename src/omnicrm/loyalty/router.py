"""HTTP routes of the loyalty capability: till operations under ``/till`` (scopes
``till:identify``, ``till:calculate``, ``till:confirm``, ``till:return``, ``till:cancel``; a key
with ``till:*`` may do all) and member/program operations under ``/loyalty``. Routes only
translate HTTP to a use case and back."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query, Request, Response

from omnicrm.access.keys import Caller
from omnicrm.analytics.export import MEDIA_TYPES
from omnicrm.api.deps import CallerDep, EngineDep, NowDep, ReadSessionDep, rate_limited
from omnicrm.api.responses import errors
from omnicrm.core.bounds import Id, Instant
from omnicrm.loyalty import (
    account_view,
    enrolment,
    history,
    identify,
    liability_export,
    liability_store,
    memberships,
    migration,
    reports,
    returns,
    till,
)
from omnicrm.loyalty.programs import Program
from omnicrm.loyalty.repository import program_in_force
from omnicrm.loyalty.schemas import (
    AccountOut,
    AccountViewOut,
    CalculateRequest,
    CancelRequest,
    CardStateRequest,
    ConfirmOut,
    DonationOut,
    DonationRequest,
    EnrolOut,
    EnrolRequest,
    HistoryOut,
    IdentifyRequest,
    MembershipOut,
    MembershipRequest,
    OfflineRequest,
    OfflineResult,
    ProgramOut,
    QuoteOut,
    ReceiptRequest,
    ReturnRequest,
    SmsCodeOut,
    SmsCodeRequest,
    TokenRequest,
    UndoOut,
)
from omnicrm.loyalty.social_login import OidcVerifier, TokenVerifier
from omnicrm.store.db import unit_of_work


def needs(scope: str) -> Any:
    async def check(caller: CallerDep) -> Caller:  # no I/O: no trip to the thread pool
        caller.require(scope)
        return caller

    return Depends(check)


def _partner_scope(caller: Caller, partner: str | None) -> None:
    if partner is not None:
        caller.require(f"partner:{partner}")


def sms_sender(request: Request) -> enrolment.SmsSender:
    """The SMS gateway (``app.state.sms_sender``); without one the log says a code went out."""
    return getattr(request.app.state, "sms_sender", None) or enrolment.log_sms_code


def json_response(content: dict) -> Response:
    """``content`` as JSON, serialised once with orjson (skips re-validating the answer against
    the response model, which documents the shape)."""
    return Response(orjson.dumps(content), media_type="application/json")


till_router = APIRouter(prefix="/till", tags=["till"], responses=errors(404, 409))
loyalty_router = APIRouter(prefix="/loyalty", tags=["loyalty"], responses=errors(404))


@till_router.post("/identify", response_model=AccountOut)
def identify_member(
    session: ReadSessionDep, now: NowDep, body: IdentifyRequest, _: Caller = needs("till:identify")
) -> AccountOut:
    return identify.identify_member(session, body, now)


@till_router.post("/calculate", response_model=QuoteOut)
async def calculate(
    engine: EngineDep, now: NowDep, body: CalculateRequest, caller: Caller = needs("till:calculate")
) -> Response:
    """Runs in the event loop, not the thread pool: its few statements take less time than the
    hop to a thread would (run a few server processes, see ARCHITECTURE.md)."""
    _partner_scope(caller, body.partner)
    return json_response(till.calculate_quote(engine, body, now))


@till_router.post("/confirm", response_model=ConfirmOut)
async def confirm(
    engine: EngineDep, now: NowDep, body: ReceiptRequest, caller: Caller = needs("till:confirm")
) -> Response:
    """In the event loop likewise (one locking read, one read, one pipelined write)."""
    _partner_scope(caller, body.partner)
    return json_response(till.confirm_receipt(engine, body, now))


@till_router.post("/offline", response_model=list[OfflineResult])
def upload_offline(
    engine: EngineDep, now: NowDep, body: OfflineRequest, caller: Caller = needs("till:confirm")
) -> list[OfflineResult]:
    for receipt in body.receipts:
        _partner_scope(caller, receipt.partner)
    return till.upload_offline_receipts(engine, body.receipts, now)


@till_router.post("/cancel", response_model=UndoOut)
def cancel(
    engine: EngineDep, now: NowDep, body: CancelRequest, _: Caller = needs("till:cancel")
) -> dict:
    return returns.cancel_receipt(engine, body, now)


@till_router.post("/return", response_model=UndoOut)
def return_receipt(
    engine: EngineDep, now: NowDep, body: ReturnRequest, _: Caller = needs("till:return")
) -> dict:
    return returns.return_receipt(engine, body, now)


@till_router.post("/memberships", response_model=MembershipOut)
def buy_membership(
    engine: EngineDep, now: NowDep, body: MembershipRequest, _: Caller = needs("till:confirm")
) -> dict:
    return memberships.buy_membership(engine, body, now)


@loyalty_router.post("/enrol/sms-code", response_model=SmsCodeOut, responses=errors(429))
def request_sms_code(
    engine: EngineDep,
    now: NowDep,
    body: SmsCodeRequest,
    request: Request,
    _: Caller = needs("loyalty:enrol"),
    __: None = rate_limited("sms_code_per_key", "SMS codes requested with this key"),
) -> SmsCodeOut:
    with unit_of_work(engine) as session:
        return enrolment.request_sms_code(session, body.phone, now, sms_sender(request))


def social_verifier(request: Request) -> TokenVerifier:
    """The social login adapter (``app.state.social_verifier``), by default the OpenID Connect
    providers of the settings, made once per app (it caches their keys)."""
    state = request.app.state
    if getattr(state, "social_verifier", None) is None:
        state.social_verifier = OidcVerifier.from_settings()
    return state.social_verifier


@loyalty_router.post("/enrol", response_model=EnrolOut, responses=errors(409))
def enrol(
    engine: EngineDep,
    now: NowDep,
    body: EnrolRequest,
    request: Request,
    _: Caller = needs("loyalty:enrol"),
) -> EnrolOut:
    """Enrol a member; a social enrolment carries the provider's ``id_token``, verified with
    the provider before anything is written."""
    verifier = social_verifier(request) if body.social is not None else None
    return enrolment.enrol(engine, body, now, verifier)


@loyalty_router.get("/accounts/{account_id}", response_model=AccountViewOut)
def get_account(
    session: ReadSessionDep, now: NowDep, account_id: Id, _: Caller = needs("loyalty:read")
) -> AccountViewOut:
    """The account as the member sees it: balance, level, points expiring in 30/60/90 days,
    visits and purchases, badges and challenge progress."""
    return account_view.member_account(session, account_id, now)


@loyalty_router.get("/accounts/{account_id}/history", response_model=HistoryOut)
def account_history(
    session: ReadSessionDep,
    now: NowDep,
    account_id: Id,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    _: Caller = needs("loyalty:read"),
) -> HistoryOut:
    return history.account_history(session, account_id, now, limit)


@loyalty_router.post("/accounts/{account_id}/tokens", status_code=204, responses=errors(409))
def issue_token(
    engine: EngineDep,
    now: NowDep,
    account_id: Id,
    body: TokenRequest,
    _: Caller = needs("loyalty:enrol"),
) -> None:
    with unit_of_work(engine) as session:
        memberships.issue_token(session, account_id, body, now)


@loyalty_router.put("/accounts/{account_id}/card-state", status_code=204)
def set_card_state(
    engine: EngineDep,
    account_id: Id,
    body: CardStateRequest,
    _: Caller = needs("loyalty:admin"),
) -> None:
    with unit_of_work(engine) as session:
        memberships.set_card_state(session, account_id, body.card_state)


@loyalty_router.post("/accounts/{account_id}/clubs/{club}", status_code=204)
def join_club(
    engine: EngineDep, now: NowDep, account_id: Id, club: str, _: Caller = needs("loyalty:enrol")
) -> None:
    with unit_of_work(engine) as session:
        memberships.join_club(session, account_id, club, now)


@loyalty_router.post("/accounts/{account_id}/cobrands/{cobrand}", status_code=204)
def join_cobrand(
    engine: EngineDep,
    now: NowDep,
    account_id: Id,
    cobrand: str,
    _: Caller = needs("loyalty:enrol"),
) -> None:
    """The partner issued the member its co-branded card: the account earns by the card's rules."""
    with unit_of_work(engine) as session:
        memberships.join_cobrand(session, account_id, cobrand, now)


@loyalty_router.post(
    "/accounts/{account_id}/donations", response_model=DonationOut, responses=errors(409)
)
def donate(
    engine: EngineDep,
    now: NowDep,
    account_id: Id,
    body: DonationRequest,
    caller: Caller = needs("loyalty:member"),
) -> dict:
    return memberships.donate_points(engine, account_id, body, caller.name, now)


@loyalty_router.put("/programs", response_model=ProgramOut, responses=errors(409))
def load_program(
    engine: EngineDep, body: Program, _: Caller = needs("loyalty:admin")
) -> ProgramOut:
    version, changed, opened = migration.load_program(engine, body)
    return ProgramOut(code=body.code, version=version, changed=changed, accounts_opened=opened)


@loyalty_router.get("/programs/{code}", response_model=Program)
def get_program(session: ReadSessionDep, code: str, _: Caller = needs("loyalty:read")) -> Program:
    return program_in_force(session, code)[0]


@loyalty_router.get("/reports/settlement")
def settlement(
    session: ReadSessionDep,
    since: Instant,
    until: Instant,
    program: str | None = None,
    _: Caller = needs("loyalty:report"),
) -> list[dict]:
    return reports.partner_settlement(session, program, _aware(since), _aware(until))


LiabilityTable = Literal[liability_export.TABLES]  # type: ignore[valid-type]


@loyalty_router.get("/liability")
def liability(
    session: ReadSessionDep,
    now: NowDep,
    as_of: Instant | None = None,
    since: Instant | None = None,
    program: str | None = None,
    format: Literal["json", "csv", "xlsx"] = "json",
    table: LiabilityTable = "roll_forward",
    _: Caller = needs("loyalty:report"),
) -> Any:
    """What the program owes at ``as_of`` (default now): outstanding points by cohort and
    expiry, their value, expected breakage, the monthly roll-forward, deferred revenue and the
    settlement since ``since`` (default: the month's start); ``format=csv|xlsx`` downloads one
    ``table`` of it."""
    report = liability_store.liability_report(
        session, program, _aware(as_of or now), _aware(since) if since else None
    )
    if format == "json":
        return report
    return Response(
        liability_export.download(report, table, format),
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="liability-{table}.{format}"'},
    )


@loyalty_router.get("/reports/donations")
def donations(session: ReadSessionDep, _: Caller = needs("loyalty:report")) -> list[dict]:
    return reports.donations(session)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


router = APIRouter()
router.include_router(till_router)
router.include_router(loyalty_router)
