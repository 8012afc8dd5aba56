"""A campaign's operations from its page on the tiny store: the schedule form (a store's zone,
errors beside the field, nothing changed), pause and resume, a test sent to a real SMTP
server; the caps and quiet hours form (marketers change it, analysts only look); and a
promotion's ROMI measured on its page."""

import re
from datetime import timedelta

from sqlalchemy import select
from web_store import T0, Store, post, signed_in

from omnicrm.campaigns import sending_policy
from omnicrm.campaigns.channels.smtp import SmtpProvider
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.campaigns import Campaign
from omnicrm.store.schema.campaigns_outbox import CampaignMessage, CampaignSending
from omnicrm.store.schema.promotions import Promotion, PromotionVersion

MOSCOW = '{"type": "attribute", "field": "city", "values": ["Москва"]}'
CAMPAIGN = {
    "code": "spring", "name": "Spring", "audience": "moscow", "channel": "email",
    "control_share": "0", "window_days": "14", "variants[0].subject": "Hi {{ first_name }}",
    "variants[0].text": "Spring sale, {{ first_name }}", "variants[1].subject": "",
    "variants[1].text": "",
}  # fmt: skip


def _campaign(client) -> None:  # type: ignore[no-untyped-def]
    data = {"code": "moscow", "name": "Moscow", "rules": MOSCOW}
    assert post(client, "/audiences", data, page="/audiences/new").status_code == 303
    assert post(client, "/campaigns", CAMPAIGN, page="/campaigns/new").status_code == 303


def _starts(store: Store):  # type: ignore[no-untyped-def]
    with read_session(store.engine) as session:
        return session.execute(select(Campaign.status, Campaign.starts_at)).one()


def test_schedule_from_the_page_in_a_stores_zone(fresh_store: Store) -> None:
    client = signed_in(fresh_store.engine, "marketer")
    _campaign(client)
    page = client.get("/campaigns/spring").text
    assert '<option value="Europe/Moscow" selected>' in page
    form = {"start_date": "2099-03-01", "start_time": "25:00", "zone": "Europe/Moscow"}
    bad = post(client, "/campaigns/spring/schedule", form, page="/campaigns/spring")
    assert bad.status_code == 400
    assert re.search(r'id="start_time-error"[^>]*>Введите время<', bad.text)
    past = {**form, "start_date": "2001-03-01", "start_time": "10:00"}
    refused = post(client, "/campaigns/spring/schedule", past, page="/campaigns/spring")
    assert re.search(r'id="start_date-error"[^>]*>Должно быть в будущем<', refused.text)
    assert _starts(fresh_store) == ("draft", None)  # nothing changed
    good = {**form, "start_time": "10:00", "zone": "Asia/Yekaterinburg"}
    assert (
        post(client, "/campaigns/spring/schedule", good, page="/campaigns/spring").status_code
        == 303
    )
    status, starts_at = _starts(fresh_store)
    assert status == "scheduled"
    assert starts_at.isoformat() == "2099-03-01T05:00:00+00:00"
    page = client.get("/campaigns/spring").text
    assert "Кампания запланирована" in page
    assert 'id="unschedule"' in page
    assert post(client, "/campaigns/spring/unschedule", page="/campaigns/spring").status_code == 303
    assert _starts(fresh_store) == ("draft", None)


def test_pause_and_resume_by_hand(fresh_store: Store) -> None:
    client = signed_in(fresh_store.engine, "marketer")
    _campaign(client)
    assert post(client, "/campaigns/spring/pause", page="/campaigns/spring").status_code == 303
    page = client.get("/campaigns/spring").text
    assert "Отправка приостановлена: paused by marketer" in page
    assert 'id="resume"' in page
    assert 'id="pause"' not in page
    with read_session(fresh_store.engine) as session:
        assert session.get(CampaignSending, "spring").paused_at is not None
    assert post(client, "/campaigns/spring/resume", page="/campaigns/spring").status_code == 303
    assert 'id="pause"' in client.get("/campaigns/spring").text
    analyst = signed_in(fresh_store.engine, "analyst")
    assert post(analyst, "/campaigns/spring/pause", page="/campaigns/spring").status_code == 403


