"""A person at the workstation, in a real browser: sign in, find a customer and read their 360
page, approve a suggested merge, switch the language, on a laptop and on a tablet; read the
dashboard's KPIs and charts (drawn by the locally served plotly.js), filter an analytics page and
download a report as CSV and Excel; build a promotion (a validation error beside its field, fixed)
and simulate it over the history. Every page is screenshotted into test-output/screenshots/ (CI
keeps them)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_demo import SCREENSHOTS, Demo
from sqlalchemy import func, select

from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.store.db import read_session
from omnicrm.store.schema import Order, OrderLine, Product, ReviewItem

LAPTOP = {"width": 1366, "height": 900}
TABLET = {"width": 768, "height": 1024}


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _fits_the_width(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.fixture(scope="module")
def page(browser, demo: Demo) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    """The administrator, signed in through the form."""
    context = browser.new_context(viewport=LAPTOP, base_url=demo.base_url, locale="ru-RU")
    page = context.new_page()
    page.goto("/customers")
    assert "/login" in page.url
    _shot(page, "01-login")
    page.fill("#username", "admin")
    page.fill("#password", "wrong password")
    page.click("button[type=submit]")
    assert page.locator("#password-error").is_visible()
    page.fill("#password", "omnicrm-admin")
    page.click("button[type=submit]")
    page.wait_for_url("**/customers")
    yield page
    context.close()


def test_find_a_customer_by_phone_and_read_the_360_page(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    _shot(page, "02-customers")
    digits = demo.member_phone[2:]
    spoken = f"8 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}"  # as a shopper says it
    page.fill("#q", spoken)
    page.click("form.search button")
    page.click(f'a[href="/customers/{demo.member_id}"]')
    page.wait_for_url(f"**/customers/{demo.member_id}")
    for section in ("identifiers", "consents", "loyalty", "orders", "journey", "merges"):
        assert page.locator(f"#{section}").is_visible()
    assert demo.member_phone in page.locator("#identifiers").inner_text()
    assert page.locator(".timeline li").count() > 3
    assert page.locator("#orders tbody tr").count() >= 1
    assert "Баллы" in page.locator("#loyalty").inner_text()
    page.click("#loyalty summary")
    assert page.locator("#loyalty table tbody tr").count() >= 2
    _shot(page, "03-customer-360")
    assert _fits_the_width(page)


def test_approve_a_suggested_merge_from_the_review_queue(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    page.goto("/identity/review")
    card = page.locator(f"#review-{demo.review_id}")
    assert card.is_visible()
    _shot(page, "04-identity-review")
    card.locator("form[action$='/approve'] button").click()
    page.wait_for_url("**/identity/review")
    assert page.locator(".flash.ok").is_visible()
    assert page.locator(f"#review-{demo.review_id}").count() == 0
    assert _charts_drawn(page, 1) == 1  # the decision made, the threshold chart is drawn
    assert page.locator("#threshold-chart svg.main-svg").count() >= 1
    with read_session(demo.engine) as s:
        item = s.get(ReviewItem, demo.review_id)
        assert item.status == "approved"
    page.goto(f"/customers/{item.left_id}")
    page.click("#merges a.button")
    page.wait_for_url("**/unmerge")
    _shot(page, "05-unmerge-preview")
    page.fill("#reason", "   ")  # passes the browser's own check, not the server's
    page.click("form button.danger")
    assert page.locator("#reason-error").is_visible()


def test_switch_language_and_visit_every_page(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    page.goto("/loyalty")
    assert page.locator("h1").inner_text() == "Программы лояльности"
    page.click("form.lang button[value=en]")
    page.wait_for_url("**/loyalty")
    assert page.locator("h1").inner_text() == "Loyalty programs"
    _shot(page, "06-loyalty-en")
    others = {"/admin/users": "07-users", "/admin/keys": "08-keys", "/admin/audit": "09-audit"}
    for path, name in {**others, "/customers/999999": "10-not-found"}.items():
        page.goto(path)
        _shot(page, name)
    page.goto(f"/customers/{demo.member_id}")
    assert "Journey across channels" in page.content()
    _shot(page, "11-customer-360-en")


def test_the_360_page_fits_a_tablet(browser, demo: Demo, page) -> None:  # type: ignore[no-untyped-def]
    tablet = browser.new_context(viewport=TABLET, base_url=demo.base_url)
    tablet.add_cookies(page.context.cookies())
    view = tablet.new_page()
    view.goto(f"/customers/{demo.member_id}")
    assert _fits_the_width(view)
    _shot(view, "12-customer-360-tablet")
    tablet.close()


def _charts_drawn(page, at_least: int) -> int:  # type: ignore[no-untyped-def]
    """Waits for plotly to draw ``at_least`` charts (each an SVG inside a .js-plotly-plot)."""
    page.wait_for_function(
        "n => document.querySelectorAll('.js-plotly-plot svg.main-svg').length >= n", arg=at_least
    )
    return page.locator(".js-plotly-plot").count()


def test_the_dashboard_draws_kpis_and_trend_charts(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
    page.goto("/dashboard")
    assert page.locator(".kpi").count() >= 10
    assert page.locator("#kpi-turnover_minor .kpi-value").inner_text().strip()
    assert _charts_drawn(page, 5) >= 6  # five trends and loyal vs one-time
    assert page.locator("#trend-revenue .bars path, #trend-revenue .point").count() > 0
    page.select_option("#grain", "week")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**grain=week**")
    _charts_drawn(page, 5)
    _shot(page, "13-dashboard")
    assert not [m for m in refused if "Content Security Policy" in m], refused


def test_an_analytics_page_with_filters(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    page.goto("/analytics")
    _shot(page, "14-analytics")
    page.click('a[href="/analytics/rfm"]')
    page.wait_for_url("**/analytics/rfm")
    _charts_drawn(page, 2)
    assert page.locator("#rfm-sizes .treemap, #rfm-sizes g.trace").count() > 0
    page.select_option("#channel", "store")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**channel=store**")
    _charts_drawn(page, 2)
    assert page.locator("#table-rfm_movement tbody tr").count() == 12
    _shot(page, "15-analytics-rfm")
    page.goto("/analytics/cohorts")
    _charts_drawn(page, 1)
    _shot(page, "16-analytics-cohorts")


def test_export_a_report(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    page.goto("/analytics/reports/receipt_sum")
    _charts_drawn(page, 1)
    rows = page.locator("#table-receipt_sum tbody tr").count()
    assert rows > 10
    _shot(page, "17-report-receipt-sum")
    with page.expect_download() as event:
        page.click("#table-receipt_sum a[href*='format=csv']")
    download = event.value
    assert download.suggested_filename.startswith("receipt_sum_")
    assert download.suggested_filename.endswith(".csv")
    lines = Path(download.path()).read_text(encoding="utf-8-sig").splitlines()
    header = lines.index("") + 1  # below the title, period, filters and options
    titles = {"ru": "Клиент;Город;Уровень;Чеки", "en": "Customer;City;Level;Receipts"}
    assert lines[header].startswith(titles[page.locator("html").get_attribute("lang")])
    assert len(lines) - header - 1 >= rows  # the page may show fewer rows than the file holds
    with page.expect_download() as event:
        page.click("#table-receipt_sum a[href*='format=xlsx']")
    assert event.value.suggested_filename.endswith(".xlsx")
    assert Path(event.value.path()).read_bytes()[:2] == b"PK"  # a zip: an Office file


def test_build_a_promotion_fix_a_mistake_and_simulate_it(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    with read_session(demo.engine) as s:
        sku = s.scalar(
            select(Product.sku)
            .join(OrderLine, OrderLine.product_id == Product.id)
            .group_by(Product.sku)
            .order_by(func.count().desc(), Product.sku)
            .limit(1)
        )
        first = s.scalar(select(func.min(Order.placed_at)))
    page.goto("/promotions")
    page.click("#new-promotion")
    page.wait_for_url("**/promotions/new")
    page.fill("#name", "E2E: 10% off the best seller")
    page.fill("#code", "E2E10")
    page.select_option("#new-conditions-type", "items")
    page.click("#add-conditions")
    page.locator("#conditions-0-select-skus").wait_for()
    assert page.input_value("#name") == "E2E: 10% off the best seller"  # kept across the re-render
    page.fill("#conditions-0-select-skus", "NO-SUCH-SKU")
    page.fill("#effects-0-percent", "10")
    page.click("#save")
    error = page.locator("#conditions-0-select-skus-error")
    error.wait_for()
    assert "NO-SUCH-SKU" in error.inner_text()
    assert page.get_attribute("#conditions-0-select-skus", "aria-invalid") == "true"
    assert page.input_value("#effects-0-percent") == "10"
    _shot(page, "18-promotion-validation-error")
    page.fill("#conditions-0-select-skus", sku)
    page.click("#save")
    page.wait_for_url("**/promotions/E2E10")
    assert page.locator(".flash.ok").is_visible()
    assert page.locator("#conditions-0-select-skus-error").count() == 0
    _shot(page, "19-promotion-saved")
    page.click("#simulate-link")
    page.wait_for_url("**/promotions/E2E10/simulate")
    page.fill("#since", first.date().isoformat())
    page.click("#run")
    page.wait_for_url("**since=**")
    reached = page.locator("#sim-receipts").inner_text().split("/")[0]
    assert int("".join(ch for ch in reached if ch.isdigit())) > 0
    assert page.locator("#by-channel tbody tr").count() >= 1
    assert _charts_drawn(page, 2) >= 2
    _shot(page, "20-promotion-simulation")


def test_the_constructor_offers_the_programs_levels(page, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    """The level condition is picked from the program's levels, by name, not typed as codes."""
    tiers = read_program_file(EXAMPLES / "retail.json").levels.tiers
    page.goto("/promotions/new")
    page.fill("#name", "E2E: gold and silver")
    page.fill("#code", "E2ELEVELS")
    page.select_option("#new-conditions-type", "customer_level")
    page.click("#add-conditions")
    levels = page.locator("#conditions-0-levels")
    levels.wait_for()
    offered = levels.locator("option").evaluate_all("os => os.map(o => [o.value, o.text])")
    assert sorted(offered) == sorted([t.code, t.name] for t in tiers)
    picked = [t.code for t in tiers[-2:]]
    levels.select_option(picked)
    page.fill("#effects-0-percent", "5")
    _shot(page, "21-promotion-levels-picker")
    page.click("#save")
    page.wait_for_url("**/promotions/E2ELEVELS")
    chosen = page.locator("#conditions-0-levels option:checked")
    assert sorted(chosen.evaluate_all("os => os.map(o => o.value)")) == sorted(picked)
