"""The till's hot path: calculate and confirm in a handful of statements (SQLAlchemy Core, no ORM
flushes) for the common case, with the same outcome as the general path in ``till``.

The common case is a member found by card, phone, e-mail, QR, token or account id, whose profile
was not merged, and who has no referral reward pending. Anything else raises ``Fallback`` before
anything is written, and the caller runs the general path.

A confirm is, on PostgreSQL, one locking read (member, program in force and the new operation's
id), one read of the member's state (lots, memberships, earlier answer, qualifying spend,
challenges), then the inserts (each one statement, rows batched) and the account update, all in
one transaction. Row locks are taken ``FOR UPDATE`` on the one account; SQLite's writer holds
the database lock (BEGIN IMMEDIATE) instead. Every read that depends on what the lock protects is
a statement issued after the lock is held, so it sees whatever a concurrent twin committed.
"""

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    String,
    bindparam,
    cast,
    distinct,
    func,
    insert,
    literal,
    null,
    select,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import ColumnElement, Select

from omnicrm.campaigns.till_channel import deliver_at_till
from omnicrm.core.errors import Conflict, FieldError, Forbidden, InvalidRecord
from omnicrm.identity.normalize import normalize
from omnicrm.loyalty import ledger, levels, till_orders
from omnicrm.loyalty.idempotency import changed_body
from omnicrm.loyalty.ledger import CardState, Lot, Move
from omnicrm.loyalty.programs import Program
from omnicrm.loyalty.receipt import Member, Quote
from omnicrm.loyalty.schemas import TOKEN_KINDS, Identification, ReceiptRequest
from omnicrm.promotions.pricing import price_request, record_promotions
from omnicrm.store.schema import Customer, Identifier
from omnicrm.store.schema.base import UtcDateTime
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyBadge,
    LoyaltyEntry,
    LoyaltyLevelChange,
    LoyaltyLot,
    LoyaltyMembership,
    LoyaltyOperation,
    LoyaltyProgram,
    LoyaltyReceiptLine,
    LoyaltyToken,
)

ACCOUNTS = LoyaltyAccount.__table__
OPERATIONS = LoyaltyOperation.__table__
LOTS = LoyaltyLot.__table__
ENTRIES = LoyaltyEntry.__table__
LINES = LoyaltyReceiptLine.__table__
BADGES = LoyaltyBadge.__table__
LEVEL_CHANGES = LoyaltyLevelChange.__table__


class Fallback(Exception):
    """Not the common case: run the general path (nothing was written)."""


_PROGRAMS: dict[str, Program] = {}


def program(conn: Connection, code: str, version: int, digest: str) -> Program:
    """Version ``version`` of program ``code``, parsed once per process by its checksum (a
    version never changes, and the checksum keeps programs of two databases apart)."""
    found = _PROGRAMS.get(digest)
    if found is None:
        config = conn.scalar(
            select(LoyaltyProgram.config).where(
                LoyaltyProgram.code == code, LoyaltyProgram.version == version
            )
        )
        if config is None:
            raise Fallback
        found = _PROGRAMS[digest] = Program.model_validate(config)
    return found


def _program_code(given: bool) -> ColumnElement:
    if given:
        return bindparam("program", type_=String)
    return (
        select(LoyaltyProgram.code).order_by(LoyaltyProgram.id).limit(1).scalar_subquery()
    )  # the first program loaded


def member_query(
    ident: Identification, code: str | None, dialect: str, lock: bool
) -> tuple[Select, dict]:
    """The statement finding the member's account with the program in force, and its
    parameters; ``lock``: it also locks the account row (PostgreSQL) and draws the new
    operation's id."""
    params: dict[str, Any] = {} if code is None else {"program": code}
    if ident.kind == "qr" and ident.value.startswith("CARD:"):  # a QR printed from the card
        ident = Identification(kind="card", value=ident.value.removeprefix("CARD:"))
    if ident.kind == "account":
        if not ident.value.isdigit():
            raise Fallback
        by = "account"
        params["account"] = int(ident.value)
    elif ident.kind in TOKEN_KINDS:
        by = "token"
        params |= {"kind": ident.kind, "value": ident.value}
    else:
        by = "identifier"
        try:
            params |= {"kind": ident.kind, "value": normalize(ident.kind, ident.value)}
        except ValueError:
            raise Fallback from None
    return _member_statement(by, code is not None, dialect, lock), params


