"""What a receipt does at the till, as pure functions over the member's state (``TillState``,
read by ``till_store`` in a couple of statements): the member pricing sees, the quote as the API
shows it, and a confirm's whole outcome (points spent and earned, debt repaid, stamps, level,
referral and challenge bonuses, the rows to write and the answer). Pricing itself is
``receipt.price`` under the promotions (``pricing``); nothing here does I/O."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from omnicrm.core.errors import Conflict, FieldError, Forbidden, InvalidRecord
from omnicrm.loyalty import ledger, levels
from omnicrm.loyalty.book import Book
from omnicrm.loyalty.ledger import CardState
from omnicrm.loyalty.pricing import Priced
from omnicrm.loyalty.programs import Program
from omnicrm.loyalty.receipt import Member, Quote
from omnicrm.loyalty.schemas import ReceiptRequest


@dataclass(frozen=True, slots=True)
class Account:
    """The member's account row as the till reads it, with the program in force."""

    id: int
    customer_id: int
    """The live profile (a merged one's survivor)."""
    card_state: str
    balance: int
    debt: int
    level: str | None
    level_since: datetime | None
    stamps: dict | None
    referred_by_id: int | None
    referral_rewarded: bool
    program: str
    version: int
    checksum: str
    operation_id: int | None
    """The id the confirm's operation gets (drawn with the lock); None for a quote."""


@dataclass(slots=True)
class TillState:
    """The account and what it holds: lots with points (id -> [remaining, available_at,
    expires_at]), memberships in force and, for a confirm, the earlier request's hash, the
    qualifying spend, the challenges' progress and the referrer when its reward may be due."""

    account: Account
    lots: dict[int, list] = field(default_factory=dict)
    clubs: set[str] = field(default_factory=set)
    paid: set[str] = field(default_factory=set)
    cobrands: set[str] = field(default_factory=set)
    prior_hash: str | None = None
    spend: int = 0
    badges: set[str] = field(default_factory=set)
    categories: dict[str, int] = field(default_factory=dict)
    referrer: tuple[int, int, int] | None = None
    """(id, balance, debt) of the referrer, locked."""


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a confirm reads besides lots and memberships."""

    terminal: str
    key: str
    spend: bool
    since: datetime | None
    period: str
    start: datetime
    end: datetime
    bought: frozenset[str]
    challenges: tuple[str, ...]


@dataclass(slots=True)
class Outcome:
    """A confirm's rows to write and its answer (stored with the operation)."""

    operation: dict
    books: list[Book]
    lines: list[dict]
    level_change: dict | None
    badges: list[dict]
    accounts: list[tuple[int, dict]]
    response: dict


def member_of(state: TillState, now: datetime) -> Member:
    account = state.account
    return Member(
        card_state=CardState(account.card_state),
        level=account.level,
        spendable=ledger.spendable(_lots(state.lots), now),
        stamps=dict(account.stamps or {}),
        clubs=frozenset(state.clubs),
        paid_plans=frozenset(state.paid),
        cobrands=frozenset(state.cobrands),
    )


def _lots(lots: dict[int, list]) -> list[ledger.Lot]:
    return [ledger.Lot(lot_id, lot[0], lot[1], lot[2]) for lot_id, lot in lots.items()]


def quote_dict(account_id: int, level: str | None, version: int, quote: Quote) -> dict:
    """The quote as the API shows it (``QuoteOut``'s fields, in its order)."""
    return {
        "account_id": account_id,
        "program_version": version,
        "level": level,
        "lines": [
            {
                "line_no": p.line_no,
                "amount_minor": p.amount_minor,
                "discount_minor": p.discount_minor,
                "discounts": [{"rule": r.rule, "amount_minor": r.amount} for r in p.discounts],
                "points_spent": p.points_spent,
                "paid_minor": p.paid_minor,
                "points_earned": p.points_earned,
                "earn_rule": p.earn_rule,
            }
            for p in quote.lines
        ],
        "total_minor": quote.total_minor,
        "discount_minor": quote.discount_minor,
        "max_points_to_spend": quote.max_points,
        "points_spent": quote.points_spent,
        "to_pay_minor": quote.paid_minor,
        "points_earned": quote.points_earned,
        "stamps_after": dict(quote.stamps_after),
        "free_items": dict(quote.free_items),
    }


