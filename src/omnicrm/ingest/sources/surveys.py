"""``surveys`` — NPS (0-10) and CSI (1-5) answers, after a purchase or a service contact."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Event
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.spec import STAGE_EVENTS, Source

SCALES = {"nps": (0, 10), "csi": (1, 5)}


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Event:
    f = Fields(raw)
    response_id = f.text("response_id", max_len=200)
    survey = f.choice("survey", SCALES)
    channel = f.text("channel", max_len=20)
    low, high = SCALES.get(survey or "", (None, None))
    score = f.integer("score", minimum=low, maximum=high)
    comment = f.text("comment", required=False, max_len=4000)
    order_ref = f.text("order_ref", required=False, max_len=128)
    phone = f.ident("phone", "phone")
    email = f.ident("email", "email")
    answered_at = f.aware("answered_at")
    f.done()
    return Event(
        source="surveys",
        source_key=response_id,  # type: ignore[arg-type]
        kind="survey_answer",
        channel=channel,  # type: ignore[arg-type]
        occurred_at=answered_at,  # type: ignore[arg-type]
        identifiers=idents(phone, email),
        attrs={"survey": survey, "score": score, "comment": comment},
        order_ref=order_ref,
    )


COLUMNS = (
    "response_id",
    "survey",
    "channel",
    "order_ref",
    "phone",
    "email",
    "score",
    "comment",
    "answered_at",
)

SOURCE = Source(
    name="surveys",
    file_stem="survey_answers",
    stage=STAGE_EVENTS,
    validate=validate,
    columns=COLUMNS,
)
