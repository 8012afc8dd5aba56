"""The campaign pages end to end on the tiny store: the audience builder's live count and field
errors, a campaign created, previewed and launched from the page into the outbox, its results
(too small to be significant), resuming a paused campaign, and triggers turned off and on."""

import json
import re

from sqlalchemy import func, select
from web_store import T0, Store, post, signed_in

from omnicrm.campaigns import messages, triggers
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Customer
from omnicrm.store.schema.campaigns_outbox import CampaignSending

MOSCOW = {"type": "attribute", "field": "city", "values": ["Москва"]}
BAD = {
    "type": "all",
    "rules": [MOSCOW, {"type": "not", "rule": {"type": "consent", "channel": "fax"}}],
}
CAMPAIGN = {
    "code": "spring",
    "name": "Spring",
    "audience": "moscow",
    "channel": "email",
    "control_share": "0",
    "window_days": "14",
    "variants[0].subject": "Hi {{ first_name }}",
    "variants[0].text": "Spring sale, {{ first_name }}",
    "variants[1].subject": "",
    "variants[1].text": "",
}


def _people(store: Store) -> int:
    """Profiles the snapshot resolves (merged ones count once): all of them live in Moscow."""
    with read_session(store.engine) as session:
        return session.scalar(
            select(func.count()).select_from(Customer).where(Customer.merged_into_id.is_(None))
        )


def _save_audience(client) -> None:  # type: ignore[no-untyped-def]
    data = {"code": "moscow", "name": "Moscow", "rules": json.dumps(MOSCOW)}
    assert post(client, "/audiences", data, page="/audiences/new").status_code == 303


def test_the_builder_counts_live_and_names_the_bad_field(fresh_store: Store) -> None:
    client = signed_in(fresh_store.engine, "marketer")
    counted = post(client, "/audiences/count", {"rules": json.dumps(MOSCOW)}, page="/audiences")
    assert counted.status_code == 200
    assert f"Клиентов в аудитории сейчас: {_people(fresh_store)}" in counted.text
    refused = post(client, "/audiences/count", {"rules": json.dumps(BAD)}, page="/audiences")
    assert refused.status_code == 400
    assert 'id="live-count"' not in refused.text
    assert "<li><code>rules.rules[1].rule.channel</code>: Допустимые значения:" in refused.text
    broken = post(client, "/audiences", {"code": "x", "name": "X", "rules": "{"}, page="/audiences")
    assert broken.status_code == 400
    assert "Правило — не корректный JSON" in broken.text
    _save_audience(client)
    assert post(client, "/audiences/moscow/snapshot", page="/audiences").status_code == 303
    row = client.get("/audiences").text.split('id="audience-moscow"', 1)[1].split("</tr>", 1)[0]
    assert f'<td class="num">{_people(fresh_store)}</td>' in row


def test_a_launch_from_the_page_queues_the_messages(fresh_store: Store) -> None:
    client = signed_in(fresh_store.engine, "marketer")
    _save_audience(client)
    no_subject = post(
        client, "/campaigns", {**CAMPAIGN, "variants[0].subject": ""}, page="/campaigns"
    )
    assert no_subject.status_code == 400
    assert re.search(
        r'id="variants-0-subject-error"[^>]*>У письма должна быть тема<', no_subject.text
    )
    assert post(client, "/campaigns", CAMPAIGN, page="/campaigns/new").status_code == 303
    preview = client.get("/campaigns/spring", params={"customer": fresh_store.anna}).text
    assert "Hi Анна" in preview
    assert "Spring sale, Анна" in preview

    launched = post(client, "/campaigns/spring/launch", page="/campaigns/spring")
    assert launched.status_code == 303
    page = client.get("/campaigns/spring").text
    queued = int(re.search(r"в очереди (\d+) сообщений", page).group(1))
    with read_session(fresh_store.engine) as session:
        rows = session.execute(
            select(messages.OUTBOX.c.customer_id, messages.OUTBOX.c.subject).where(
                messages.OUTBOX.c.campaign == "spring"
            )
        ).all()
    assert queued == len(rows) > 0
    assert {s for _, s in rows} <= {"Hi Анна", "Hi Пётр"}
    assert f'<dd id="queued">{queued}</dd>' in page
    listed = client.get("/campaigns").text.split('id="campaign-spring"', 1)[1].split("</tr>")[0]
    assert f'<td class="num">{queued}</td>' in listed


def test_results_of_a_tiny_campaign_are_not_significant(fresh_store: Store) -> None:
    client = signed_in(fresh_store.engine, "marketer")
    _save_audience(client)
    post(client, "/campaigns", CAMPAIGN, page="/campaigns/new")
    post(client, "/campaigns/spring/launch", page="/campaigns/spring")
    ru = client.get("/campaigns/spring/results")
    assert ru.status_code == 200
    assert "незначимо: в меньшей группе" in ru.text
    assert "это меньше минимальной выборки" in ru.text
    assert 'id="campaign-conversion"' in ru.text
    assert "Получатели" in ru.text
    post(client, "/lang", {"lang": "en"})
    en = client.get("/campaigns/spring/results").text
    assert "not significant:" in en
    assert "below the minimum sample of" in en
    assert "Treated" in en


def test_a_paused_campaign_resumes_from_its_page(fresh_store: Store) -> None:
    client = signed_in(fresh_store.engine, "marketer")
    _save_audience(client)
    post(client, "/campaigns", CAMPAIGN, page="/campaigns/new")
    with unit_of_work(fresh_store.engine) as session:
        session.add(
            CampaignSending(
                campaign="spring", consecutive_errors=5, paused_at=T0, paused_reason="smtp 421"
            )
        )
    assert "Отправка приостановлена: smtp 421" in client.get("/campaigns/spring").text
    assert post(client, "/campaigns/spring/resume", page="/campaigns").status_code == 303
    page = client.get("/campaigns/spring").text
    assert "Отправка возобновлена" in page
    assert 'id="paused"' not in page
    with read_session(fresh_store.engine) as session:
        assert session.get(CampaignSending, "spring").paused_at is None
    post(client, "/campaigns/spring/resume", page="/campaigns")
    assert "Кампания не была приостановлена" in client.get("/campaigns/spring").text


def test_triggers_are_turned_off_and_on_by_marketers_only(fresh_store: Store) -> None:
    with unit_of_work(fresh_store.engine) as session:
        new = triggers.NewTrigger(
            code="bday", name="Birthday", kind="birthday", channel="sms", text="Happy", params={}
        )
        triggers.create(session, new, T0)
    analyst = signed_in(fresh_store.engine, "analyst")
    page = analyst.get("/triggers").text
    assert "день рождения" in page
    assert 'id="disable-bday"' not in page
    assert post(analyst, "/triggers/bday/disable", page="/triggers").status_code == 403
    marketer = signed_in(fresh_store.engine, "marketer")
    assert post(marketer, "/triggers/bday/disable", page="/triggers").status_code == 303
    with read_session(fresh_store.engine) as session:
        assert triggers.get(session, "bday").enabled is False
    assert 'id="enable-bday"' in marketer.get("/triggers").text
    assert post(marketer, "/triggers/bday/enable", page="/triggers").status_code == 303
    with read_session(fresh_store.engine) as session:
        assert triggers.get(session, "bday").enabled is True
