"""A person at the workstation, in a real browser: sign in, find a customer and read their 360
page, approve a suggested merge, switch the language, on a laptop and on a tablet. Every page is
screenshotted into test-output/screenshots/ (CI keeps them)."""

from collections.abc import Iterator

import pytest

from conftest import SCREENSHOTS, Demo
from omnicrm.store.db import read_session
from omnicrm.store.schema import ReviewItem

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