@lru_cache(maxsize=64)
def _member_statement(by: str, code_given: bool, dialect: str, lock: bool) -> Select:
    program_code = _program_code(code_given)
    version = (
        select(func.max(LoyaltyProgram.version))
        .where(LoyaltyProgram.code == program_code)
        .scalar_subquery()
    )
    a = LoyaltyAccount
    columns: list[Any] = [
        a.id,
        a.card_state,
        a.balance,
        a.debt,
        a.level,
        a.level_since,
        a.stamps,
        a.referred_by_id,
        a.referral_rewarded,
        program_code.label("program"),
        version.label("version"),
        select(LoyaltyProgram.checksum)
        .where(LoyaltyProgram.code == program_code, LoyaltyProgram.version == version)
        .scalar_subquery()
        .label("checksum"),
    ]
    if lock:
        if dialect == "postgresql":
            next_id = func.nextval(func.pg_get_serial_sequence("loyalty_operations", "id"))
        else:  # the writer holds the database lock: the rowid SQLite would pick itself
            next_id = select(func.coalesce(func.max(LoyaltyOperation.id), 0) + 1).scalar_subquery()
        columns.append(type_coerce(next_id, BigInteger).label("operation_id"))
    query = select(*columns)
    if by == "account":
        query = query.where(a.id == bindparam("account", type_=BigInteger))
    elif by == "token":
        query = query.where(
            a.id
            == select(LoyaltyToken.account_id)
            .where(
                LoyaltyToken.kind == bindparam("kind"),
                LoyaltyToken.value == bindparam("value"),
                LoyaltyToken.revoked_at.is_(None),
            )
            .scalar_subquery()
        )
    else:
        query = (
            query.select_from(Identifier)
            .join(Customer, Customer.id == Identifier.customer_id)
            .join(a, a.customer_id == Customer.id)
            .where(
                Identifier.kind == bindparam("kind"),
                Identifier.value == bindparam("value"),
                Customer.merged_into_id.is_(None),  # merged: follow it on the general path
                a.program_code == program_code,
            )
        )
    if lock:
        query = query.with_for_update(of=ACCOUNTS)
    return query


@dataclass(slots=True)
class State:
    """What the account holds besides its row: lots with points, memberships in force, and (for
    a confirm) the earlier request's hash, the qualifying spend and the challenges' progress."""

    lots: dict[int, list]  # id -> [remaining, available_at, expires_at]
    clubs: set[str]
    paid: set[str]
    prior_hash: str | None = None
    spend: int = 0
    badges: frozenset[str] = frozenset()
    categories: dict[str, int] | None = None


