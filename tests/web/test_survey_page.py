"""The surveys page shows the NPS computed from the answers, by store and by month."""

from datetime import UTC, datetime

from web_store import Store, signed_in

from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Event
from omnicrm.surveys import repository
from omnicrm.surveys.questionnaire import parse

SCORES = [10, 9, 9, 10, 9, 7, 8, 7, 6, 0]  # 5 promoters, 3 passives, 2 detractors: NPS 30


def test_the_surveys_page_shows_the_computed_nps(fresh_store: Store) -> None:
    with unit_of_work(fresh_store.engine) as session:
        survey = parse("nps", "Rate us", "nps", [{"id": "recommend", "text": "Recommend?"}])
        repository.create(session.connection(), survey, datetime(2025, 1, 1, tzinfo=UTC))
        for i, score in enumerate(SCORES):
            month = 7 if i < 5 else 8  # July: all promoters (100); August: 3 passives, 2 detractors
            when = datetime(2025, month, 3, tzinfo=UTC)
            session.add(
                Event(source="surveys", source_key=f"R{i}", kind="survey_answer", channel="sms",
                      occurred_at=when, customer_id=fresh_store.anna,
                      attrs={"survey": "nps", "score": score, "comment": None})
            )  # fmt: skip
    client = signed_in(fresh_store.engine, "analyst")
    html = client.get("/surveys", params={"by": "channel"}).text
    row = html.split("<tbody>", 1)[1].split("</tr>", 1)[0]
    cells = [c.split("</td>", 1)[0].split(">")[-1] for c in row.split("<td")[1:]]
    assert cells == ["Все ответы", "10", "30.0", "5", "3", "2"]
    months = client.get("/surveys").text
    assert 'id="survey-months"' in months
    assert '"x":["2025-07","2025-08"],"y":[100.0,-40.0]' in months.replace(" ", "")
