"""Who sees what (S1): every page against every role, the menu each role gets, and personal data
masked for the roles that do not need it."""

import pytest
from fastapi.testclient import TestClient
from web_store import EMAIL, PHONE, T0, Store, client_for, post, signed_in

from omnicrm.campaigns import audiences, campaign
from omnicrm.promotions.lifecycle import create_promotion
from omnicrm.store.db import unit_of_work

M, A, S, ADM, F = "marketer", "analyst", "store_staff", "administrator", "finance"
EVERYONE = {M, A, S, ADM, F}
WITH_CUSTOMERS = EVERYONE - {F}  # finance reads aggregates only

ANALYSTS = {M, A, ADM}
PAGES = {
    "/dashboard": ANALYSTS,
    "/dashboard/download?format=csv": ANALYSTS,
    "/analytics": ANALYSTS,
    "/analytics/rfm": ANALYSTS,
    "/analytics/abc": ANALYSTS,
    "/analytics/reports/inactive": ANALYSTS,
    "/analytics/reports/sales/download?format=xlsx": ANALYSTS,
    "/customers": WITH_CUSTOMERS,
    "/customers/{anna}": WITH_CUSTOMERS,
    "/identity/review": {M, ADM},
    "/identity/merges/{merge}/unmerge": {M, ADM},
    "/loyalty": {M, A, ADM, F},
    "/finance/liability": {F, ADM},
    "/finance/liability?as_of=2025-03-31": {F, ADM},
    "/promotions": {M, A, ADM},
    "/promotions?status=draft": {M, A, ADM},
    "/promotions/new": {M, ADM},
    "/promotions/{promo}": {M, A, ADM},
    "/promotions/{promo}/simulate": {M, A, ADM},
    "/promotions/{promo}/simulate?since=2025-01-01&until=2025-03-31": {M, A, ADM},
    "/admin/users": {ADM},
    "/admin/keys": {ADM},
    "/admin/audit": {ADM},
    "/customers/{anna}/privacy/download": {ADM},
    "/customers/{anna}/privacy/erase": {ADM},
    "/surveys": {M, A, ADM},
    "/surveys?by=month": {M, A, ADM},
    "/audiences": {M, A, ADM},
    "/audiences/new": {M, ADM},
    "/audiences/{audience}": {M, A, ADM},
    "/campaigns": {M, A, ADM},
    "/campaigns/new": {M, ADM},
    "/campaigns/{campaign}": {M, A, ADM},
    "/campaigns/{campaign}/results": {M, A, ADM},
    "/triggers": {M, A, ADM},
}
MENU = {
    M: ["/dashboard", "/customers", "/identity/review", "/loyalty", "/promotions", "/analytics",
        "/surveys", "/audiences", "/campaigns", "/triggers"],
    A: ["/dashboard", "/customers", "/loyalty", "/promotions", "/analytics", "/surveys",
        "/audiences", "/campaigns", "/triggers"],
    S: ["/customers"],
    F: ["/finance/liability", "/loyalty"],
    ADM: [
        "/dashboard", "/customers", "/identity/review", "/finance/liability", "/loyalty",
        "/promotions", "/analytics",
        "/surveys", "/audiences", "/campaigns", "/triggers", "/admin/users", "/admin/keys",
        "/admin/audit",
    ],
}  # fmt: skip
PROMO = "WELCOME10"
AUDIENCE, CAMPAIGN = "moscow", "spring"
MOSCOW = {"type": "attribute", "field": "city", "values": ["Москва"]}