@lru_cache(maxsize=64)
def state_query(
    prior: bool = False, spend: bool = False, since: bool = False, challenges: tuple[str, ...] = ()
) -> Select:
    """One statement of tagged rows about account ``:account``: ``l`` lots holding points,
    ``m`` memberships; and on request ``p`` the earlier request ``(:terminal, :key)``, ``q`` the
    qualifying spend (since ``:since``), per challenge ``b`` the badge held for ``:period`` and
    ``c`` the categories bought in ``[:start, :end)`` besides ``:bought``."""
    account = bindparam("account", type_=BigInteger)

    def row(tag: str, id_=None, n=None, t1=None, t2=None, s=None) -> list:
        return [
            literal(tag, String).label("tag"),
            type_coerce(id_ if id_ is not None else null(), BigInteger).label("id"),
            type_coerce(n if n is not None else null(), BigInteger).label("n"),
            type_coerce(t1 if t1 is not None else null(), UtcDateTime).label("t1"),
            type_coerce(t2 if t2 is not None else null(), UtcDateTime).label("t2"),
            type_coerce(s if s is not None else null(), String).label("s"),
        ]

    lot = LoyaltyLot
    parts = [
        select(*row("l", lot.id, lot.remaining, lot.available_at, lot.expires_at)).where(
            lot.account_id == account, lot.remaining > 0
        ),
        select(
            *row(
                "m",
                t2=LoyaltyMembership.expires_at,
                s=LoyaltyMembership.kind + ":" + LoyaltyMembership.plan,
            )
        ).where(LoyaltyMembership.account_id == account),
    ]
    if prior:
        parts.append(
            select(*row("p", s=LoyaltyOperation.request_hash)).where(
                LoyaltyOperation.terminal == bindparam("terminal"),
                LoyaltyOperation.kind == "confirm",
                LoyaltyOperation.op_key == bindparam("key"),
            )
        )
    if spend:
        total = cast(func.coalesce(func.sum(LoyaltyOperation.net_minor), 0), BigInteger)
        query = select(*row("q", n=total)).where(LoyaltyOperation.account_id == account)
        if since:
            query = query.where(LoyaltyOperation.occurred_at >= bindparam("since"))
        parts.append(query)
    for code in challenges:
        parts.append(
            select(*row("b", n=func.count(LoyaltyBadge.id), s=literal(code, String))).where(
                LoyaltyBadge.account_id == account,
                LoyaltyBadge.challenge == code,
                LoyaltyBadge.period == bindparam("period"),
            )
        )
        categories = func.count(distinct(LoyaltyReceiptLine.category))
        parts.append(
            select(*row("c", n=categories, s=literal(code, String)))
            .join(LoyaltyOperation, LoyaltyOperation.id == LoyaltyReceiptLine.operation_id)
            .where(
                LoyaltyOperation.account_id == account,
                LoyaltyOperation.kind == "confirm",
                LoyaltyOperation.status == "done",
                LoyaltyOperation.occurred_at >= bindparam("start"),
                LoyaltyOperation.occurred_at < bindparam("end"),
                LoyaltyReceiptLine.returned_qty < LoyaltyReceiptLine.qty,
                LoyaltyReceiptLine.category.not_in(bindparam("bought", expanding=True)),
            )
        )
    return union_all(*parts)  # type: ignore[return-value]


def read_state(conn: Connection, query: Select, params: dict, now: datetime) -> State:
    state = State(lots={}, clubs=set(), paid=set())
    badges: set[str] = set()
    categories: dict[str, int] = {}
    for tag, id_, n, t1, t2, s in conn.execute(query, params):
        if tag == "l":
            state.lots[id_] = [n, t1, t2]
        elif tag == "m":
            if t2 is None or t2 > now:
                kind, plan = s.split(":", 1)
                (state.clubs if kind == "club" else state.paid).add(plan)
        elif tag == "p":
            state.prior_hash = s
        elif tag == "q":
            state.spend = int(n or 0)
        elif tag == "b":
            if n:
                badges.add(s)
        elif tag == "c":
            categories[s] = int(n or 0)
    state.badges = frozenset(badges)
    state.categories = categories
    return state


def as_lots(lots: dict[int, list]) -> list[Lot]:
    return [Lot(lot_id, lot[0], lot[1], lot[2]) for lot_id, lot in lots.items()]


def member_of(row: Any, state: State, now: datetime) -> Member:
    return Member(
        card_state=CardState(row.card_state),
        level=row.level,
        spendable=ledger.spendable(as_lots(state.lots), now),
        stamps=dict(row.stamps or {}),
        clubs=frozenset(state.clubs),
        paid_plans=frozenset(state.paid),
    )


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