def test_a_test_send_from_the_page(fresh_store: Store) -> None:
    from campaigns.sending_fakes import start_smtp

    controller, inbox = start_smtp()
    try:
        client = signed_in(fresh_store.engine, "marketer")
        client.app.state.providers = lambda: {  # type: ignore[attr-defined]
            "email": SmtpProvider(controller.hostname, controller.port, "crm@shop.example")
        }
        _campaign(client)
        form = {"test_customer": str(fresh_store.anna), "test_to": "no address"}
        bad = post(client, "/campaigns/spring/test", form, page="/campaigns/spring")
        assert bad.status_code == 400
        assert re.search(r'id="test_to-error"[^>]*>Это не адрес e-mail', bad.text)
        good = {**form, "test_to": "qa@shop.example"}
        assert (
            post(client, "/campaigns/spring/test", good, page="/campaigns/spring").status_code
            == 303
        )
        assert "Тест отправлен на qa@shop.example" in client.get("/campaigns/spring").text
        assert inbox.subjects == ["[TEST] Hi Анна"]
        assert inbox.recipients == ["qa@shop.example"]
        with read_session(fresh_store.engine) as session:
            assert session.scalar(select(CampaignMessage.id)) is None
    finally:
        controller.stop()


def test_the_caps_and_quiet_hours_form(fresh_store: Store) -> None:
    analyst = signed_in(fresh_store.engine, "analyst")
    shown = analyst.get("/campaigns/policy")
    assert shown.status_code == 200
    assert 'id="save-policy"' not in shown.text
    assert 'name="channel_day" value="1"' in shown.text
    marketer = signed_in(fresh_store.engine, "marketer")
    form = {"channel_day": "4", "channel_week": "3", "day": "5", "week": "9",
            "quiet_from_hour": "22", "quiet_until_hour": "x"}  # fmt: skip
    bad = post(marketer, "/campaigns/policy", form, page="/campaigns/policy")
    assert bad.status_code == 400
    assert re.search(r'id="quiet_until_hour-error"[^>]*>', bad.text)
    wider = post(marketer, "/campaigns/policy", {**form, "quiet_until_hour": "8"},
                 page="/campaigns/policy")  # fmt: skip
    assert wider.status_code == 400
    assert re.search(
        r'id="channel_day-error"[^>]*>Не больше, чем лимит канала в неделю<', wider.text
    )
    with read_session(fresh_store.engine) as session:
        assert sending_policy.load(session.connection()) == sending_policy.defaults()
    good = {**form, "channel_day": "2", "quiet_until_hour": "8"}
    assert post(marketer, "/campaigns/policy", good, page="/campaigns/policy").status_code == 303
    with read_session(fresh_store.engine) as session:
        saved = sending_policy.load(session.connection())
    assert (saved.channel_day, saved.week, saved.quiet_until_hour) == (2, 9, 8)
    assert post(analyst, "/campaigns/policy", good, page="/campaigns/policy").status_code == 403


def test_a_promotions_romi_on_its_page(fresh_store: Store) -> None:
    with unit_of_work(fresh_store.engine) as session:
        promo = Promotion(code="AUT", name="Autumn", status="active", draft={}, version=1,
                          created_at=T0, updated_at=T0)  # fmt: skip
        session.add(promo)
        session.flush()
        session.add(PromotionVersion(promotion_id=promo.id, version=1, rules={}, checksum="x",
                                     published_at=T0 - timedelta(days=30)))  # fmt: skip
    client = signed_in(fresh_store.engine, "marketer")
    assert 'id="measure-romi"' in client.get("/promotions/AUT").text
    page = client.get("/promotions/AUT", params={"romi": "1"}).text
    assert 'id="romi-verdict"' in page
    assert "незначимо: сравнение воспользовавшихся с остальными не рандомизировано" in page
    assert "воспользовавшиеся акцией против купивших без неё" in page
