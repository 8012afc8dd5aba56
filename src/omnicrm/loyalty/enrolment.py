"""Enrolment from every channel, with consent captured, and phone verification by SMS code.

An enrolment resolves against existing customers by normalised phone and e-mail through the
identity resolver's policies (``identity.incremental.find_profile``: blocked and quarantined values
name nobody, aliases are followed, two profiles the contacts prove one person are merged), so a
shopper known from any channel keeps one profile; only when nobody matches is a profile created."""

import hashlib
import hmac
import logging
import math
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnicrm.core.errors import Conflict, FieldError, InvalidRecord, TooManyRequests
from omnicrm.core.masking import mask_phone
from omnicrm.identity.incremental import find_profile
from omnicrm.identity.normalize import normalize
from omnicrm.loyalty import repository
from omnicrm.loyalty.ledger import CardState
from omnicrm.loyalty.schemas import AddressIn, EnrolOut, EnrolRequest, SmsCodeOut
from omnicrm.loyalty.social_login import SocialAccount, TokenVerifier
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Consent, Customer, Identifier, RecordAddress
from omnicrm.store.schema.loyalty import LoyaltyAccount, LoyaltySmsCode

CODE_TTL = timedelta(minutes=5)
RESEND_AFTER = timedelta(seconds=60)
MAX_PER_HOUR = 5
HOUR = timedelta(hours=1)
MAX_ATTEMPTS = 5
VERIFIED_CHANNELS = frozenset({"web", "sms", "wifi", "messenger", "social"})
"""Channels where nobody saw the customer: a phone given there must be verified by code."""

SmsSender = Callable[[str, str], None]
"""The SMS gateway: ``send(phone, code)``; the app's is ``app.state.sms_sender``."""

log = logging.getLogger(__name__)


def log_sms_code(phone: str, code: str) -> None:
    """The gateway when none is configured: the log says a code was asked for, masked (never the
    code, only the tail of the phone: the log is read by more people than the customer file)."""
    masked = "*" * len(code)
    log.info("SMS code %s for %s not sent: no gateway configured", masked, mask_phone(phone))


def _digest(phone: str, code: str) -> str:
    return hashlib.sha256(f"{phone}:{code}".encode()).hexdigest()


def _phone(raw: str, field: str = "phone") -> str:
    try:
        return normalize("phone", raw)
    except ValueError as exc:
        raise InvalidRecord([FieldError(field, str(exc))]) from None


def request_sms_code(
    session: Session, raw_phone: str, now: datetime, send: SmsSender
) -> SmsCodeOut:
    """Send a 6-digit code to the phone through the gateway ``send``; at most one a minute and
    five an hour per phone (kept in the database, so every server process counts them)."""
    phone = _phone(raw_phone)
    count, first, last = session.execute(
        select(
            func.count(), func.min(LoyaltySmsCode.created_at), func.max(LoyaltySmsCode.created_at)
        ).where(LoyaltySmsCode.phone == phone, LoyaltySmsCode.created_at > now - HOUR)
    ).one()
    free_at = max(
        first + HOUR if count >= MAX_PER_HOUR else now,
        last + RESEND_AFTER if last is not None else now,
    )
    if free_at > now:
        wait = math.ceil((free_at - now).total_seconds())
        raise TooManyRequests("too many codes requested for this phone", retry_after=wait)
    code = f"{secrets.randbelow(1_000_000):06d}"
    session.add(
        LoyaltySmsCode(
            phone=phone, code_hash=_digest(phone, code), created_at=now, expires_at=now + CODE_TTL
        )
    )
    send(phone, code)
    return SmsCodeOut(phone=phone, expires_at=now + CODE_TTL)


def check_sms_code(session: Session, phone: str, code: str, now: datetime) -> str | None:
    """Consume the phone's latest code if ``code`` matches; else count the attempt and say why."""
    row = session.scalar(
        select(LoyaltySmsCode)
        .where(LoyaltySmsCode.phone == phone, LoyaltySmsCode.consumed_at.is_(None))
        .order_by(LoyaltySmsCode.created_at.desc())
        .limit(1)
    )
    if row is None or row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
        return "no valid code: request a new one"
    if not hmac.compare_digest(row.code_hash, _digest(phone, code)):
        row.attempts += 1
        return "wrong code"
    row.consumed_at = now
    return None


def enrol(
    engine: Engine, request: EnrolRequest, now: datetime, verifier: TokenVerifier | None = None
) -> EnrolOut:
    """Verify the social login's token with its provider (``verifier``) and the phone where the
    channel needs it (the attempt is kept even when it fails), then enrol in one unit of work;
    a concurrent enrolment of the same person is retried once and then finds the profile the
    other one created."""
    social = None
    if request.social is not None:
        if verifier is None:
            raise InvalidRecord([FieldError("social.provider", "no social login is configured")])
        social = verifier.verify(request.social.provider, request.social.id_token)
    if request.phone and request.channel in VERIFIED_CHANNELS:
        if not request.sms_code:
            raise InvalidRecord([FieldError("sms_code", "this channel needs the phone verified")])
        phone = _phone(request.phone)
        with unit_of_work(engine) as session:
            problem = check_sms_code(session, phone, request.sms_code, now)
        if problem:
            raise InvalidRecord([FieldError("sms_code", problem)])
    for attempt in (1, 2):
        try:
            with unit_of_work(engine) as session:
                return enrol_member(session, request, now, social)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _owner(session: Session, kind: str, value: str) -> int | None:
    return session.scalar(
        select(Identifier.customer_id).where(Identifier.kind == kind, Identifier.value == value)
    )


