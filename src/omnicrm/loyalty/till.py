"""Till use cases: calculate (no side effects), confirm, and the offline upload of receipts.
Returns and cancels are in ``returns``.

One path serves every receipt: ``till_store`` reads the member and their state (and what the
answer and the order need) in one round trip, ``sale`` (pure) decides what the receipt does,
the installed pricing (``loyalty.pricing``: the promotions) prices it, and ``till_store``
writes the outcome and commits in one more. A confirm runs once per
(terminal, receipt id): a retry gets the first answer, another body with the same id a 409."""

from datetime import datetime

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from omnicrm.campaigns.till_channel import deliver, shown
from omnicrm.core.clock import utcnow
from omnicrm.core.errors import FieldError, InvalidRecord, OmnicrmError
from omnicrm.customers.carts import open_cart_of
from omnicrm.loyalty import sale, till_orders, till_store
from omnicrm.loyalty.idempotency import changed_body, request_hash, stored_answer
from omnicrm.loyalty.pricing import pricing
from omnicrm.loyalty.schemas import CalculateRequest, OfflineResult, QuoteOut, ReceiptRequest
from omnicrm.store.db import quick_read, read_session


def calculate_quote(engine: Engine, request: CalculateRequest, now: datetime | None = None) -> dict:
    """A quote (``QuoteOut`` as a dict): discounts, points to earn, the most points that may
    pay, the member's open cart and the till messages waiting for them. Writes nothing."""
    now = now or utcnow()
    with quick_read(engine) as conn:
        account, program, state, (events, waiting) = till_store.read(
            conn, request, now, lock=False, extra=till_store.quote_extra(now)
        )
        sale.check_partner(program, request.partner)
        member = sale.member_of(state, now)
        priced = pricing().price_request(conn, program, request, account.id, member, now)
    quote = sale.quote_dict(account.id, account.level, account.version, priced.quote)
    quote |= priced.response()
    cart = open_cart_of(account.customer_id, events, now)
    return quote | {
        "cart": cart.model_dump(mode="json") if cart else None,
        "messages": quote["messages"] + shown(waiting),
    }


def calculate_receipt(
    engine: Engine, request: CalculateRequest, now: datetime | None = None
) -> QuoteOut:
    """A quote: discounts, points to earn and the most points that may pay. Writes nothing."""
    return QuoteOut.model_validate(calculate_quote(engine, request, now))


def confirm_receipt(
    engine: Engine, request: ReceiptRequest, now: datetime | None = None, *, offline: bool = False
) -> dict:
    """Apply a receipt: spend points from active lots, earn pending lots, stamps, level, rewards;
    the answer (``ConfirmOut`` as a dict) is stored with the operation for retries."""
    now = now or utcnow()
    digest = request_hash(request)
    if offline and request.points_to_spend:
        raise InvalidRecord(
            [FieldError("points_to_spend", "an offline receipt cannot spend points")]
        )
    try:
        with till_store.writer(engine), engine.begin() as conn:
            return _confirm(conn, request, digest, now)
    except IntegrityError:
        # A concurrent twin inserted the same key first (under another lock): replay it.
        with read_session(engine) as session:
            answer = stored_answer(session, request.terminal, "confirm", request.receipt_id, digest)
        if answer is None:
            raise
        return answer


def _confirm(conn: Connection, request: ReceiptRequest, digest: str, now: datetime) -> dict:
    extra = till_store.confirm_extra(request, now, conn.dialect.name)
    account, program, state, (waiting, *sale_reads) = till_store.read(
        conn, request, now, lock=True, extra=extra
    )
    if state.prior_hash is not None:  # a retry: the first answer, unless the body changed
        if state.prior_hash != digest:
            raise changed_body("confirm", request.receipt_id, request.terminal)
        return till_store.stored_response(conn, request)
    sale.check_sale(program, account, request.partner)
    if sale.referral_due(program, account):
        till_store.lock_referrer(conn, state)
    member = sale.member_of(state, now)
    priced = pricing().price_request(conn, program, request, account.id, member, now, take=True)
    outcome = sale.settle(program, state, request, priced, digest, now)
    receipt = f"{request.terminal}/{request.receipt_id}"
    outcome.response["messages"] += deliver(conn, waiting, now, receipt)
    occurred = request.occurred_at or now
    operation_id = outcome.operation["id"]
    pricing().record_promotions(conn, priced, operation_id, occurred)
    order = till_orders.prepare_sale(
        conn,
        request,
        priced.quote,
        sale_reads,
        operation_id=operation_id,
        point_value_minor=program.point_value_minor,
        currency=program.currency,
        at=occurred,
    )
    till_store.write_outcome(conn, outcome, order)
    return outcome.response


def upload_offline_receipts(
    engine: Engine, receipts: list[ReceiptRequest], now: datetime | None = None
) -> list[OfflineResult]:
    """Receipts a till sold while offline, with their original times: each is confirmed (accrual
    only) on its own, so one bad receipt does not hold back the rest and a re-upload is a no-op."""
    results = []
    for receipt in receipts:
        try:
            body = confirm_receipt(engine, receipt, now, offline=True)
            results.append(OfflineResult(receipt_id=receipt.receipt_id, status=200, body=body))
        except OmnicrmError as exc:
            error = {"code": exc.code, "message": exc.message, "details": exc.details}
            results.append(
                OfflineResult(
                    receipt_id=receipt.receipt_id, status=exc.status, body={"error": error}
                )
            )
    return results
