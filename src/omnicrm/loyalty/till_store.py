"""The till's persistence: one round trip reads the member (account row, program in force and,
for a confirm, the account locked and the new operation's id drawn), the member's state (lots,
memberships and, for a confirm, the earlier answer, the qualifying spend, the challenges'
progress) and what the answer and the order need (``store.pipeline``: the statements go out
together, each finding the account by the same lookup); one more writes the outcome
``sale.settle`` computed and commits (psycopg's pipeline mode). ``till`` is the only caller;
every rule is in ``identify`` (who the member is), ``sale`` (what the receipt does) and the
pricing (``loyalty.pricing``).

Row locks are taken ``FOR UPDATE`` on the member's account (and, while a referral reward may be
due, then on the referrer's: a referrer enrolled first, so these waits never form a cycle);
SQLite's writer holds the database lock (BEGIN IMMEDIATE) instead. Every read that depends on
what the lock protects is a statement issued after the lock is held, so it sees whatever a
concurrent twin committed."""

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ARRAY,
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
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from omnicrm.campaigns.till_channel import pending
from omnicrm.customers.carts import cart_events
from omnicrm.loyalty import repository, till_orders
from omnicrm.loyalty.book import Book
from omnicrm.loyalty.identify import find_account, lookup, not_found
from omnicrm.loyalty.programs import Program
from omnicrm.loyalty.sale import Account, Outcome, TillState, wanted
from omnicrm.loyalty.schemas import ReceiptRequest
from omnicrm.store.pipeline import Rows, fetch_all
from omnicrm.store.schema import Customer
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
)

ACCOUNTS = LoyaltyAccount.__table__
OPERATIONS = LoyaltyOperation.__table__
LOTS = LoyaltyLot.__table__
ENTRIES = LoyaltyEntry.__table__
LINES = LoyaltyReceiptLine.__table__
BADGES = LoyaltyBadge.__table__
LEVEL_CHANGES = LoyaltyLevelChange.__table__

_PROGRAMS: dict[str, Program] = {}


def program(conn: Connection, account: Account) -> Program:
    """The version of the program the member row names, parsed once per process by its
    checksum (a version never changes, and the checksum keeps two databases' programs apart)."""
    found = _PROGRAMS.get(account.checksum)
    if found is None:
        config = conn.scalar(
            select(LoyaltyProgram.config).where(
                LoyaltyProgram.code == account.program, LoyaltyProgram.version == account.version
            )
        )
        found = _PROGRAMS[account.checksum] = Program.model_validate(config)
    return found


def _program_code(given: bool) -> ColumnElement:
    if given:
        return bindparam("program", type_=String)
    return (
        select(LoyaltyProgram.code).order_by(LoyaltyProgram.id).limit(1).scalar_subquery()
    )  # the first program loaded


@lru_cache(maxsize=64)
def account_ref(by: str | None, code_given: bool = False) -> ColumnElement:
    """The account a statement is about: ``:account`` (``by`` None), or the one the member's
    lookup finds, in the same statement (so it can go out with the member's read)."""
    if by is None:
        return bindparam("account", type_=BigInteger)
    found = find_account(select(LoyaltyAccount.id.label("id")), by, _program_code(code_given))
    member = found.cte("member")  # looked up once however often a statement names it
    return select(member.c.id).scalar_subquery()


