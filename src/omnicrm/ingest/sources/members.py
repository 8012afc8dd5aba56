"""``members`` — the loyalty programme's registry. Each member becomes a customer profile with
its card, phone and e-mail as identifiers, and the consents the member gave."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import ConsentDecision, Member
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.spec import STAGE_MEMBERS, Source

CONSENT_CHANNELS = ("email", "sms", "push")


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Member:
    f = Fields(raw)
    card = f.ident("card", "card_no", required=True)
    issued_at = f.aware("issued_at")
    store = f.store("store_code", catalog, required=False)
    names = [
        f.text(part, required=False, max_len=100)
        for part in ("last_name", "first_name", "middle_name")
    ]
    birth_date = f.day("birth_date")
    gender = f.choice("gender", ("F", "M"), required=False)
    phone = f.ident("phone", "phone")
    email = f.ident("email", "email")
    city = f.text("city", required=False, max_len=100)
    flags = {channel: f.flag(f"consent_{channel}") for channel in CONSENT_CHANNELS}
    asked = any(flag is not None for flag in flags.values())
    consent_at = f.aware("consent_at", required=asked)
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
    )


SOURCE = Source(name="members", file_stem="loyalty_members", stage=STAGE_MEMBERS, validate=validate)
