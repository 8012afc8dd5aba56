"""Templates: personal values, the render limits a runaway template hits, the plain-text part and
the unsubscribe link on every marketing e-mail."""

from datetime import date

import pytest

from omnicrm.campaigns import unsubscribe
from omnicrm.campaigns.templates import Personal, Template
from omnicrm.core.errors import InvalidRecord, NotFound

ANNA = Personal(
    customer_id=7,
    first_name="Anna",
    level="silver",
    balance=500,
    points_expiring=200,
    points_expire_on=date(2025, 10, 11),
    offer_code="AUTUMN",
)


def test_personal_values_render_and_the_link_is_added_to_both_parts() -> None:
    t = Template(
        "{{ first_name }}, {{ points_expiring }} points expire",
        "Hi {{ first_name | default: 'friend' }}: {{ balance }} points ({{ level }}), "
        "{{ points_expiring }} expire on {{ points_expire_on }}. Code {{ offer_code }}.",
        "<p>Hi {{ first_name }}</p>",
    )
    r = t.render(ANNA, "https://x/u/tok")
    assert r.subject == "Anna, 200 points expire"
    assert r.text.startswith("Hi Anna: 500 points (silver), 200 expire on 2025-10-11. Code AUTUMN.")
    assert r.text.endswith("Unsubscribe: https://x/u/tok\n")
    assert r.html == '<p>Hi Anna</p><p><a href="https://x/u/tok">Unsubscribe</a></p>'
    anonymous = t.render(Personal(customer_id=8), None)
    assert anonymous.text.startswith("Hi friend: 0 points")
    assert "Unsubscribe" not in anonymous.text


def test_a_template_that_places_the_link_gets_it_once() -> None:
    r = Template(None, "Bye: {{ unsubscribe_url }}", None).render(ANNA, "https://x/u/t")
    assert r.text == "Bye: https://x/u/t"


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in (1..100000) %}x{% endfor %}",
        "{% for i in (1..900) %}{{ 'x' | append: LONG }}{% endfor %}",
    ],
    ids=["loop", "output"],
)
def test_runaway_templates_stop_at_a_limit(source: str) -> None:
    with pytest.raises(InvalidRecord) as exc:
        Template(None, source.replace("LONG", repr("y" * 200)), None).render(ANNA, None)
    assert exc.value.errors[0].field == "template"
    assert "limit" in exc.value.errors[0].message


def test_a_template_that_does_not_parse_is_refused_naming_its_part() -> None:
    with pytest.raises(InvalidRecord) as exc:
        Template("ok", "{% for x in y %}never closed", "{{ fine }}")
    assert [e.field for e in exc.value.errors] == ["text"]


def test_unsubscribe_tokens_round_trip_and_refuse_forgeries() -> None:
    token = unsubscribe.make_token(42, "email", "autumn")
    assert unsubscribe.read_token(token) == unsubscribe.Unsubscribe(42, "email", "autumn")
    assert unsubscribe.read_token(unsubscribe.make_token(5, "sms", None)).campaign is None
    forged = unsubscribe.make_token(43, "email", "autumn").split(".")[0] + "." + token.split(".")[1]
    for bad in (forged, token + "x", "nonsense", ""):
        with pytest.raises(NotFound):
            unsubscribe.read_token(bad)


def test_parts_render_as_if_alone_whatever_the_one_pass_shortcut() -> None:
    # an assign in the subject does not leak into the text
    leaky = Template("{% assign x = 'S' %}Hi {{ x }}", "[{{ x }}]", None).render(ANNA, None)
    assert (leaky.subject, leaky.text) == ("Hi S", "[]")
    # a value holding the separator of the joined parts is printed as it is
    odd = Personal(customer_id=9, first_name="A\x00B")
    r = Template("{{ first_name }}", "Hi {{ first_name }}", "<b>{{ first_name }}</b>").render(
        odd, None
    )
    assert (r.subject, r.text, r.html) == ("A\x00B", "Hi A\x00B", "<b>A\x00B</b>")
    # the output limit holds per part, not over the parts together
    long = "x" * 60_000
    both = Template("s", long + "{{ balance }}", long).render(ANNA, None)
    assert (len(both.text), len(both.html or "")) == (60_003, 60_000)