def check_partner(program: Program, partner: str | None) -> None:
    if partner is not None and program.partner(partner) is None:
        raise InvalidRecord([FieldError("partner", f"no partner {partner!r} in the program")])


def check_sale(program: Program, account: Account, partner: str | None) -> None:
    """A confirm needs a known partner (when one is named) and a card that is not blocked."""
    check_partner(program, partner)
    if CardState(account.card_state) is CardState.BLOCKED:
        raise Forbidden("the card is blocked")


def refuse_spend(member: Member, quote: Quote, wanted: int) -> None:
    """Why fewer points than ``wanted`` may pay: the card, the balance or the program's cap."""
    if member.card_state is not CardState.ACTIVE:
        raise Forbidden(f"the card is {member.card_state.value}: points cannot be spent")
    if wanted > member.spendable:
        raise Conflict(
            f"insufficient points: {wanted} wanted, {member.spendable} available",
            details=[{"field": "points_to_spend", "message": "more than the active balance"}],
        )
    raise InvalidRecord(
        [FieldError("points_to_spend", f"at most {quote.max_points} points may pay this receipt")]
    )


def month(at: datetime) -> tuple[str, datetime, datetime]:
    """The UTC month of ``at`` (a challenge's period): its name and [start, end)."""
    at = at.astimezone(UTC)
    start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return at.strftime("%Y-%m"), start, end


def wanted(program: Program, request: ReceiptRequest, now: datetime) -> Wanted:
    period, start, end = month(request.occurred_at or now)
    return Wanted(
        terminal=request.terminal,
        key=request.receipt_id,
        spend=program.levels is not None,
        since=levels.period_start(program.levels.period, now) if program.levels else None,
        period=period,
        start=start,
        end=end,
        bought=frozenset(line.category for line in request.lines if line.category is not None),
        challenges=tuple(c.code for c in program.challenges),
    )


def referral_due(program: Program, account: Account) -> bool:
    """Whether this member's purchase may still reward a referrer (which locks a second row)."""
    return bool(program.referral and account.referred_by_id and not account.referral_rewarded)


