"""The loyalty registry: every member's identifiers are kept as raw records (``member``), so a
phone a family shares is seen on each member even though only the first owns it in
``identifiers``; bulk and streaming write the same rows, once."""

from pathlib import Path

from ingest_samples import MEMBERS, rows_of, table_counts, write_csv
from sqlalchemy import Engine, select

from omnicrm.ingest.bulk import import_file
from omnicrm.ingest.stream import ingest_records
from omnicrm.store.db import read_session
from omnicrm.store.schema import Customer, Identifier, RecordIdentifier

ANNA_PHONE = "+79162206393"


def _family() -> list[list[str]]:
    """The sample registry plus Anna's daughter, registered with her mother's phone."""
    daughter = [*MEMBERS[1]]
    daughter[0], daughter[4], daughter[9] = "2000000777777", "Мария", ""
    return [*MEMBERS, daughter]


def _member_identifiers(engine: Engine) -> set[tuple[str, str, str, str | None]]:
    with read_session(engine) as s:
        return set(
            s.execute(
                select(
                    Customer.source_key,
                    RecordIdentifier.kind,
                    RecordIdentifier.value,
                    RecordIdentifier.raw,
                )
                .join(Customer, Customer.id == RecordIdentifier.record_id)
                .where(RecordIdentifier.record_type == "member")
            ).all()
        )


EXPECTED = {
    ("2000000123456", "card", "2000000123456", None),
    ("2000000123456", "phone", ANNA_PHONE, "8 916 220 63 93"),
    ("2000000123456", "email", "anna.ivanova@mail.ru", "Anna.Ivanova@Mail.ru"),
    ("2000000654321", "card", "2000000654321", None),
    ("2000000654321", "phone", "+79161112233", None),
    ("2000000777777", "card", "2000000777777", None),
    ("2000000777777", "phone", ANNA_PHONE, "8 916 220 63 93"),
}


def test_bulk_keeps_every_members_identifiers(
    engine: Engine, exports: Path, tmp_path: Path
) -> None:
    import_file(engine, exports / "stores.csv")
    path = write_csv(tmp_path / "loyalty_members.csv", _family())
    import_file(engine, path)
    assert _member_identifiers(engine) == EXPECTED
    with read_session(engine) as s:
        owner = s.scalar(select(Identifier.customer_id).where(Identifier.value == ANNA_PHONE))
        anna = s.scalar(select(Customer.id).where(Customer.source_key == "2000000123456"))
    assert owner == anna  # the resolved index still has one owner per value
    before = table_counts(engine)
    again = import_file(engine, path, source="members")
    assert (again.total.inserted, again.total.rejected) == (0, 0)
    assert table_counts(engine) == before


def test_streaming_writes_the_same_member_identifiers(engine: Engine, exports: Path) -> None:
    import_file(engine, exports / "stores.csv")
    raws = rows_of(_family())
    ingest_records(engine, "members", raws)
    assert _member_identifiers(engine) == EXPECTED
    before = table_counts(engine)
    answers = ingest_records(engine, "members", raws)
    assert {a.status for a in answers} == {"duplicate"}
    assert table_counts(engine) == before
