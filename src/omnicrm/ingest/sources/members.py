"""``members`` — the loyalty programme's registry. Each member becomes a customer profile with
its card, phone and e-mail as identifiers, the consents the member gave, and the account the old
system held (card state, opening balance, level), which the migration opens in the program."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Address, ConsentDecision, Member, RegistryAccount
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.postal import PARTS, RAW_LIMIT, read_parts
from omnicrm.ingest.sources.spec import STAGE_MEMBERS, Source

CONSENT_CHANNELS = ("email", "sms", "push")
CARD_STATES = ("active", "accrual_only", "blocked")
ENROL_CHANNELS = ("till", "web", "app", "sms", "messenger", "social", "wifi", "call_centre")
MAX_POINTS = 10**12
MAX_SPEND_MINOR = 10**15


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Member:
    f = Fields(raw)
    card = f.ident("card", "card_no", required=True)
    issued_at = f.aware("issued_at")
    store = f.store("store_code", catalog, required=False)
    names = [
        f.text(part, required=False, max_len=100)
        for part in ("last_name", "first_name", "middle_name")
    ]
    birth_date, birth_date_raw = f.birth_day("birth_date")
    gender = f.choice("gender", ("F", "M"), required=False)
    phone = f.ident("phone", "phone")
    email = f.ident("email", "email")
    city = f.text("city", required=False, max_len=100)
    address = _address(f, city)
    flags = {channel: f.flag(f"consent_{channel}") for channel in CONSENT_CHANNELS}
    asked = any(flag is not None for flag in flags.values())
    consent_at = f.aware("consent_at", required=asked)
    account = _account(f, catalog, card.value if card else "", store is not None)
    f.done()
    return Member(
        source="members",
        source_key=card.value,  # type: ignore[union-attr]
        enrolled_at=issued_at,  # type: ignore[arg-type]
        identifiers=idents(card, phone, email),
        consents=tuple(
            ConsentDecision(channel, granted, consent_at)  # type: ignore[arg-type]
            for channel, granted in flags.items()
            if granted is not None
        ),
        home_store_id=store.id if store else None,
        last_name=names[0],
        first_name=names[1],
        middle_name=names[2],
        birth_date=birth_date,
        gender=gender,
        city=city,
        account=account,
        birth_date_raw=birth_date_raw,
        address=address,
    )


def _address(f: Fields, city: str | None) -> Address | None:
    """The optional address columns; None when the member gave no address at all (a city alone
    is kept on the profile, as before)."""
    parts = read_parts(f, (name for name in PARTS if name != "city"))
    raw = f.text("address_raw", required=False, max_len=RAW_LIMIT)
    if not raw and not any(parts.values()):
        return None
    return Address(city=city, raw=raw, **parts)


def _account(f: Fields, catalog: Catalog, card: str, in_store: bool) -> RegistryAccount:
    """The optional migration columns; a level must be one of the program's levels (checked
    when the account opens if no program is loaded yet)."""
    level = f.text("level", required=False, max_len=40)
    known = catalog.levels if level is not None else None
    if known is not None and level not in known:
        f.fail("level", f"must be one of the program's levels {', '.join(sorted(known))}")
    return RegistryAccount(
        card=card,
        card_state=f.choice("card_state", CARD_STATES, required=False) or "active",
        points_balance=f.integer("points_balance", required=False, minimum=0, maximum=MAX_POINTS)
        or 0,
        period_spend_minor=f.integer(
            "period_spend_minor", required=False, minimum=0, maximum=MAX_SPEND_MINOR
        )
        or 0,
        level=level,
        level_since=f.aware("level_since", required=False),
        points_expire_at=f.aware("points_expire_at", required=False, future=True),
        channel=f.choice("channel", ENROL_CHANNELS, required=False)
        or ("till" if in_store else "registry"),
    )


COLUMNS = (
    "card_no",
    "issued_at",
    "store_code",
    "last_name",
    "first_name",
    "middle_name",
    "birth_date",
    "gender",
    "phone",
    "email",
    "city",
    "consent_email",
    "consent_sms",
    "consent_push",
    "consent_at",
)
OPTIONAL_COLUMNS = (
    "card_state",
    "points_balance",
    "period_spend_minor",
    "level",
    "level_since",
    "points_expire_at",
    "channel",
    "region",
    "postcode",
    "street",
    "house",
    "flat",
    "address_raw",
)

SOURCE = Source(
    name="members",
    file_stem="loyalty_members",
    stage=STAGE_MEMBERS,
    validate=validate,
    columns=COLUMNS,
    optional_columns=OPTIONAL_COLUMNS,
)