@lru_cache(maxsize=64)
def _member_statement(by: str, code_given: bool, dialect: str, lock: bool) -> Select:
    program_code = _program_code(code_given)
    version = (
        select(func.max(LoyaltyProgram.version))
        .where(LoyaltyProgram.code == program_code)
        .scalar_subquery()
    )
    a = LoyaltyAccount
    live = (
        select(func.coalesce(Customer.merged_into_id, Customer.id))
        .where(Customer.id == a.customer_id)
        .scalar_subquery()
    )
    columns: list[Any] = [
        a.id,
        live.label("customer_id"),
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
    else:
        columns.append(null().label("operation_id"))
    query = find_account(select(*columns), by, program_code)
    if lock:
        query = query.with_for_update(of=ACCOUNTS)
    return query


_ASSUMED: dict[tuple[Engine, str | None], str] = {}
"""The checksum of the program last found in force per database and requested code: the shape
of the state's statement depends on the program, which the same round trip reads."""

Extra = Callable[[ColumnElement], list[tuple[Select, dict]]]


def read(
    conn: Connection,
    request: ReceiptRequest,
    now: datetime,
    *,
    lock: bool,
    extra: Extra = lambda account: [],
) -> tuple[Account, Program, TillState, list[Rows]]:
    """The member the request identifies with the program in force (``lock``: the account
    locked, the new operation's id drawn), the member's state, and the rows of the ``extra``
    statements (built over the account), all in one round trip; NotFound / 422 as ``identify``
    says. Only when the program in force is not the one seen last (the first receipt of a
    process, a new version) is the state read again, in a second round trip. SQLite reads the
    member first, then the rest by its id."""
    by, params = lookup(request.identify)
    if request.program is not None:
        params["program"] = request.program
    code_given = request.program is not None
    dialect = conn.dialect.name
    member = (_member_statement(by, code_given, dialect, lock), params)
    seen = (conn.engine, request.program)
    assumed = _PROGRAMS.get(_ASSUMED.get(seen, ""))
    # SQLite has no round trip to save: the other statements bind the account found instead
    together = assumed is not None and dialect == "postgresql"
    ref = account_ref(by, code_given)
    rows = fetch_all(
        conn,
        [member, *_state_reads(assumed, request, now, lock, ref, params, extra, dialect)]  # type: ignore[arg-type]
        if together
        else [member],
    )
    if not rows[0] or rows[0][0]["version"] is None:
        with Session(bind=conn) as session:  # says which: no program, or nobody
            repository.program_in_force(session, request.program)
        raise not_found(by, params, request.identify.kind)
    account = Account(**rows[0][0])
    found = program(conn, account)
    _ASSUMED[seen] = account.checksum
    if not together or assumed is not found:
        by_id = {"account": account.id}
        rows = rows[:1] + fetch_all(
            conn, _state_reads(found, request, now, lock, account_ref(None), by_id, extra, dialect)
        )
    state = state_of(account, rows[1], now)
    return account, found, state, rows[2:]


def _state_reads(
    prog: Program,
    request: ReceiptRequest,
    now: datetime,
    lock: bool,
    ref: ColumnElement,
    params: dict,
    extra: Extra,
    dialect: str,
) -> list[tuple[Select, dict]]:
    """The state's statement (what a confirm needs when ``lock``), then ``extra``'s."""
    if not lock:
        state = (state_query(ref, dialect), params)
    else:
        need = wanted(prog, request, now)
        query = state_query(
            ref,
            dialect,
            prior=True,
            spend=need.spend,
            since=need.since is not None,
            challenges=need.challenges,
        )
        state = (
            query,
            params
            | {
                "terminal": need.terminal,
                "key": need.key,
                "since": need.since,
                "period": need.period,
                "start": need.start,
                "end": need.end,
                "bought": sorted(need.bought),
            },
        )
    return [state, *((q, params | p) for q, p in extra(ref))]


@lru_cache(maxsize=64)
def state_query(
    account: ColumnElement,
    dialect: str,
    prior: bool = False,
    spend: bool = False,
    since: bool = False,
    challenges: tuple[str, ...] = (),
) -> Select:
    """One statement of tagged rows about ``account``: ``l`` lots holding points, ``m``
    memberships; and on request ``p`` the earlier request ``(:terminal, :key)``, ``q`` the
    qualifying spend (since ``:since``), per challenge ``b`` the badge held for ``:period`` and
    ``c`` the categories bought in ``[:start, :end)`` besides ``:bought``."""
    if dialect == "postgresql":  # one statement (and plan) whatever the number of categories
        others = LoyaltyReceiptLine.category != func.all(bindparam("bought", type_=ARRAY(String)))
    else:
        others = LoyaltyReceiptLine.category.not_in(bindparam("bought", expanding=True))

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
                others,
            )
        )
    return union_all(*parts)  # type: ignore[return-value]


def state_of(account: Account, rows: Rows, now: datetime) -> TillState:
    """The state from the rows of ``state_query``."""
    state = TillState(account=account)
    for r in rows:
        tag, n, s = r["tag"], r["n"], r["s"]
        if tag == "l":
            state.lots[r["id"]] = [n, r["t1"], r["t2"]]
        elif tag == "m":
            if r["t2"] is None or r["t2"] > now:
                kind, plan = s.split(":", 1)
                held = {"club": state.clubs, "paid": state.paid, "cobrand": state.cobrands}
                held[kind].add(plan)
        elif tag == "p":
            state.prior_hash = s
        elif tag == "q":
            state.spend = int(n or 0)
        elif tag == "b":
            if n:
                state.badges.add(s)
        elif tag == "c":
            state.categories[s] = int(n or 0)
    return state


@lru_cache(maxsize=64)
def _live_customer(account: ColumnElement) -> ColumnElement:
    return (
        select(func.coalesce(Customer.merged_into_id, Customer.id))
        .join(LoyaltyAccount, LoyaltyAccount.customer_id == Customer.id)
        .where(LoyaltyAccount.id == account)
        .scalar_subquery()
    )


