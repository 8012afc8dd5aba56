"""Every page, every analytics view and every report, rendered in Russian for each role, holds no
word outside the Russian catalogue: the visible text (and the titles, placeholders and labels a
person reads) is taken from the HTML, what is data (names, codes, SKUs, identifiers, numbers,
dates) is dropped, and every run of Latin letters left must be one of the few words Russian
writes in Latin (RFM, CSV, e-mail...)."""

import re
from collections.abc import Collection
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web_store import T0, Store, signed_in

from omnicrm.analytics.reports import REPORTS
from omnicrm.campaigns import audiences, campaign
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.promotions.lifecycle import create_promotion
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import (
    Brand,
    Category,
    Customer,
    Fulfilment,
    Identifier,
    Order,
    OrderStatus,
    Product,
)
from omnicrm.store.schema import Store as Shop
from omnicrm.store.schema.staff import StaffUser
from omnicrm.web.insights.views import BY_SLUG
from omnicrm.web.roles import Role

LATIN_WORDS = {
    # abbreviations and names Russian text writes in Latin
    "RFM", "ABC", "XYZ", "KPI", "CSV", "Excel", "API", "ID", "SMS", "NPS", "CSI", "ROMI", "CLV",
    "JSON", "Liquid", "SKU", "CSRF", "IANA", "UTC", "LTV", "VIP", "Push", "push", "E", "e", "mail",
    "omnicrm", "English", "EN", "Wi", "Fi",
    "P", "F", "M", "N", "R", "X", "Y", "Z", "A", "B", "C", "k", "n",
}  # fmt: skip
"""Letters and abbreviations (``P(alive)``'s P, ``RFM``'s R, F and M, ``k``-means) that stay
Latin in Russian; everything else must be translated."""
SKIPPED = {"script", "style", "code", "pre", "textarea"}
"""Code and typed input (rules as JSON, Liquid templates, commands) is the user's or the
machine's, not the page's words."""
READ_ATTRS = ("title", "placeholder", "aria-label", "alt")

PROMO, AUDIENCE, CAMPAIGN = "WELCOME10", "moscow", "spring"
DELIVERED = datetime(2025, 2, 11, 12, tzinfo=UTC)
PAGES = (
    "/dashboard", "/analytics", "/customers", "/customers/{anna}", "/customers/{petr}",
    "/identity/review", "/identity/merges/{merge}/unmerge", "/loyalty", "/promotions",
    "/promotions/new", "/promotions/{promo}", "/promotions/{promo}/simulate",
    "/promotions/{promo}/simulate?since=2025-01-01&until=2025-03-31", "/admin/users",
    "/admin/users/{user}", "/admin/keys", "/admin/audit", "/customers/{anna}/privacy/erase",
    "/surveys", "/audiences", "/audiences/new", "/audiences/{audience}", "/campaigns",
    "/campaigns/new", "/campaigns/{campaign}", "/campaigns/{campaign}/results", "/campaigns/policy",
    "/triggers", "/predictions", "/finance/liability", "/login",
    *(f"/analytics/{slug}?since=2025-01-01&until=2025-03-31" for slug in BY_SLUG),
    *(f"/analytics/reports/{name}?since=2025-01-01&until=2025-03-31" for name in REPORTS),
)  # fmt: skip


class _VisibleText(HTMLParser):
    """The runs of text a person reads, outside code and scripts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skipping.append(tag)
        values = dict(attrs)
        self.runs += [values[a] or "" for a in READ_ATTRS if a in values]
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.runs.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.runs.append(data.strip())


def visible_text(html: str) -> list[str]:
    parser = _VisibleText()
    parser.feed(html)
    return parser.runs


DATA = (
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"\b[A-Z]{1,4}\d*-\d+\b"),  # SKUs, store and receipt codes
    re.compile(r"\b[A-Z]+\d+\b"),  # codes such as S1, W3, WELCOME10
    re.compile(r"\b[a-z_]+:[\w*]+"),  # scopes and audit objects: till:*, customer:42
    re.compile(r"\b[a-z]+(?:-[a-z]+)*-\d+\b"),  # key names such as pos-store-001
    re.compile(r"\bomnicrm(?: [a-z]+)+"),  # a command to run
    re.compile(r"(?<!\S)/[\w/.?=&-]*"),  # a page's address
)


def foreign_runs(runs: list[str], data_words: set[str]) -> set[str]:
    """The runs holding a word of Latin letters that is neither data nor one of
    ``LATIN_WORDS``."""
    found = set()
    for run in runs:
        stripped = run
        for pattern in DATA:
            stripped = pattern.sub(" ", stripped)
        words = re.findall(r"[A-Za-z]+", stripped)
        if any(w not in LATIN_WORDS and w.lower() not in data_words for w in words):
            found.add(run)
    return found


FOREIGN_DATES = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{4}\b")
"""ISO and American dates: Russian text writes 05.03.2025."""
UNGROUPED = re.compile(r"(?<![+\d])\d{5,}(?!\d)")
"""A number of five digits or more without its thousands apart (``12 345``)."""


def unlocalised(runs: list[str], identifiers: Collection[str] = ()) -> set[str]:
    """Runs with a date not written the Russian way, or a long number not grouped (a card
    number or another identifier aside)."""
    found = set()
    for run in runs:
        text = run
        for value in identifiers:
            text = text.replace(value, " ")
        if FOREIGN_DATES.search(text) or UNGROUPED.search(text):
            found.add(run)
    return found


def identifiers(store: Store) -> set[str]:
    with read_session(store.engine) as s:
        return set(s.scalars(select(Identifier.value)))


def data_words(store: Store) -> set[str]:
    """Every Latin word of the names and identifiers the fixture stored: data, not the page's."""
    texts: list[str | None] = []
    with read_session(store.engine) as s:
        for column in (
            Customer.first_name, Customer.last_name, Identifier.value, Product.name,
            Product.sku, Category.name, Brand.name, Shop.name, Shop.code, Shop.timezone,
            StaffUser.username, StaffUser.full_name, Order.source_key,
        ):  # fmt: skip
            texts += s.scalars(select(column))
    texts += [PROMO, "Welcome", AUDIENCE, "Moscow", CAMPAIGN, "Spring", "Hello", "Europe"]
    return {w.lower() for t in texts if t for w in re.findall(r"[A-Za-z]+", t)}


