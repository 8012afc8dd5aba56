"""The ``social`` source and the network address of web events: social interactions become
events carrying a ``platform:user_id`` identifier (and any phone or e-mail shared) that links
them alone; a web event's IP is kept only as a keyed hash that links nothing by itself, and its
user agent as an attribute."""

import json
from pathlib import Path

import pytest
from ingest_samples import CATALOG, write_csv
from sqlalchemy import Engine, select

from omnicrm.core.errors import InvalidRecord
from omnicrm.identity.policy import Linking, policy_of
from omnicrm.ingest.bulk import import_file
from omnicrm.ingest.network import ip_identifier
from omnicrm.ingest.sources import SOURCES
from omnicrm.ingest.stream import ingest_record
from omnicrm.privacy.suppression import digest
from omnicrm.store.db import read_session
from omnicrm.store.schema import Event, RecordIdentifier

SOCIAL = [
    ["interaction_id", "platform", "user_id", "kind", "at", "text", "url", "phone", "email"],
    ["c1", "vk", "id42", "comment", "2025-03-01T12:00:00+03:00", "Красиво!", "https://vk.com/w",
     "", ""],
    ["m1", "Telegram", "", "message", "2025-03-01T12:00:00+03:00", "", "", "", ""],
    ["m2", "telegram", "5501", "message", "2025-03-02T09:00:00+03:00", "Мой номер", "",
     "8 916 220-63-93", "Anna@Mail.ru"],
    ["r1", "whatsapp", "79162206393", "reaction", "2025-03-02T09:05:00+03:00", "like", "", "", ""],
]  # fmt: skip
WEB_EVENT = {
    "event_id": "e-ip-1",
    "ts": "2025-03-01T12:00:00+03:00",
    "cookie": "c-1",
    "type": "page_view",
    "url": "https://shop.test/",
    "ip": "::ffff:203.0.113.7",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
}


def _idents(engine: Engine, event_id: int) -> set[tuple[str, str]]:
    with read_session(engine) as session:
        query = select(RecordIdentifier.kind, RecordIdentifier.value).where(
            RecordIdentifier.record_type == "event", RecordIdentifier.record_id == event_id
        )
        return {tuple(row) for row in session.execute(query)}


def test_social_interactions_become_events_with_their_identifiers(
    engine: Engine, tmp_path: Path
) -> None:
    report = import_file(engine, write_csv(tmp_path / "social_interactions.csv", SOCIAL))
    counts = report.counts("social")
    assert (counts.inserted, counts.rejected) == (3, 1)
    assert [(e.row_no, e.field) for e in report.errors] == [(3, "platform"), (3, "user_id")]
    with read_session(engine) as session:
        events = {
            e.source_key: (e.kind, e.channel, e.attrs, e.id)
            for e in session.scalars(select(Event).where(Event.source == "social"))
        }
    kind, channel, attrs, event_id = events["telegram/m2"]
    assert (kind, channel) == ("social_message", "messenger")
    assert attrs == {"platform": "telegram", "text": "Мой номер"}
    assert _idents(engine, event_id) == {
        ("social", "telegram:5501"),
        ("phone", "+79162206393"),
        ("email", "anna@mail.ru"),
    }
    assert events["vk/c1"][:2] == ("social_comment", "social")
    assert events["whatsapp/r1"][:2] == ("social_reaction", "messenger")


def test_social_ids_have_their_own_policy() -> None:
    social, ip = policy_of("social"), policy_of("ip")
    assert (social.linking, ip.linking) == (Linking.ALONE, Linking.NEVER)  # type: ignore[union-attr]
    with pytest.raises(InvalidRecord) as refused:
        SOURCES["social"].validate({**dict(zip(SOCIAL[0], SOCIAL[1], strict=True)),
                                    "kind": "poke", "at": "yesterday"}, CATALOG)  # fmt: skip
    assert [e.field for e in refused.value.errors] == ["kind", "at"]


def test_a_web_events_address_is_stored_only_as_its_hash(engine: Engine) -> None:
    stored = ingest_record(engine, "web_events", WEB_EVENT)
    hashed = digest("ip", "203.0.113.7")
    assert ("ip", hashed) in _idents(engine, stored.id)
    assert ip_identifier("203.0.113.7").value == hashed  # one spelling per address
    with read_session(engine) as session:
        event = session.get(Event, stored.id)
        rows = session.scalars(select(RecordIdentifier.value)).all()
    assert event.attrs["user_agent"] == WEB_EVENT["user_agent"]
    dumped = json.dumps(event.attrs) + " ".join(rows)
    assert "203.0.113.7" not in dumped
    with pytest.raises(InvalidRecord) as bad:
        ingest_record(engine, "web_events", {**WEB_EVENT, "event_id": "e-ip-2", "ip": "300.1.1.1"})
    assert [e.field for e in bad.value.errors] == ["ip"]
