"""Identifier normalisers: one spelling per value, garbage rejected."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicrm.identity import normalize


@pytest.mark.parametrize(
    "raw",
    [
        "89162206393",
        "+7 (916) 220-63-93",
        "9162206393",
        "8 916 220 63 93",
        "7-916-220-63-93",
        " +79162206393 ",
    ],
)
def test_russian_phone_spellings_become_e164(raw: str) -> None:
    assert normalize.phone(raw) == "+79162206393"


def test_foreign_phone_with_plus_is_kept() -> None:
    assert normalize.phone("+375 29 123-45-67") == "+375291234567"


@pytest.mark.parametrize(
    "raw", ["", "abc", "12345", "+7 916 220", "0000000000", "8916220639x", "+7916220639312"]
)
def test_phone_garbage_is_rejected(raw: str) -> None:
    with pytest.raises(ValueError, match="phone"):
        normalize.phone(raw)


@given(st.from_regex(r"9[0-9]{9}", fullmatch=True))
def test_every_mobile_spelling_agrees(national: str) -> None:
    spellings = [
        national,
        "8" + national,
        "+7" + national,
        f"+7 ({national[:3]}) {national[3:6]}-{national[6:]}",
    ]
    assert {normalize.phone(s) for s in spellings} == {"+7" + national}


def test_email_is_trimmed_and_lowercased() -> None:
    assert normalize.email("  Anna.Ivanova@Mail.RU ") == "anna.ivanova@mail.ru"
    with pytest.raises(ValueError, match="e-mail"):
        normalize.email("anna.ivanova")


def test_card_is_13_digits() -> None:
    assert normalize.card(" 2000000123456 ") == "2000000123456"
    assert normalize.card("2000-0001-23456") == "2000000123456"
    for bad in ("200000012345", "20000001234567", "200000012345a"):
        with pytest.raises(ValueError, match="card"):
            normalize.card(bad)


def test_mac_hash_and_tokens() -> None:
    digest = "A" * 64
    assert normalize.mac(digest) == "a" * 64
    with pytest.raises(ValueError, match="MAC"):
        normalize.mac("abc")
    assert normalize.device(" D-C26DB0B5 ") == "d-c26db0b5"
    assert normalize.cookie("c-9F2") == "c-9F2"
    assert normalize.mp_buyer("323073021") == "323073021"
    assert normalize.face("f-1") == "f-1"
    with pytest.raises(ValueError, match="cookie"):
        normalize.cookie("two words")


def test_masked_phone_is_its_own_kind() -> None:
    assert normalize.phone_mask("+7 (916) ***-**-93") == "+7916*****93"
    assert "phone_mask" not in normalize.LINKABLE
    with pytest.raises(ValueError, match="masked"):
        normalize.phone_mask("hidden")


def test_normalize_dispatches_on_kind() -> None:
    assert normalize.normalize("email", "A@B.RU") == "a@b.ru"
    assert set(normalize.KINDS) == set(normalize.NORMALIZERS)
    with pytest.raises(ValueError, match="kind"):
        normalize.normalize("passport", "1234")