def calculate(conn: Connection, request: ReceiptRequest, now: datetime) -> dict:
    """A quote (``QuoteOut`` as a dict): two reads, no writes."""
    row = conn.execute(
        *member_query(request.identify, request.program, conn.dialect.name, lock=False)
    ).first()
    if row is None or row.version is None:
        raise Fallback
    prog = program(conn, row.program, row.version, row.checksum)
    check_partner(prog, request.partner)
    state = read_state(conn, state_query(), {"account": row.id}, now)
    member = member_of(row, state, now)
    priced = price_request(conn, prog, request, row.id, member, now)
    return quote_dict(row.id, row.level, row.version, priced.quote) | priced.response()


class _Book:
    """The writes of one confirm, collected in memory and sent in a few statements."""

    def __init__(self, row: Any, state: State, operation_id: int) -> None:
        self.account_id = row.id
        self.operation_id = operation_id
        self.balance = row.balance
        self.debt = row.debt
        self.lots = state.lots  # existing lots, then new ones under negative keys
        self.touched: set[int] = set()
        self.new_lots: list[dict] = []
        self.entries: list[dict] = []

    def apply(
        self, moves: list[Move], kind: str, rule: str, at: datetime, debt_kind: str = "debt"
    ) -> None:
        for move in moves:
            if move.points == 0:
                continue
            if move.lot_id is None:
                self.debt -= move.points
            else:
                self.lots[move.lot_id][0] += move.points
                if move.lot_id > 0:
                    self.touched.add(move.lot_id)
            self.balance += move.points
            self.entries.append(
                {
                    "account_id": self.account_id,
                    "operation_id": self.operation_id,
                    "lot_id": move.lot_id,
                    "kind": debt_kind if move.lot_id is None else kind,
                    "points": move.points,
                    "rule": rule,
                    "at": at,
                }
            )

    def grant(
        self, rule: str, points: int, at: datetime, window: tuple[datetime, datetime | None]
    ) -> None:
        """A new lot of ``points`` with its earning entry, then repaying any debt from it."""
        if points <= 0:
            return
        key = -(len(self.new_lots) + 1)
        self.lots[key] = [points, window[0], window[1]]
        self.new_lots.append(
            {
                "key": key,
                "account_id": self.account_id,
                "operation_id": self.operation_id,
                "rule": rule,
                "points": points,
                "earned_at": at,
                "available_at": window[0],
                "expires_at": window[1],
            }
        )
        self.entries.append(
            {
                "account_id": self.account_id,
                "operation_id": self.operation_id,
                "lot_id": key,
                "kind": "earn",
                "points": points,
                "rule": rule,
                "at": at,
            }
        )
        self.balance += points
        if self.debt > 0:
            moves = ledger.repay_debt(self.debt, [Lot(key, points, window[0], window[1])])
            self.apply(moves, "debt_repay", "debt:repay", at, debt_kind="debt_repay")

    def write(self, conn: Connection) -> None:
        """New lots, then entries (naming a new lot by its rule: one lot per rule and operation),
        then the caches of the lots that were there."""
        rules = {lot["key"]: lot["rule"] for lot in self.new_lots}
        if self.new_lots:
            conn.execute(
                insert(LOTS).inline(),
                [
                    {k: v for k, v in lot.items() if k != "key"}
                    | {"remaining": self.lots[lot["key"]][0]}
                    for lot in self.new_lots
                ],
            )
        if self.entries:
            rows = []
            for entry in self.entries:
                lot = entry["lot_id"]
                new = lot is not None and lot < 0
                rows.append(
                    entry
                    | {
                        "lot_ref": None if new else lot,
                        "lot_op": self.operation_id,
                        "lot_rule": rules[lot] if new else None,
                    }
                )
            conn.execute(_ENTRY, rows)
        if self.touched:
            conn.execute(
                _LOT_LEFT, [{"lot": i, "left": self.lots[i][0]} for i in sorted(self.touched)]
            )