def settle(
    program: Program,
    state: TillState,
    request: ReceiptRequest,
    priced: Priced,
    digest: str,
    now: datetime,
) -> Outcome:
    """Everything a confirm writes, and its answer, from the state read under the lock."""
    account, quote = state.account, priced.quote
    member = member_of(state, now)
    if quote.points_spent < request.points_to_spend:
        refuse_spend(member, quote, request.points_to_spend)
    operation_id = account.operation_id
    assert operation_id is not None  # drawn with the lock
    need = wanted(program, request, now)
    occurred = request.occurred_at or now
    book = Book(account.id, operation_id, account.balance, account.debt, state.lots)
    burn_rule = f"burn:partner:{request.partner}" if request.partner else "burn"
    book.apply(ledger.spend(book.as_lots(), quote.points_spent, now), "spend", burn_rule, occurred)
    window = ledger.lot_window(occurred, program.return_window_days, program.points.lifetime_days)
    for rule, points in priced.earned_by_rule().items():
        book.grant(rule, points, occurred, window)

    changes: dict[str, Any] = {}
    if quote.stamps_after != (account.stamps or {}):
        changes["stamps"] = dict(quote.stamps_after)
    level, level_change = account.level, None
    if program.levels is not None:
        counts = need.since is None or occurred >= need.since
        spend = state.spend + (quote.paid_minor if counts else 0)
        change = levels.decide(program.levels, account.level, account.level_since, spend, now)
        if change is not None:
            level_change = {
                "account_id": account.id,
                "operation_id": operation_id,
                "from_level": account.level,
                "to_level": change.to_level,
                "reason": change.reason,
                "at": now,
            }
            level = change.to_level
            changes |= {"level": level, "level_since": now}

    books, bonuses, accounts = [book], [], []
    referral = program.referral
    if (
        referral is not None
        and state.referrer is not None
        and quote.paid_minor >= referral.min_purchase_minor
    ):
        changes["referral_rewarded"] = True
        book.grant("referral:friend", referral.friend_points, occurred, window)
        bonuses.append({"rule": "referral:friend", "amount_minor": referral.friend_points})
        referrer_id, balance, debt = state.referrer
        theirs = Book(referrer_id, operation_id, balance, debt, {})
        theirs.grant("referral:referrer", referral.referrer_points, occurred, window)
        books.append(theirs)
        accounts.append((referrer_id, {"balance": theirs.balance, "debt": theirs.debt}))

    badges = []
    for challenge in program.challenges:
        others = state.categories.get(challenge.code, 0)
        if challenge.code in state.badges or others + len(need.bought) < challenge.count:
            continue
        badges.append(
            {
                "account_id": account.id,
                "challenge": challenge.code,
                "period": need.period,
                "badge": challenge.badge,
                "operation_id": operation_id,
                "awarded_at": occurred,
            }
        )
        rule = f"challenge:{challenge.code}"
        book.grant(rule, challenge.bonus_points, occurred, window)
        bonuses.append({"rule": rule, "amount_minor": challenge.bonus_points})

    holding = book.holding()
    response = quote_dict(account.id, level, account.version, quote) | {
        "operation_id": operation_id,
        "receipt_id": request.receipt_id,
        "balance": {
            "active": ledger.spendable(holding, now),
            "pending": ledger.pending(holding, now),
            "debt": book.debt,
            "total": book.balance,
        },
        "bonuses": bonuses,
    }
    response |= priced.response()
    if book.balance != account.balance:
        changes["balance"] = book.balance
    if book.debt != account.debt:
        changes["debt"] = book.debt
    if changes:
        accounts.insert(0, (account.id, changes))
    return Outcome(
        operation=_operation(account, request, quote, digest, occurred, now, response),
        books=books,
        lines=_lines(operation_id, request, quote),
        level_change=level_change,
        badges=badges,
        accounts=accounts,
        response=response,
    )


def _operation(
    account: Account,
    request: ReceiptRequest,
    quote: Quote,
    digest: str,
    occurred: datetime,
    now: datetime,
    response: dict,
) -> dict:
    return {
        "id": account.operation_id,
        "account_id": account.id,
        "kind": "confirm",
        "terminal": request.terminal,
        "op_key": request.receipt_id,
        "request_hash": digest,
        "status": "done",
        "program_version": account.version,
        "partner": request.partner,
        "net_minor": quote.paid_minor,
        "points_earned": quote.points_earned,
        "points_spent": quote.points_spent,
        "occurred_at": occurred,
        "recorded_at": now,
        "response": response,
    }


def _lines(operation_id: int, request: ReceiptRequest, quote: Quote) -> list[dict]:
    sold = {line.line_no: line for line in request.lines}
    return [
        {
            "operation_id": operation_id,
            "line_no": p.line_no,
            "sku": sold[p.line_no].sku,
            "category": sold[p.line_no].category,
            "qty": sold[p.line_no].qty,
            "amount_minor": p.amount_minor,
            "discount_minor": p.discount_minor,
            "points_spent": p.points_spent,
            "paid_minor": p.paid_minor,
            "points_earned": p.points_earned,
            "stamps": p.stamps,
            "returned_qty": 0,
            "revoked_earned": 0,
            "refunded_spent": 0,
            "refunded_paid": 0,
        }
        for p in quote.lines
    ]
