"""Identifier policies, house card evidence and name canonicalisation: pure rules, no database."""

from datetime import date

import pyarrow as pa
import pytest

from omnicrm.identity.partition import LINKS_SCHEMA, ResolutionInput, partition
from omnicrm.identity.person import PersonFacts, clearly_different, clearly_same
from omnicrm.identity.policy import (
    POLICIES,
    creates_profile,
    is_blocked,
    is_registry_house_card,
    links_alone,
    links_corroborated,
    non_person_name,
)
from omnicrm.identity.translit import canonical_name, split_full_name


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("phone", "+79999999999"),
        ("phone", "+70000000000"),
        ("card", "0000000000000"),
        ("card", "1111111111111"),
        ("email", "test@test.ru"),
        ("email", "anna@example.com"),
        ("device", "00000000-0000-0000-0000-000000000000"),
    ],
)
def test_placeholder_values_are_blocked(kind: str, value: str) -> None:
    assert is_blocked(kind, value)


@pytest.mark.parametrize(
    ("kind", "value"),
    [("phone", "+79162206393"), ("card", "2000000123456"), ("email", "anna.ivanova@mail.ru")],
)
def test_real_values_are_not_blocked(kind: str, value: str) -> None:
    assert not is_blocked(kind, value)


def test_sensor_identifiers_never_link_alone_and_masked_phones_never_link() -> None:
    assert links_corroborated("mac")
    assert not links_alone("mac")
    assert links_corroborated("face")
    assert not links_alone("face")
    assert not links_alone("phone_mask")
    assert not links_corroborated("phone_mask")
    assert all(links_alone(kind) for kind in ("card", "phone", "email"))


def test_profiles_need_a_contact_or_a_purchase() -> None:
    assert creates_profile({"email"}, has_order=False)
    assert not creates_profile({"cookie"}, has_order=False)
    assert creates_profile({"device"}, has_order=True)
    assert not creates_profile({"mac", "face"}, has_order=True)


@pytest.mark.parametrize(
    "spellings",
    [
        ("Юлия", "Iuliia", "Yulia", "Yuliya"),
        ("Фёдор", "Fyodor", "Fedor"),
        ("Дмитрий", "Dmitry", "Dmitriy", "Dmitrii"),
        ("Сергей", "Sergei", "Sergey"),
        ("Хабибуллин", "Khabibullin", "Habibullin"),
        ("Щукин", "Shchukin", "Schukin"),
        ("Ксения", "Kseniya", "Xenia"),
        ("Соловьёв", "Solovyov", "Solovev"),
    ],
)
def test_translit_gives_one_canonical_latin_form(spellings: tuple[str, ...]) -> None:
    assert len({canonical_name(s) for s in spellings}) == 1


def test_full_names_split_and_drop_the_patronymic() -> None:
    assert split_full_name("Анна Иванова") == ("Анна", "Иванова")
    assert split_full_name("Павлов Павел Игоревич") == ("Павлов", "Павел")
    assert split_full_name("Анна И.") == ("Анна", "И.")
    assert split_full_name(" ") == (None, None)


def test_clearly_different_people() -> None:
    anna = PersonFacts("Анна", "Иванова", date(1990, 1, 2), "F")
    assert not clearly_different(anna, PersonFacts("Anna", "Ivanova"))
    assert not clearly_different(anna, PersonFacts("Иванова", "Анна"))  # surname first
    assert not clearly_different(anna, PersonFacts("Анна", "И."))  # marketplace initial
    assert clearly_different(anna, PersonFacts("Мария", "Иванова"))  # her mother
    assert clearly_different(anna, PersonFacts("Анна", "Иванова", date(1965, 5, 5)))
    assert not clearly_different(anna, PersonFacts())  # no data is no evidence
    assert clearly_same(anna, PersonFacts("Anna", "Ivanova", date(1990, 1, 2)))
    assert not clearly_same(anna, PersonFacts("Anna", "Ivanova"))


def test_typos_inside_one_script_are_not_different_people() -> None:
    timur = PersonFacts("Тимур", "Наумов")
    assert not clearly_different(timur, PersonFacts("Тиумр", "Нумов"))  # two slips
    assert not clearly_different(PersonFacts("Диана", "Елисеева"), PersonFacts("Динаа", "Елисееав"))
    assert not clearly_different(PersonFacts("Арсений", "Титов"), PersonFacts("Арсений", "Ттиов"))
    assert clearly_different(timur, PersonFacts("Тамара", "Наумова"))


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Карта", "Магазин S001", True),
        ("Касса", "3", True),
        ("Guest", "Card", True),
        ("Анна", "Иванова", False),
        ("Anna", "Ivanova", False),
        (None, None, False),
    ],
)
def test_non_person_names(first: str | None, last: str | None, expected: bool) -> None:
    assert non_person_name(first, last) is expected


def test_registry_house_card_needs_a_non_person_name_and_no_personal_data() -> None:
    assert is_registry_house_card("Карта", "Магазин S001", has_contact=False, has_birth_date=False)
    # a member who typed a digit into her name but gave a phone is still a member
    assert not is_registry_house_card("Анна2", "Иванова", has_contact=True, has_birth_date=False)
    assert not is_registry_house_card("Анна", "Иванова", has_contact=False, has_birth_date=False)


def test_frequency_alone_needs_more_baskets_than_a_household_makes() -> None:
    """Eight receipts in a day are a loyal shopper's; 21 are more than one household buys. Pure
    ``partition`` on Arrow input."""
    assert POLICIES["card"].max_receipts_a_day == 20
    links = pa.table(
        {
            "node_type": ["order"] * 29,
            "node_id": list(range(1, 30)),
            "kind": ["card"] * 29,
            "value": ["2000000000017"] * 8 + ["2500000000019"] * 21,
            "day": ["2025-03-01"] * 29,
        },
        schema=LINKS_SCHEMA,
    )
    (house,) = partition(ResolutionInput(links=links, people={})).quarantine
    assert (house.kind, house.value, house.reason) == ("card", "2500000000019", "house_card")
    assert house.evidence == {
        "too_frequent": {"most_receipts_a_day": 21, "days_over": 1, "limit": 20}
    }
