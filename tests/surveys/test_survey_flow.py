"""Surveys end to end on both stores: an invitation after a purchase (queued once in the outbox),
answered once on the public page, an answer at the till, the answers in the customer's journey
and in the scores, imported ``surveys`` answers counted under the survey coded ``nps``."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from analytics.analytics_shop import Shop, at
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.customers.journey import journey
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Event, Order
from omnicrm.store.schema.campaigns_outbox import CampaignMessage
from omnicrm.surveys import invitations, links
from support import api_client

NOW = at(9, 1, 12)
NPS = {"code": "nps", "name": "Rate us", "kind": "nps",
       "questions": [{"id": "recommend", "text": "Would you recommend us?"}]}  # fmt: skip


@pytest.fixture
def shop(engine: Engine) -> dict[str, int]:
    with unit_of_work(engine) as session:
        shop = Shop(session)
        shop.reference()
        shop.customer("A", first_name="Anna")
        shop.customer("B", first_name="Boris")
        shop.order("A", "store", at(8, 30), [("P1", 1, 1000)], store="S1")
        shop.order("B", "store", at(8, 31), [("P1", 1, 2000)], store="S2")
        shop.order(None, "store", at(8, 31), [("P1", 1, 700)], store="S1")  # anonymous
        return dict(shop.ids)


@pytest.fixture
def client(engine: Engine, shop: dict[str, int], tmp_path: Path) -> TestClient:
    client = api_client(engine)
    client.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
    client.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")  # type: ignore[attr-defined]
    assert client.post("/api/v1/surveys", json=NPS).status_code == 201
    return client


def _outbox(engine: Engine) -> list[CampaignMessage]:
    with read_session(engine) as session:
        return list(session.scalars(select(CampaignMessage).order_by(CampaignMessage.id)))


def _token(message: CampaignMessage) -> str:
    return message.text.split("/s/", 1)[1].split()[0]


def test_an_invitation_after_a_purchase_is_answered_once_on_the_page(
    engine: Engine, client: TestClient, shop: dict[str, int]
) -> None:
    body = {"since": "2025-08-01T00:00:00Z", "until": "2025-09-01T00:00:00Z"}
    assert client.post("/api/v1/surveys/nps/invitations", json=body).json()["invited"] == 2
    assert client.post("/api/v1/surveys/nps/invitations", json=body).json()["invited"] == 0
    queued = _outbox(engine)
    assert [(m.customer_id, m.channel, m.status) for m in queued] == [
        (shop["A"], "email", "queued"), (shop["B"], "email", "queued"),
    ]  # fmt: skip
    assert queued[0].key.startswith("survey-nps-order-")
    assert queued[0].key.endswith(":email:0")
    token = _token(queued[0])
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    assert 'name="recommend"' in page.text.replace("'", '"')

    bad = client.post(f"/s/{token}", data={"recommend": "11"})
    assert bad.status_code == 422
    assert "whole number 0 to 10" in bad.text
    assert client.post(f"/s/{token}", data={"recommend": "9", "comment": "ok"}).status_code == 200
    again = client.post(f"/s/{token}", data={"recommend": "0"})
    assert again.status_code == 409
    assert "answered already" in client.get(f"/s/{token}").text
    with read_session(engine) as session:
        answers = session.scalars(select(Event).where(Event.kind == "survey_answer")).all()
        assert [(e.customer_id, e.channel, e.attrs["score"]) for e in answers] == [
            (shop["A"], "web", 9.0)
        ]
        steps = journey(session, shop["A"]).items
    survey_steps = [s for s in steps if s.kind == "survey_answer"]
    assert [(s.channel, s.detail["survey"], s.detail["comment"]) for s in survey_steps] == [
        ("web", "nps", "ok")
    ]


def test_a_forged_link_opens_nothing(client: TestClient) -> None:
    assert client.get(f"/s/{links.make_token(1)[:-2]}xx").status_code == 404


def test_invite_after_is_idempotent_per_order(
    engine: Engine, client: TestClient, shop: dict[str, int]
) -> None:
    with engine.begin() as conn:
        first = conn.scalar(select(func.min(Order.id)))
        occasion = invitations.order_occasion(conn, first)
        assert invitations.invite_after(conn, occasion, "nps", NOW) is True
        assert invitations.invite_after(conn, occasion, "nps", NOW) is False
        assert invitations.invite_after(conn, occasion, "nps", NOW, channel="sms") is True
    assert [m.channel for m in _outbox(engine)] == ["email", "sms"]


def test_an_answer_at_the_till_counts_once_per_receipt(
    engine: Engine, client: TestClient, shop: dict[str, int]
) -> None:
    till = api_client(engine, ("till:*",))
    till.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
    body = {
        "customer_id": shop["B"],
        "store": "S2",
        "receipt": "S2/1/77",
        "answers": {"recommend": 3},
    }
    assert till.post("/api/v1/surveys/nps/answers", json=body).status_code == 201
    assert till.post("/api/v1/surveys/nps/answers", json=body).status_code == 409
    bad = till.post("/api/v1/surveys/nps/answers", json={**body, "receipt": "2", "store": "S9"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "store"
    assert till.get("/api/v1/surveys/nps/scores").status_code == 403
    scores = client.get("/api/v1/surveys/nps/scores", params={"by": "store"}).json()["scores"]
    assert scores == [
        {"group": "all", "answers": 1, "value": -100.0, "promoters": 0, "passives": 0,
         "detractors": 1, "satisfied_pct": None},
        {"group": "S2", "answers": 1, "value": -100.0, "promoters": 0, "passives": 0,
         "detractors": 1, "satisfied_pct": None},
    ]  # fmt: skip


def test_imported_answers_count_in_the_scores_by_channel_and_segment(
    engine: Engine, client: TestClient, shop: dict[str, int]
) -> None:
    with unit_of_work(engine) as session:
        for i, (score, channel) in enumerate([(10, "sms"), (9, "sms"), (5, "email"), (7, "sms")]):
            attrs = {"survey": "nps", "score": score, "comment": None}
            session.add(Event(source="surveys", source_key=f"R{i}", kind="survey_answer",
                              channel=channel, occurred_at=at(8, 20), customer_id=shop["A"],
                              attrs=attrs))  # fmt: skip
        session.add(Event(source="surveys", source_key="R9", kind="survey_answer", channel="sms",
                          occurred_at=at(8, 20), attrs={"survey": "csi", "score": 5}))  # fmt: skip
    by_channel = client.get("/api/v1/surveys/nps/scores", params={"by": "channel"}).json()
    assert [(s["group"], s["answers"], s["value"]) for s in by_channel["scores"]] == [
        ("all", 4, 25.0), ("email", 1, -100.0), ("sms", 3, 66.7),
    ]  # fmt: skip
    by_segment = client.get("/api/v1/surveys/nps/scores", params={"by": "segment"}).json()
    # A is scored against B only: older, as often, spent less -> R1 F1 M1, "Lost"
    assert [(s["group"], s["answers"]) for s in by_segment["scores"]][1:] == [("Lost", 4)]
    bad = client.get("/api/v1/surveys/nps/scores", params={"by": "colour"})
    assert bad.status_code == 422