@lru_cache(maxsize=64)
def _quote_statements(account: ColumnElement) -> tuple[Select, Select]:
    return cart_events(_live_customer(account)), pending(account)


def quote_extra(now: datetime) -> Extra:
    """What a quote shows besides the price: the member's open cart (its events) and the till
    messages waiting for them."""

    def build(account: ColumnElement) -> list[tuple[Select, dict]]:
        events, waiting = _quote_statements(account)
        return [(events, {"now": now}), (waiting, {"now": now})]

    return build


def confirm_extra(request: ReceiptRequest, now: datetime, dialect: str) -> Extra:
    """What a confirm reads besides the state: the till messages to deliver, then what the
    order needs (``till_orders.sale_reads``)."""

    def build(account: ColumnElement) -> list[tuple[Select, dict]]:
        waiting = _quote_statements(account)[1]
        return [(waiting, {"now": now}), *till_orders.sale_reads(request, account, dialect)]

    return build


_REFERRER = (
    select(LoyaltyAccount.id, LoyaltyAccount.balance, LoyaltyAccount.debt)
    .where(LoyaltyAccount.id == bindparam("referrer", type_=BigInteger))
    .with_for_update()
)


def lock_referrer(conn: Connection, state: TillState) -> None:
    """Load (locked) the referrer whose reward this receipt may trigger: the one case that
    writes to a second account."""
    row = conn.execute(_REFERRER, {"referrer": state.account.referred_by_id}).first()
    if row is not None:
        state.referrer = (row.id, row.balance, row.debt)


def stored_response(conn: Connection, request: ReceiptRequest) -> dict:
    return conn.scalar(
        select(LoyaltyOperation.response).where(
            LoyaltyOperation.terminal == request.terminal,
            LoyaltyOperation.kind == "confirm",
            LoyaltyOperation.op_key == request.receipt_id,
        )
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


def _write_book(conn: Connection, book: Book) -> None:
    """New lots, then entries (naming a new lot by its rule: one lot per rule and operation),
    then the points left in the lots that were there."""
    rules = {lot["key"]: lot["rule"] for lot in book.new_lots}
    if book.new_lots:
        conn.execute(
            insert(LOTS).inline(),
            [
                {k: v for k, v in lot.items() if k != "key"}
                | {"remaining": book.lots[lot["key"]][0]}
                for lot in book.new_lots
            ],
        )
    if book.entries:
        rows = []
        for entry in book.entries:
            lot = entry["lot_id"]
            new = lot is not None and lot < 0
            rows.append(
                entry
                | {
                    "lot_ref": None if new else lot,
                    "lot_op": book.operation_id,
                    "lot_rule": rules[lot] if new else None,
                }
            )
        conn.execute(_ENTRY, rows)
    if book.touched:
        conn.execute(_LOT_LEFT, [{"lot": i, "left": book.lots[i][0]} for i in sorted(book.touched)])


def write_outcome(conn: Connection, outcome: Outcome, sale: till_orders.SaleWrite) -> None:
    """Every write of a confirm and the COMMIT, sent pipelined (one round trip on PostgreSQL)."""
    with pipelined(conn):
        conn.execute(insert(OPERATIONS).inline(), outcome.operation)
        for book in outcome.books:
            _write_book(conn, book)
        conn.execute(insert(LINES).inline(), outcome.lines)
        till_orders.write_sale(conn, sale)
        if outcome.level_change is not None:
            conn.execute(insert(LEVEL_CHANGES).inline(), outcome.level_change)
        if outcome.badges:
            conn.execute(insert(BADGES).inline(), outcome.badges)
        for account_id, changes in outcome.accounts:
            conn.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(changes))
        conn.commit()


@contextmanager
def pipelined(conn: Connection) -> Iterator[None]:
    """On PostgreSQL, send the statements of the block without waiting for each answer (psycopg's
    pipeline mode): one round trip for all the writes of a confirm instead of one each."""
    if conn.dialect.name != "postgresql":
        yield
        return
    dbapi = conn.connection.dbapi_connection
    try:
        with dbapi.pipeline():  # type: ignore[union-attr]
            yield
    except conn.dialect.dbapi.IntegrityError as exc:  # raised when the pipeline syncs
        raise IntegrityError("pipelined writes", None, exc) from exc


_WRITERS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()


def writer(engine: Engine) -> AbstractContextManager:
    """SQLite: one writer at a time per process, queued on a lock, before BEGIN IMMEDIATE (which
    still guards against other processes). Without it the writers of one process would poll the
    database lock with SQLite's sleeping busy handler, which adds up to 100 ms a turn."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    lock = _WRITERS.get(engine)
    if lock is None:
        lock = _WRITERS.setdefault(engine, threading.Lock())
    return lock
