"""A marketer operating a campaign in a real browser: schedule its launch in a store's zone
(a mistake shown beside the field first), pause its sending and resume it, and send a test to
their own address, which the in-process SMTP server receives marked [TEST]. Screenshots go to
test-output/screenshots/."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from browser_demo import SCREENSHOTS, Demo
from sqlalchemy import select

from omnicrm.campaigns import audiences, campaign
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.campaigns import Campaign
from omnicrm.store.schema.campaigns_outbox import CampaignSending

LAPTOP = {"width": 1366, "height": 900}


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def marketer(browser, demo: Demo) -> Iterator:  # type: ignore[no-untyped-def,type-arg]
    now = datetime.now(UTC)
    rule = audiences.parse_rule({"type": "purchased", "within_days": 3650})
    with unit_of_work(demo.engine) as session:
        audiences.save(session, "e2e-buyers", "Buyers", rule, now)
        campaign.create(session, campaign.NewCampaign(
            "e2e-spring", "E2E spring", "e2e-buyers", "email",
            (campaign.Variant("A", "Spring sale, {{ first_name }}", subject="Spring for you"),),
        ), now)  # fmt: skip
    context = browser.new_context(viewport=LAPTOP, base_url=demo.base_url, locale="ru-RU")
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "marketer")
    page.fill("#password", "omnicrm-marketer")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    yield page
    context.close()


def _campaign(demo: Demo) -> Campaign:
    with read_session(demo.engine) as s:
        return s.scalar(select(Campaign).where(Campaign.code == "e2e-spring"))


def test_schedule_pause_and_resume(marketer, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    page = marketer
    page.goto("/campaigns/e2e-spring")
    page.fill("#start_date", "2001-05-01")
    page.fill("#start_time", "10:00")
    page.click("#schedule-button")
    page.locator("#start_date-error").wait_for()
    assert "будущем" in page.locator("#start_date-error").inner_text()
    assert _campaign(demo).status == "draft"
    _shot(page, "30-campaign-schedule-error")
    page.fill("#start_date", "2099-05-01")
    page.fill("#start_time", "10:00")
    page.select_option("#zone", "Europe/Moscow")
    page.click("#schedule-button")
    page.wait_for_url("**/campaigns/e2e-spring")
    assert page.locator(".flash.ok").inner_text().strip() == "Кампания запланирована"
    found = _campaign(demo)
    assert (found.status, found.starts_at) == ("scheduled", datetime(2099, 5, 1, 7, tzinfo=UTC))
    assert page.locator("#unschedule").is_visible()
    _shot(page, "31-campaign-scheduled")

    page.click("#pause")
    page.locator("#paused").wait_for()
    assert "paused by marketer" in page.locator("#paused").inner_text()
    with read_session(demo.engine) as s:
        assert s.get(CampaignSending, "e2e-spring").paused_at is not None
    _shot(page, "32-campaign-paused")
    page.click("#resume")
    page.locator("#pause").wait_for()
    assert page.locator("#paused").count() == 0
    with read_session(demo.engine) as s:
        assert s.get(CampaignSending, "e2e-spring").paused_at is None


def test_send_a_test_to_the_smtp_server(marketer, demo: Demo) -> None:  # type: ignore[no-untyped-def]
    page = marketer
    page.goto("/campaigns/e2e-spring")
    page.fill("#test_customer", str(demo.member_id))
    page.fill("#test_to", "qa@shop.example")
    page.click("#send-test-button")
    page.wait_for_url("**/campaigns/e2e-spring")
    assert "Тест отправлен на qa@shop.example" in page.locator(".flash.ok").inner_text()
    for _ in range(50):  # the server records the message in its own thread
        if demo.inbox.recipients:
            break
        time.sleep(0.05)
    assert demo.inbox.recipients == ["qa@shop.example"]
    assert demo.inbox.subjects == ["[TEST] Spring for you"]
    _shot(page, "33-campaign-test-sent")
