"""The promotions pages: the list with results, the constructor form (a refused form keeps the
input and shows each problem beside its field, nothing saved), publish and pause, coupons with
their CSV, and the simulation over the sales of ``web_sales``."""

import csv
import io

from sqlalchemy import func, select
from web_sales import PERIOD
from web_store import Store, post, signed_in

from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.promotions import Coupon, Promotion, PromotionVersion

NBSP = "\u00a0"
GOOD = {
    "name": "Обувь -10%",
    "code": "SHOES10",
    "trigger": "purchase",
    "stacking": "best",
    "priority": "50",
    "budget.money_minor": "10 000",
    "conditions[0].type": "items",
    "conditions[0].select.skus": "SH-1",
    "conditions[0].min_qty": "1",
    "effects[0].type": "percent_off",
    "effects[0].percent": "10",
    "effects[0].target": "lines",
    "effects[0].select.skus": "SH-1",
}


def _count(store: Store, model: type) -> int:
    with read_session(store.engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def _beside(html: str, dom_id: str) -> None:
    assert f'id="{dom_id}-error"' in html, html[:3000]
    assert f'aria-describedby="{dom_id}-error"' in html


def _create(client, data: dict = GOOD):  # type: ignore[no-untyped-def]
    return post(client, "/promotions/new", {**data, "action": "save"}, page="/promotions/new")


def test_a_bad_promotion_is_refused_beside_the_field_and_kept_in_the_form(
    fresh_sales: Store,
) -> None:
    marketer = signed_in(fresh_sales.engine, "marketer")
    bad = {**GOOD, "conditions[0].select.skus": "SH-1, NO-SUCH", "effects[0].percent": "150"}
    response = _create(marketer, bad)
    assert response.status_code == 400
    _beside(response.text, "conditions-0-select-skus")
    _beside(response.text, "effects-0-percent")
    assert "Неизвестный артикул: «NO-SUCH»" in response.text
    assert 'value="SH-1, NO-SUCH"' in response.text  # the input is kept
    assert 'value="Обувь -10%"' in response.text
    assert _count(fresh_sales, Promotion) == 0
    unreadable = _create(marketer, {**GOOD, "budget.money_minor": "lots"})
    assert unreadable.status_code == 400
    _beside(unreadable.text, "budget-money_minor")
    assert _count(fresh_sales, Promotion) == 0


def test_rows_are_added_and_removed_without_saving(fresh_sales: Store) -> None:
    marketer = signed_in(fresh_sales.engine, "marketer")
    form = {**GOOD, "action": "add_condition", "new_conditions_type": "cart_total"}
    added = post(marketer, "/promotions/new", form, page="/promotions/new")
    assert added.status_code == 200
    assert 'name="conditions[1].min_minor"' in added.text
    assert 'value="SH-1"' in added.text
    removed = post(marketer, "/promotions/new", {**GOOD, "action": "remove:conditions:0"},
                   page="/promotions/new")  # fmt: skip
    assert 'name="conditions[0].select.skus"' not in removed.text
    assert _count(fresh_sales, Promotion) == 0


def test_fix_save_publish_pause_and_list(fresh_sales: Store) -> None:
    marketer = signed_in(fresh_sales.engine, "marketer")
    saved = _create(marketer)
    assert saved.status_code == 303, saved.text[:2000]
    assert saved.headers["location"] == "/promotions/SHOES10"
    page = marketer.get("/promotions/SHOES10")
    assert "Черновик SHOES10 сохранён" in page.text
    assert 'value="10000,00"' in page.text  # the budget, in roubles
    with read_session(fresh_sales.engine) as s:
        draft = s.scalar(select(Promotion.draft))
    assert draft["budget"]["money_minor"] == 10_000_00
    assert draft["conditions"][0]["select"]["skus"] == ["SH-1"]
    edited = post(marketer, "/promotions/SHOES10", {**GOOD, "priority": "-1", "action": "save"},
                  page="/promotions/SHOES10")  # fmt: skip
    assert edited.status_code == 400
    _beside(edited.text, "priority")
    published = post(marketer, "/promotions/SHOES10/publish", page="/promotions/SHOES10")
    assert published.status_code == 303
    assert "запущена, версия 1" in marketer.get("/promotions/SHOES10").text
    assert _count(fresh_sales, PromotionVersion) == 1
    listed = marketer.get("/promotions", params={"status": "active"})
    assert 'id="promotion-SHOES10"' in listed.text
    assert "действует" in listed.text
    assert f"0,00{NBSP}₽ / 10{NBSP}000,00{NBSP}₽" in listed.text
    assert 'id="promotion-SHOES10"' not in marketer.get("/promotions?status=draft").text
    post(marketer, "/promotions/SHOES10/pause", page="/promotions/SHOES10")
    assert "приостановлена" in marketer.get("/promotions/SHOES10").text
    again = post(marketer, "/promotions/SHOES10/pause", page="/promotions/SHOES10")
    assert again.status_code == 303
    assert "Приостановить можно только" in marketer.get("/promotions/SHOES10").text


def test_coupons_are_generated_and_downloaded(fresh_sales: Store) -> None:
    marketer = signed_in(fresh_sales.engine, "marketer")
    assert _create(marketer).status_code == 303
    url = "/promotions/SHOES10"
    refused = post(marketer, f"{url}/coupons", {"count": "0", "max_uses": "1"}, page=url)
    assert refused.status_code == 400
    _beside(refused.text, "count")
    made = post(marketer, f"{url}/coupons", {"count": "25", "max_uses": "1", "prefix": "SH",
                                             "expires": "2030-12-31"}, page=url)  # fmt: skip
    assert made.status_code == 303
    page = marketer.get(url).text
    assert "Выпущено кодов: 25" in page
    batch = page.split('id="batch-', 1)[1].split('"', 1)[0]
    download = marketer.get(f"{url}/coupons/{batch}.csv")
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text.lstrip("\ufeff"))))
    assert rows[0] == ["code", "uses"]
    assert len(rows) == 26
    assert all(code.startswith("SH") for code, _ in rows[1:])
    assert _count(fresh_sales, Coupon) == 25
    analyst = signed_in(fresh_sales.engine, "analyst")
    assert analyst.get(f"{url}/coupons/{batch}.csv").status_code == 403


