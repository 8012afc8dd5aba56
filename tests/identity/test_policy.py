"""Identifier policies and name canonicalisation: pure rules, no database."""

from datetime import date

import pytest

from omnicrm.identity.person import PersonFacts, clearly_different, clearly_same
from omnicrm.identity.policy import creates_profile, is_blocked, links_alone, links_corroborated
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