def _attach(session: Session, kind: str, value: str, customer_id: int, now: datetime) -> None:
    row = session.scalar(
        select(Identifier).where(Identifier.kind == kind, Identifier.value == value)
    )
    if row is None:
        session.add(Identifier(kind=kind, value=value, customer_id=customer_id, first_seen_at=now))
    elif row.customer_id is None:
        row.customer_id = customer_id


def _keep_address(session: Session, customer_id: int, address: AddressIn) -> None:
    """The address the member gave becomes the profile's registered address (``member``, as a
    registry member's), replacing an older one: identity compares it with other records'."""
    parts = {name: value or None for name, value in address.model_dump().items()}
    if any(parts.values()):
        session.merge(RecordAddress(record_type="member", record_id=customer_id, **parts))


def _card_number(account_id: int) -> str:
    return f"2{account_id:012d}"


def enrol_member(
    session: Session, request: EnrolRequest, now: datetime, social: SocialAccount | None = None
) -> EnrolOut:
    """Enrol the shopper (or return the existing membership); the phone and the social login
    are already verified. The provider's user id becomes a ``social`` identifier (it finds the
    member again at the next social sign-up), and the e-mail the provider verified stands for
    one not typed in."""
    program, _ = repository.program_in_force(session, request.program)
    keys: list[tuple[str, str]] = []
    if social is not None:
        try:
            keys.append(("social", normalize("social", social.identifier)))
        except ValueError as exc:
            raise InvalidRecord([FieldError("social.provider", str(exc))]) from None
    if request.phone:
        keys.append(("phone", _phone(request.phone)))
    email = request.email or (social.email if social else None)
    if email:
        try:
            keys.append(("email", normalize("email", email)))
        except ValueError as exc:
            raise InvalidRecord([FieldError("email", str(exc))]) from None
    device = None
    if request.device_id:
        device = ("device", normalize("device", request.device_id))
    customer_id = find_profile(session, keys, f"enrolment:{request.channel}").customer_id
    existed = customer_id is not None
    referrer = _referrer(session, request.referral_code, keys, device, customer_id)
    if customer_id is None:
        customer = Customer(
            created_at=now,
            source="loyalty",
            source_key=f"enrol:{uuid.uuid4().hex}",
            first_name=request.first_name,
            last_name=request.last_name,
            enrolled_at=now,
        )
        session.add(customer)
        session.flush()
        customer_id = customer.id
    for kind, value in [*keys, *([device] if device else [])]:
        _attach(session, kind, value, customer_id, now)
    if request.address is not None:
        _keep_address(session, customer_id, request.address)
    for channel, granted in request.consents.items():
        session.add(
            Consent(
                customer_id=customer_id,
                channel=channel,
                granted=granted,
                recorded_at=now,
                source=f"loyalty:{request.channel}",
            )
        )
    account_id = repository.account_of_customer(session, customer_id, program.code)
    created = account_id is None
    if account_id is None:
        first = program.levels.tiers[0] if program.levels else None
        account = LoyaltyAccount(
            customer_id=customer_id,
            program_code=program.code,
            card_state=CardState.ACTIVE.value,
            balance=0,
            debt=0,
            level=first.code if first else None,
            level_since=now if first else None,
            stamps={},
            referral_code=secrets.token_hex(4).upper(),
            referred_by_id=referrer,
            enrolled_channel=request.channel,
            created_at=now,
        )
        session.add(account)
        session.flush()
        account_id = account.id
        _attach(session, "card", _card_number(account_id), customer_id, now)
    account = repository.get_account(session, account_id)
    return EnrolOut(
        account_id=account_id,
        customer_id=customer_id,
        created=created,
        customer_existed=existed,
        card_number=_card_number(account_id),
        referral_code=account.referral_code,
    )


def _referrer(
    session: Session,
    code: str | None,
    keys: list[tuple[str, str]],
    device: tuple[str, str] | None,
    customer_id: int | None,
) -> int | None:
    """The referring account; refused when the friend is the referrer under another identifier
    (the same phone, e-mail, device or card belongs to the referrer's profile)."""
    if not code:
        return None
    row = session.execute(
        select(LoyaltyAccount.id, LoyaltyAccount.customer_id).where(
            LoyaltyAccount.referral_code == code.upper()
        )
    ).first()
    if row is None:
        raise InvalidRecord([FieldError("referral_code", "no such referral code")])
    shared = [
        kind
        for kind, value in [*keys, *([device] if device else [])]
        if _owner(session, kind, value) == row.customer_id
    ]
    if customer_id == row.customer_id or shared:
        raise Conflict(
            "self-referral refused: the friend shares an identifier with the referrer",
            details=[
                {"field": "referral_code", "message": f"shared: {', '.join(shared) or 'profile'}"}
            ],
        )
    return row.id