_ENTRY = (
    insert(ENTRIES)
    .inline()
    .values(
        lot_id=func.coalesce(
            bindparam("lot_ref", type_=BigInteger),
            select(LOTS.c.id)
            .where(
                LOTS.c.operation_id == bindparam("lot_op", type_=BigInteger),
                LOTS.c.rule == bindparam("lot_rule", type_=String),
            )
            .scalar_subquery(),
        )
    )
)
_LOT_LEFT = update(LOTS).where(LOTS.c.id == bindparam("lot")).values(remaining=bindparam("left"))


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, send the statements of the block without waiting for each answer (psycopg's
    pipeline mode): one round trip for all the writes of a confirm instead of one each. Results
    are still read where a statement returns rows."""
    if conn.dialect.name != "postgresql":
        yield
        return
    dbapi = conn.connection.dbapi_connection
    try:
        with dbapi.pipeline():  # type: ignore[union-attr]
            yield
    except conn.dialect.dbapi.IntegrityError as exc:  # raised when the pipeline syncs
        raise IntegrityError("pipelined writes", None, exc) from exc


def _month(at: datetime) -> tuple[str, datetime, datetime]:
    at = at.astimezone(UTC)
    start = at.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    return at.strftime("%Y-%m"), start, end


_WRITERS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()


def _writer(engine: Engine) -> AbstractContextManager:
    """SQLite: one writer at a time per process, queued on a lock, before BEGIN IMMEDIATE (which
    still guards against other processes). Without it the writers of one process would poll the
    database lock with SQLite's sleeping busy handler, which adds up to 100 ms a turn."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    lock = _WRITERS.get(engine)
    if lock is None:
        lock = _WRITERS.setdefault(engine, threading.Lock())
    return lock


def confirm(
    engine: Engine,
    request: ReceiptRequest,
    digest: str,
    now: datetime,
    conn: Connection | None = None,
) -> dict:
    """Apply a receipt (see ``till.confirm_receipt``) and return the answer; a retry with the
    same body gets the first answer, one with another body a Conflict. ``conn``: on PostgreSQL,
    a connection whose transaction (e.g. the one the API key was read in) this one continues and
    commits; otherwise a transaction of its own."""
    if conn is None:
        with _writer(engine), engine.begin() as own:
            return _confirm(own, request, digest, now)
    try:
        answer = _confirm(conn, request, digest, now)
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return answer


