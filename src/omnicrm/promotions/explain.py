"""Why a promotion did or did not apply to a receipt: the till's calculate request evaluated
against the promotions in force, every promotion with its verdict and reason."""

from datetime import datetime

from sqlalchemy.orm import Session

from omnicrm.core.errors import NotFound
from omnicrm.loyalty import repository as loyalty_repository
from omnicrm.loyalty.identify import resolve_account
from omnicrm.loyalty.ledger import CardState
from omnicrm.loyalty.receipt import Line, Member, price
from omnicrm.loyalty.schemas import CalculateRequest
from omnicrm.promotions.pricing import Sale, price_receipt


def explain_receipt(session: Session, request: CalculateRequest, now: datetime) -> dict:
    program, _ = loyalty_repository.program_in_force(session, request.program)
    try:
        account_id: int | None = resolve_account(session, request.identify, program.code)
        account = loyalty_repository.get_account(session, account_id)  # type: ignore[arg-type]
        member = Member(CardState(account.card_state), account.level, 0)
    except NotFound:
        account_id, member = None, Member(CardState.ACTIVE, None, 0)
    lines = [Line(x.line_no, x.sku, x.category, x.qty, x.amount) for x in request.lines]
    sale = Sale(
        account_id=account_id,
        member=member,
        now=request.occurred_at or now,
        store=request.store,
        channel=request.channel,
        coupons=tuple(request.coupons or ()),
    )
    priced = price_receipt(
        session.connection(),
        program,
        lines,
        sale,
        lambda ls: price(program, ls, member, None, request.partner),
    )
    evaluation = priced.evaluation
    return priced.response() | {
        "account_id": account_id,
        "discount_minor": evaluation.discount_minor if evaluation else 0,
        "explanations": [
            {"promotion": e.code, "version": e.version, "applied": e.applied, "reason": e.reason}
            for e in (evaluation.explanations if evaluation else ())
        ],
    }