def test_the_simulation_shows_cost_and_reach_by_channel_and_store(fresh_sales: Store) -> None:
    marketer = signed_in(fresh_sales.engine, "marketer")
    assert _create(marketer).status_code == 303
    analyst = signed_in(fresh_sales.engine, "analyst")
    html = analyst.get("/promotions/SHOES10/simulate", params=PERIOD).text
    # SH-1 in P: Пётр 3 x 833,33 (S2) and the twin 999,50 (S1): 10 % is 249,99 + 99,95
    assert f'id="sim-discount">349,94{NBSP}₽<' in html
    assert 'id="sim-receipts">2 / 5<' in html
    assert 'id="sim-customers">2<' in html
    assert 'id="simulation-channel"' in html
    assert 'id="simulation-store"' in html
    by_store = html.split('id="by-store"', 1)[1]
    assert "S1" in by_store
    assert "S2" in by_store
    assert f"99,95{NBSP}₽" in by_store
    assert f"249,99{NBSP}₽" in by_store
    bad = analyst.get("/promotions/SHOES10/simulate", params={"since": "2025-03-01",
                                                              "until": "2025-01-01"})  # fmt: skip
    assert bad.status_code == 400
    assert 'id="until-error"' in bad.text


def test_the_analyst_reads_but_does_not_edit(fresh_sales: Store) -> None:
    assert _create(signed_in(fresh_sales.engine, "marketer")).status_code == 303
    analyst = signed_in(fresh_sales.engine, "analyst")
    page = analyst.get("/promotions/SHOES10").text
    assert '<fieldset class="plain-set" disabled>' in page
    assert 'id="publish"' not in page
    assert 'id="new-promotion"' not in analyst.get("/promotions").text
    refused = post(analyst, "/promotions/SHOES10", {**GOOD, "action": "save"}, page="/promotions")
    assert refused.status_code == 403
    assert post(analyst, "/promotions/SHOES10/publish", page="/promotions").status_code == 403


def test_the_pages_speak_english(fresh_sales: Store) -> None:
    marketer = signed_in(fresh_sales.engine, "marketer")
    post(marketer, "/lang", {"lang": "en", "next": "/promotions"})
    bad = {**GOOD, "conditions[0].select.skus": "NO-SUCH"}
    response = _create(marketer, bad)
    assert "unknown sku &#39;NO-SUCH&#39;" in response.text
    assert "Items in the cart" in response.text
    assert _create(marketer).status_code == 303
    html = marketer.get("/promotions/SHOES10/simulate", params=PERIOD).text
    assert "₽349.94" in html


def test_the_constructor_offers_the_programs_levels_and_the_catalogue_to_pick(
    fresh_sales: Store,
) -> None:
    """Levels come from the program, categories, brands and stores from the catalogue: picked
    from a list (several at once), never typed."""
    program = read_program_file(EXAMPLES / "retail.json")
    with unit_of_work(fresh_sales.engine) as s:
        save_program(s, program)
    marketer = signed_in(fresh_sales.engine, "marketer")
    form = {**GOOD, "action": "add_condition", "new_conditions_type": "customer_level"}
    page = post(marketer, "/promotions/new", form, page="/promotions/new").text
    levels = page.split('name="conditions[1].levels"', 1)[1].split("</select>", 1)[0]
    assert 'data-picker="levels"' in levels
    for tier in program.levels.tiers:
        assert f'<option value="{tier.code}">{tier.name}</option>' in levels
    categories = page.split('name="conditions[0].select.categories"', 1)[1].split("</select>")[0]
    assert '<option value="Shoes">Shoes</option>' in categories
    picked = {
        **GOOD,
        "conditions[1].type": "customer_level",
        "conditions[1].levels": ["gold", "silver"],
    }
    assert _create(marketer, picked).status_code == 303
    with read_session(fresh_sales.engine) as s:
        draft = s.scalar(select(Promotion.draft).where(Promotion.code == "SHOES10"))
    assert draft["conditions"][1] == {"type": "customer_level", "levels": ["gold", "silver"]}
    again = marketer.get("/promotions/SHOES10").text
    assert '<option value="gold" selected>Золотой</option>' in again
