"""``camera`` — face-recognition tokens seen by a store's cameras (no images, only tokens)."""

from collections.abc import Mapping
from typing import Any

from omnicrm.ingest.canonical import Event
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.spec import STAGE_EVENTS, Source


def validate(raw: Mapping[str, Any], catalog: Catalog) -> Event:
    f = Fields(raw)
    store = f.store("store_code", catalog)
    camera = f.text("camera_id", max_len=32)
    face = f.ident("face", "face_token", required=True)
    seen_at = f.aware("seen_at")
    age_band = f.text("age_band", required=False, max_len=16)
    gender = f.choice("gender", ("F", "M"), required=False)
    f.done()
    return Event(
        source="camera",
        source_key=f"{raw['store_code']}/{camera}/{face.value}/{seen_at.isoformat()}",  # type: ignore[union-attr]
        kind="face_seen",
        channel="store",
        occurred_at=seen_at,  # type: ignore[arg-type]
        identifiers=idents(face),
        attrs={"camera_id": camera, "age_band": age_band, "gender": gender},
        store_id=store.id,  # type: ignore[union-attr]
    )


COLUMNS = (
    "store_code",
    "camera_id",
    "face_token",
    "seen_at",
    "age_band",
    "gender",
)

SOURCE = Source(
    name="camera", file_stem="camera_faces", stage=STAGE_EVENTS, validate=validate, columns=COLUMNS
)
