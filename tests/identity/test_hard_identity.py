"""Identity without a shared key (issue 14, items 1, 2, 6): addresses and raw birth dates kept at
import, normalised for comparison, and a generator-made Latin registry of people with typos,
swaps, broken dates, moves and families resolved through the command line on both backends."""

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from omnicrm.cli import app
from omnicrm.identity.addresses import normalise, parse_line
from omnicrm.identity.diminutives import name_key
from omnicrm.identity.probabilistic import doubt
from omnicrm.identity.profiles import birth_digits, profiles
from omnicrm.store.schema import Customer, RecordAddress, ReviewItem
from omnicrm.synth.hard import pairwise, read_truth

F1_AT_LEAST = 0.92
"""The CLI path on the small hard registry below (measured 0.957 with the default thresholds);
the generator makes every kind of error the issue lists, so a stage that trusts only exact
agreement stays far under this (about 0.75 at the old merge threshold 0.999)."""
PRECISION_AT_LEAST = 0.99


@pytest.mark.parametrize(
    ("line", "street", "house", "flat"),
    [
        ("ул. Ленина, д. 5, кв. 12", "lenina", "5", "12"),
        ("улица Лёнина 5-12", "lenina", "5", "12"),
        ("Lenina ul, 5, kv 12", "lenina", "5", "12"),
        ("г. Москва, пр-т Мира, д. 5к2, кв. 7, 129090", "mira", "5k2", "7"),
        ("Unit 4, 12 Smith St", "smith", "12", "4"),
        ("4/12 Smith Street, Bondi NSW 2026", "smith", "12", "4"),
    ],
)
def test_address_lines_fold_to_one_form(line: str, street: str, house: str, flat: str) -> None:
    parsed = parse_line(line)
    assert (parsed.street, parsed.house, parsed.flat) == (street, house, flat)


def test_structured_parts_fold_like_the_line() -> None:
    parts = normalise(street="пр-т Мира", house="д. 5 корп. 2", flat="кв. 7", code="129 090")
    assert (parts.street, parts.house, parts.flat, parts.postcode) == ("mira", "5k2", "7", "129090")
    assert normalise(street="12 Smith Rd").house == "12"


def test_diminutives_and_broken_dates_compare() -> None:
    assert name_key("Саша") == name_key("Sasha") == name_key("Александр")
    assert name_key("Bob") == name_key("Robert") != name_key("Richard")
    assert birth_digits(None, "30.02.1985") == birth_digits(None, "1985-02-30") == "19850230"


def _row(first: str, last: str, dob: str | None, gender: str | None = None) -> dict:
    return {"raw_first": first, "raw_last": last, "first_key": name_key(first), "dob": dob,
            "gender": gender}  # fmt: skip


def test_the_guard_doubts_other_people_not_typos() -> None:
    assert doubt(_row("Robert", "Smith", "19800120"), _row("Bob", "Smyth", "19800190")) is None
    assert doubt(_row("Anna", "Ivanova", "19800120"), _row("Ivanova", "Anna", None)) is None
    assert doubt(_row("Anna", "Ivanova", "19800120"), _row("Anna", "Ivanova", "19551231"))
    assert doubt(_row("Anna", "Ivanova", None), _row("Maria", "Ivanova", None)) == "names differ"


def _cli(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def test_a_registry_member_keeps_a_broken_birth_date_and_the_address(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "loyalty_members.csv"
    path.write_text(
        "card_no,issued_at,store_code,last_name,first_name,middle_name,birth_date,gender,phone,"
        "email,city,consent_email,consent_sms,consent_push,consent_at,street,house,flat,"
        "address_raw\n"
        "2000000000015,2024-01-01T10:00:00+03:00,,Иванова,Анна,,1985-02-30,F,,,Москва,,,,,"
        "ул. Ленина,д. 5,кв. 12,\n"
        "2000000000022,2024-01-01T10:00:00+03:00,,Petrova,Olga,,,F,,,,,,,,,,,"
        '"4/12 Smith St, Bondi NSW 2026"\n',
        encoding="utf-8",
    )
    _cli("import", str(path), "--db", engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        people = conn.execute(select(Customer.source_key, Customer.birth_date_raw)).all()
        homes = conn.execute(select(RecordAddress.street, RecordAddress.raw)).all()
    assert sorted(people) == [("2000000000015", "1985-02-30"), ("2000000000022", None)]
    assert sorted(homes, key=str) == [
        ("ул. Ленина", None), (None, "4/12 Smith St, Bondi NSW 2026")
    ]  # fmt: skip
    compared = {r["raw_last"]: r for r in profiles(engine).to_pylist()}
    assert compared["Иванова"]["dob"] == "19850230"
    assert (compared["Иванова"]["street"], compared["Иванова"]["flat"]) == ("lenina", "12")
    assert (compared["Petrova"]["postcode"], compared["Petrova"]["house"]) == ("2026", "12")


def test_a_hard_latin_registry_resolves_through_the_cli(engine: Engine, tmp_path: Path) -> None:
    db = engine.url.render_as_string(hide_password=False)
    data = tmp_path / "hard"
    _cli("synth", str(data), "--customers", "400", "--seed", "3", "--hard-identity")
    _cli("import", str(data / "loyalty_members.csv"), "--db", db)
    _cli("identity", "resolve", "--probabilistic", "--db", db)
    with engine.connect() as conn:
        cards = dict(conn.execute(text("SELECT value, customer_id FROM identifiers")).all())
        reviews = conn.execute(select(ReviewItem.evidence)).scalars().all()
        held = conn.execute(
            select(ReviewItem.score, ReviewItem.queued_because, ReviewItem.status).where(
                ReviewItem.queued_because.like("guard: %")
            )
        ).all()
    quality = pairwise(read_truth(data / "ground_truth.csv"), cards)
    assert quality["precision"] >= PRECISION_AT_LEAST, quality
    assert quality["f1"] >= F1_AT_LEAST, quality
    # The guard no longer drops a pair the model scored: a doubted pair above merge_at waits
    # (stale once other links made its two profiles one).
    assert held
    assert all(score >= 0.9 and status in ("pending", "stale") for score, _, status in held)
    weights = reviews[0]["weights"]  # each comparison's level and match weight, for the reviewer
    assert {"name", "dob", "address"} <= set(weights)
    assert all({"level", "weight"} == set(w) for w in weights.values())