def _confirm(conn: Connection, request: ReceiptRequest, digest: str, now: datetime) -> dict:
    row = conn.execute(
        *member_query(request.identify, request.program, conn.dialect.name, lock=True)
    ).first()
    if row is None or row.version is None:
        raise Fallback
    prog = program(conn, row.program, row.version, row.checksum)
    if prog.referral and row.referred_by_id and not row.referral_rewarded:
        raise Fallback  # the referral rewards lock a second account
    occurred = request.occurred_at or now
    since = levels.period_start(prog.levels.period, now) if prog.levels else None
    bought = {line.category for line in request.lines if line.category is not None}
    period, start, end = _month(occurred)
    query = state_query(
        prior=True,
        spend=prog.levels is not None,
        since=since is not None,
        challenges=tuple(c.code for c in prog.challenges),
    )
    params = {
        "account": row.id,
        "terminal": request.terminal,
        "key": request.receipt_id,
        "since": since,
        "period": period,
        "start": start,
        "end": end,
        "bought": sorted(bought),
    }
    state = read_state(conn, query, params, now)
    if state.prior_hash is not None:  # a retry: the first answer, unless the body changed
        if state.prior_hash != digest:
            raise changed_body("confirm", request.receipt_id, request.terminal)
        return conn.scalar(
            select(LoyaltyOperation.response).where(
                LoyaltyOperation.terminal == request.terminal,
                LoyaltyOperation.kind == "confirm",
                LoyaltyOperation.op_key == request.receipt_id,
            )
        )
    check_partner(prog, request.partner)
    if row.card_state == CardState.BLOCKED:
        raise Forbidden("the card is blocked")
    member = member_of(row, state, now)
    priced = price_request(conn, prog, request, row.id, member, now, take=True)
    quote = priced.quote
    if quote.points_spent < request.points_to_spend:
        refuse_spend(member, quote, request.points_to_spend)

    book = _Book(row, state, row.operation_id)
    moves = ledger.spend(as_lots(book.lots), quote.points_spent, now)
    burn_rule = f"burn:partner:{request.partner}" if request.partner else "burn"
    book.apply(moves, "spend", burn_rule, occurred)
    window = ledger.lot_window(occurred, prog.return_window_days, prog.points.lifetime_days)
    for rule, points in priced.earned_by_rule().items():
        book.grant(rule, points, occurred, window)

    account_changes: dict[str, Any] = {}
    if quote.stamps_after != (row.stamps or {}):
        account_changes["stamps"] = dict(quote.stamps_after)
    level = row.level
    level_change = None
    if prog.levels is not None:
        spend = state.spend + (quote.paid_minor if since is None or occurred >= since else 0)
        change = levels.decide(prog.levels, row.level, row.level_since, spend, now)
        if change is not None:
            level_change = {
                "account_id": row.id,
                "operation_id": book.operation_id,
                "from_level": row.level,
                "to_level": change.to_level,
                "reason": change.reason,
                "at": now,
            }
            level = change.to_level
            account_changes["level"] = level
            account_changes["level_since"] = now
    badges, bonuses = [], []
    for challenge in prog.challenges:
        others = (state.categories or {}).get(challenge.code, 0)
        if challenge.code in state.badges or others + len(bought) < challenge.count:
            continue
        badges.append(
            {
                "account_id": row.id,
                "challenge": challenge.code,
                "period": period,
                "badge": challenge.badge,
                "operation_id": book.operation_id,
                "awarded_at": occurred,
            }
        )
        rule = f"challenge:{challenge.code}"
        book.grant(rule, challenge.bonus_points, occurred, window)
        bonuses.append({"rule": rule, "amount_minor": challenge.bonus_points})

    holding = [lot for lot in as_lots(book.lots) if lot.remaining > 0]
    response = quote_dict(row.id, level, row.version, quote) | {
        "operation_id": book.operation_id,
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
    response["messages"] += deliver_at_till(
        conn, row.id, now, f"{request.terminal}/{request.receipt_id}"
    )

    record_promotions(conn, priced, book.operation_id, occurred)
    sale = till_orders.prepare_sale(
        conn,
        request,
        quote,
        operation_id=book.operation_id,
        account_id=row.id,
        point_value_minor=prog.point_value_minor,
        currency=prog.currency,
        at=occurred,
    )
    with pipelined(conn):
        conn.execute(
            insert(OPERATIONS).inline(),
            {
                "id": book.operation_id,
                "account_id": row.id,
                "kind": "confirm",
                "terminal": request.terminal,
                "op_key": request.receipt_id,
                "request_hash": digest,
                "status": "done",
                "program_version": row.version,
                "partner": request.partner,
                "net_minor": quote.paid_minor,
                "points_earned": quote.points_earned,
                "points_spent": quote.points_spent,
                "occurred_at": occurred,
                "recorded_at": now,
                "response": response,
            },
        )
        book.write(conn)
        sold = {line.line_no: line for line in request.lines}
        conn.execute(
            insert(LINES).inline(),
            [
                {
                    "operation_id": book.operation_id,
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
            ],
        )
        till_orders.write_sale(conn, sale)
        if level_change is not None:
            conn.execute(insert(LEVEL_CHANGES).inline(), level_change)
        if badges:
            conn.execute(insert(BADGES).inline(), badges)
        if book.balance != row.balance:
            account_changes["balance"] = book.balance
        if book.debt != row.debt:
            account_changes["debt"] = book.debt
        if account_changes:
            conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == row.id).values(account_changes))
    return response
