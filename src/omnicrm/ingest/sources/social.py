"""``social`` — interactions on social networks and messengers (a message to the brand's account,
a comment under a post, a reaction), with the platform's user id and whatever phone or e-mail
the person shared. Each becomes an event of the person's journey; the ``platform:user_id``
identifier links it (policy ``social``: alone, but no profile of its own for a follower who
never bought), a shared phone or e-mail links it as anywhere else."""

from collections.abc import Mapping
from typing import Any

from omnicrm.identity.normalize import normalize
from omnicrm.ingest.canonical import Event, Ident
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.spec import STAGE_EVENTS, Source

PLATFORMS = {
    "vk": "social",
    "ok": "social",
    "instagram": "social",
    "telegram": "messenger",
    "whatsapp": "messenger",
    "viber": "messenger",
    "max": "messenger",
}
"""Platform -> the channel its interactions are on."""
KINDS = ("message", "comment", "reaction")


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Event:
    f = Fields(raw)
    interaction = f.text("interaction_id", max_len=120)
    platform = f.choice("platform", PLATFORMS)
    user = f.text("user_id", max_len=128)
    kind = f.choice("kind", KINDS)
    at = f.aware("at")
    text = f.text("text", required=False, max_len=4000)
    url = f.text("url", required=False, max_len=2000)
    phone = f.ident("phone", "phone")
    email = f.ident("email", "email")
    social = None
    if platform and user:
        try:
            social = Ident("social", normalize("social", f"{platform}:{user}"))
        except ValueError as exc:
            f.fail("user_id", str(exc))
    f.done()
    attrs = {
        "platform": platform,
        **({"text": text} if text else {}),
        **({"url": url} if url else {}),
    }
    return Event(
        source="social",
        source_key=f"{platform}/{interaction}",
        kind=f"social_{kind}",
        channel=PLATFORMS[platform],  # type: ignore[index]
        occurred_at=at,  # type: ignore[arg-type]
        identifiers=idents(social, phone, email),
        attrs=attrs,
    )


COLUMNS = ("interaction_id", "platform", "user_id", "kind", "at", "text", "url", "phone", "email")

SOURCE = Source(
    name="social",
    file_stem="social_interactions",
    stage=STAGE_EVENTS,
    validate=validate,
    columns=COLUMNS,
)