@pytest.fixture(scope="module")
def clients(store: Store) -> dict[str, TestClient]:
    with unit_of_work(store.engine) as s:
        rules = {
            "code": PROMO,
            "name": "Welcome",
            "effects": [{"type": "percent_off", "percent": "10"}],
            "conditions": [{"type": "cart_total", "min_minor": 100000}],
        }
        create_promotion(s, rules, T0)
        audiences.save(s, AUDIENCE, "Moscow", audiences.parse_rule(MOSCOW), T0)
        campaign.create(s, campaign.NewCampaign(
            code=CAMPAIGN, name="Spring", audience=AUDIENCE, channel="sms",
            variants=(campaign.Variant(name="A", text="Hello"),),
        ), T0)  # fmt: skip
    return {role: signed_in(store.engine, role) for role in EVERYONE}


def _url(template: str, store: Store) -> str:
    return template.format(
        anna=store.anna, merge=store.merge_id, promo=PROMO, audience=AUDIENCE, campaign=CAMPAIGN
    )


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("page", sorted(PAGES))
def test_each_role_opens_only_its_pages(
    store: Store, clients: dict[str, TestClient], page: str, role: str
) -> None:
    response = clients[role].get(_url(page, store))
    assert response.status_code == (200 if role in PAGES[page] else 403), response.text[:500]
    if "/download" not in page or role not in PAGES[page]:
        assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("page", sorted(PAGES))
def test_nobody_signed_out_sees_a_page(
    store: Store, clients: dict[str, TestClient], page: str
) -> None:
    response = client_for(store.engine).get(_url(page, store))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


HOMES = [
    (M, "/dashboard"),
    (A, "/dashboard"),
    (ADM, "/dashboard"),
    (S, "/customers"),
    (F, "/finance/liability"),
]


@pytest.mark.parametrize(("role", "home"), HOMES)
def test_each_role_lands_on_its_home_page(
    clients: dict[str, TestClient], role: str, home: str
) -> None:
    assert clients[role].get("/").headers["location"] == home


def test_only_analysts_and_administrators_refresh_the_snapshot(
    store: Store, clients: dict[str, TestClient]
) -> None:
    for role, status in ((S, 403), (M, 403), (A, 303), (ADM, 303)):
        response = post(clients[role], "/analytics/refresh", {"next": "/analytics"})
        assert response.status_code == status, role


def test_only_marketers_and_administrators_change_promotions(
    clients: dict[str, TestClient],
) -> None:
    for role, status in ((S, 403), (A, 403), (M, 303), (ADM, 303)):
        response = post(clients[role], f"/promotions/{PROMO}/publish")
        assert response.status_code == status, role
        response = post(clients[role], f"/promotions/{PROMO}/pause")
        assert response.status_code == status, role


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_the_menu_lists_exactly_the_roles_pages(clients: dict[str, TestClient], role: str) -> None:
    html = clients[role].get(MENU[role][0]).text  # the role's home
    nav = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert [p for p in MENU[ADM] if f'href="{p}"' in nav] == MENU[role]


@pytest.mark.parametrize(("role", "reveals"), [(M, True), (ADM, True), (A, False), (S, False)])
def test_contacts_are_masked_for_roles_that_do_not_need_them(
    store: Store, clients: dict[str, TestClient], role: str, reveals: bool
) -> None:
    html = clients[role].get(f"/customers/{store.anna}").text
    assert (PHONE in html) is reveals
    assert (EMAIL in html) is reveals
    assert ("2000000000017" in html) is reveals
    if not reveals:
        assert "+7 916 ***-**-93" in html
        assert "a***@mail.ru" in html
        assert "17.05.1990" not in html
        assert "1990" in html


def test_a_search_by_phone_works_for_store_staff_without_revealing_it(
    clients: dict[str, TestClient], store: Store
) -> None:
    html = clients[S].get("/customers", params={"q": "8 (916) 220-63-93"}).text
    assert f'href="/customers/{store.anna}"' in html
    assert PHONE not in html


def test_every_profile_opening_is_audited(store: Store, clients: dict[str, TestClient]) -> None:
    clients[A].get(f"/customers/{store.anna}")
    html = clients[ADM].get("/admin/audit", params={"subject": f"customer:{store.anna}"}).text
    assert "analyst" in html