@pytest.fixture(scope="module")
def world(sales: Store) -> Store:
    """The sales store with a program, a promotion, an audience, a campaign and a delivered
    courier order: what the pages show of each."""
    with unit_of_work(sales.engine) as s:
        program = read_program_file(EXAMPLES / "retail.json")
        save_program(s, program.model_copy(update={"code": "main"}))  # Anna's account's
        create_promotion(s, {
            "code": PROMO, "name": "Welcome",
            "effects": [{"type": "percent_off", "percent": "10"}],
            "conditions": [{"type": "cart_total", "min_minor": 100000}],
        }, T0)  # fmt: skip
        moscow = {"type": "attribute", "field": "city", "values": ["Москва"]}
        audiences.save(s, AUDIENCE, "Moscow", audiences.parse_rule(moscow), T0)
        campaign.create(s, campaign.NewCampaign(
            code=CAMPAIGN, name="Spring", audience=AUDIENCE, channel="sms",
            variants=(campaign.Variant(name="A", text="Hello"),),
        ), T0)  # fmt: skip
        web_order = s.scalar(select(Order).where(Order.channel == "web"))
        web_order.status = "delivered"
        s.add(Fulfilment(order_id=web_order.id, kind="courier", address="Тверская, 1"))
        for status in ("shipped", "delivered"):
            s.add(OrderStatus(order_id=web_order.id, status=status, at=DELIVERED, source="web"))
    return sales


@pytest.fixture(scope="module")
def clients(world: Store) -> dict[str, TestClient]:
    return {role.value: signed_in(world.engine, role.value) for role in Role}


def _url(template: str, store: Store) -> str:
    return template.format(
        anna=store.anna, petr=store.petr, merge=store.merge_id, promo=PROMO, user=1,
        audience=AUDIENCE, campaign=CAMPAIGN,
    )  # fmt: skip


@pytest.mark.parametrize("role", [r.value for r in Role])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_russian(
    world: Store, clients: dict[str, TestClient], page: str, role: str
) -> None:
    response = clients[role].get(_url(page, world))
    assert response.status_code in (200, 403), response.text[:500]
    assert '<html lang="ru">' in response.text
    runs = visible_text(response.text)
    assert foreign_runs(runs, data_words(world)) == set()
    assert unlocalised(runs, identifiers(world)) == set()


def test_the_check_finds_english_and_lets_data_through() -> None:
    html = (
        '<p title="Open">Клиент Анна: 1 234,50 ₽, SH-1, anna@mail.ru, RFM</p>'
        "<script>var x = 'English'</script><code>omnicrm loyalty load</code>"
        "<td>Champions</td><td>Acme</td>"
    )
    assert foreign_runs(visible_text(html), {"acme"}) == {"Open", "Champions"}
    dates = visible_text("<p>с 05.03.2025</p><p>с 2025-03-05</p><p>03/05/2025</p>")
    assert unlocalised(dates) == {"с 2025-03-05", "03/05/2025"}
    numbers = visible_text("<p>12\u00a0345 ₽</p><p>12345 ₽</p><p>карта 2000000000017</p>")
    assert unlocalised(numbers, {"2000000000017"}) == {"12345 ₽"}


def test_what_the_marketer_found_reads_russian(
    world: Store, clients: dict[str, TestClient]
) -> None:
    marketer = clients[Role.MARKETER.value]
    profile = visible_text(marketer.get(f"/customers/{world.petr}").text)
    assert "Заказ" in profile
    assert "Порядок" not in profile
    journey = " ".join(profile)
    assert "статус: доставлен" in journey
    assert "получение: курьер" in journey
    loyalty = " ".join(visible_text(marketer.get("/loyalty?program=main").text))
    assert "за период «последние 365 дн.»" in loyalty
    inactive = marketer.get("/analytics/reports/inactive?since=2025-01-01&until=2025-03-31").text
    assert "Клиенты без покупок за 90 дн." in inactive
    assert "<td>Золотой</td>" in inactive  # Anna's level by its name, not ``gold``
