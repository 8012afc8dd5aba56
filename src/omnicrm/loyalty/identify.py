"""Identification at the till (phone, card, e-mail, QR, wallet pass, NFC tag, biometric token)
and the member's current picture: balance, level, the figure to the next level, stamps."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    func,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from omnicrm.core.errors import FieldError, InvalidRecord, NotFound
from omnicrm.customers import carts
from omnicrm.customers.schemas import CartOut
from omnicrm.identity.normalize import normalize
from omnicrm.loyalty import ledger, levels, repository
from omnicrm.loyalty.programs import Program
from omnicrm.loyalty.schemas import (
    TOKEN_KINDS,
    AccountOut,
    Balance,
    Identification,
    IdentifyRequest,
    NextLevel,
)
from omnicrm.store.schema import Customer, Identifier
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltyRegistryEntry, LoyaltyToken


def lookup(ident: Identification) -> tuple[str, dict]:
    """How ``ident`` finds its account (``account``, ``token`` or ``identifier``) and the values
    the lookup binds; 422 if it is malformed."""
    if ident.kind == "qr" and ident.value.startswith("CARD:"):  # a QR printed from the card
        ident = Identification(kind="card", value=ident.value.removeprefix("CARD:"))
    if ident.kind == "account":
        if not ident.value.isdigit():
            raise InvalidRecord([FieldError("identify.value", "an account id is a number")])
        return "account", {"account": int(ident.value)}
    if ident.kind in TOKEN_KINDS:
        return "token", {"kind": ident.kind, "value": ident.value}
    try:
        value = normalize(ident.kind, ident.value)
    except ValueError as exc:
        raise InvalidRecord([FieldError("identify.value", str(exc))]) from None
    card = value if ident.kind == "card" else None
    return "identifier", {"kind": ident.kind, "value": value, "card": card}


def find_account(query: Select, by: str, program_code: ColumnElement) -> Select:
    """``query`` (over ``loyalty_accounts``) narrowed to the account a lookup ``by`` names. An
    identifier names a person: the profile holding it or, once merged, its survivor (a merge
    points every retired id straight at it) with every profile merged into it. Accounts stay on
    the profile that opened them, so the person may hold several in the program: the one opened
    with the presented card wins, else the oldest."""
    a = LoyaltyAccount
    if by == "account":
        return query.where(a.id == bindparam("account", type_=BigInteger))
    if by == "token":
        token = select(LoyaltyToken.account_id).where(
            LoyaltyToken.kind == bindparam("kind"),
            LoyaltyToken.value == bindparam("value"),
            LoyaltyToken.revoked_at.is_(None),
        )
        return query.where(a.id == token.scalar_subquery())
    live = (
        select(func.coalesce(Customer.merged_into_id, Customer.id))
        .join(Identifier, Identifier.customer_id == Customer.id)
        .where(Identifier.kind == bindparam("kind"), Identifier.value == bindparam("value"))
        .scalar_subquery()
    )
    merged = aliased(Customer)
    person = union_all(select(live), select(merged.id).where(merged.merged_into_id == live))
    opened_with = and_(
        LoyaltyRegistryEntry.account_id == a.id,
        LoyaltyRegistryEntry.card == bindparam("card", type_=String),
    )
    return (
        query.outerjoin(LoyaltyRegistryEntry, opened_with)
        .where(a.customer_id.in_(person), a.program_code == program_code)  # indexed lookups
        .order_by(LoyaltyRegistryEntry.account_id.is_(None), a.id)
        .limit(1)
    )


def not_found(by: str, params: dict, kind: str) -> NotFound:
    """The error for a lookup that found no account."""
    if by == "account":
        return NotFound(f"no loyalty account {params['account']}")
    if by == "token":
        return NotFound(f"no member with this {kind} token")
    return NotFound(f"no member with this {kind}")


def resolve_account(session: Session, ident: Identification, program_code: str) -> int:
    """The account id the identification names; NotFound if nobody, 422 if it is malformed."""
    by, params = lookup(ident)
    query = find_account(select(LoyaltyAccount.id), by, bindparam("program", type_=String))
    account_id = session.connection().execute(query, params | {"program": program_code}).scalar()
    if account_id is None:
        raise not_found(by, params, ident.kind)
    return account_id


def balance_of(session: Session, account: LoyaltyAccount, now: datetime) -> Balance:
    lots = repository.as_lots(repository.holding_lots(session, account.id))
    return Balance(
        active=ledger.spendable(lots, now),
        pending=ledger.pending(lots, now),
        debt=account.debt,
        total=account.balance,
    )


def account_out(
    session: Session, account: LoyaltyAccount, program: Program, now: datetime
) -> AccountOut:
    next_level = None
    if program.levels is not None:
        since = levels.period_start(program.levels.period, now)
        spend = repository.qualifying_spend(session, account.id, since)
        found = levels.next_tier(program.levels, spend)
        if found is not None:
            next_level = NextLevel(level=found[0].code, remaining_minor=found[1])
    held = repository.memberships_in_force(session, account.id, now)
    return AccountOut(
        account_id=account.id,
        customer_id=account.customer_id,
        program=account.program_code,
        card_state=account.card_state,
        balance=balance_of(session, account, now),
        level=account.level,
        next_level=next_level,
        stamps=dict(account.stamps or {}),
        referral_code=account.referral_code,
        memberships=sorted(f"{k}:{p}" for k, plans in held.items() for p in plans),
    )


def identify_member(session: Session, request: IdentifyRequest, now: datetime) -> AccountOut:
    program, _ = repository.program_in_force(session, request.program)
    account_id = resolve_account(session, request.identify, program.code)
    account = repository.get_account(session, account_id)
    found = account_out(session, account, program, now)
    found.cart = cart_at_till(session, account.id, now)
    return found


LIVE_CUSTOMER = (
    select(func.coalesce(Customer.merged_into_id, Customer.id))
    .join(LoyaltyAccount, LoyaltyAccount.customer_id == Customer.id)
    .where(LoyaltyAccount.id == bindparam("account"))
)
"""The live profile of an account in one step: a merge points every retired id straight at its
survivor."""


def cart_at_till(session: Session, account_id: int, now: datetime) -> CartOut | None:
    """The member's open cart from every channel (C6): two indexed reads of prepared statements
    and no write, so the till's quote never waits on one."""
    live = session.connection().execute(LIVE_CUSTOMER, {"account": account_id}).scalar_one()
    return carts.open_cart(session, live, now)
