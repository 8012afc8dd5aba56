"""Predictions in the product: trained by the API over the generated chain, versioned with their
holdout metrics, scored into the profile (API, 360 page), selectable in audiences, and the likely
buyers of a category saved as an audience a campaign launches on."""

import re

import pytest
from fastapi.testclient import TestClient
from predict_chain import Chain
from sqlalchemy import func, select

from omnicrm.api.app import create_app
from omnicrm.campaigns import audiences
from omnicrm.campaigns.audience_rules import Prediction, RetentionAction
from omnicrm.predict import models
from omnicrm.predict.models import recommended_names
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema.predictions import CustomerPrediction
from omnicrm.store.schema.staff import StaffUser
from omnicrm.web.passwords import hash_password
from support import api_client


@pytest.fixture(scope="module")
def trained(chain: Chain) -> tuple[TestClient, list[dict]]:
    client = api_client(chain.engine)
    client.app.state.analytics = chain.snapshot  # type: ignore[attr-defined]
    made = client.post("/api/v1/predict/train", json={})
    assert made.status_code == 201, made.text
    return client, made.json()


def test_every_model_is_versioned_with_its_holdout_metrics(trained, chain: Chain) -> None:  # type: ignore[no-untyped-def]
    _, made = trained
    assert [v["kind"] for v in made] == list(models.KINDS)
    by_kind = {v["kind"]: v for v in made}
    assert all(v["customers_scored"] > 100 for v in made)
    clv = by_kind["clv"]["metrics"]
    assert clv["holdout"]["actual_repeat_purchases"] > 0
    churn = by_kind["churn"]["metrics"]
    assert churn["baseline_name"] == "1 - BG/NBD P(alive)"
    assert churn["model"]["roc_auc"] > churn["baseline"]["roc_auc"]
    assert by_kind["recommend"]["metrics"]["chosen"] in ("cooccurrence", "als")
    client, _ = trained
    segments = client.get("/api/v1/predict/models/clv").json()["charts"]["segments"]
    with chain.engine.connect() as conn:
        total = conn.scalar(
            select(func.sum(CustomerPrediction.amount_minor)).where(
                CustomerPrediction.model_id == by_kind["clv"]["id"]
            )
        )
    assert sum(s["clv_minor"] for s in segments) == total  # every scored customer in one segment
    parts = client.get("/api/v1/predict/subsegments/Champions").json()
    assert len(parts) >= 3
    assert all(p["name_ru"] and p["name_en"] for p in parts)
    assert client.get("/api/v1/predict/subsegments/Nobody").status_code == 422
    assert 3 <= by_kind["clusters"]["metrics"]["k"] <= 10


def test_scores_reach_the_profile_and_a_retrain_replaces_them(trained, chain: Chain) -> None:  # type: ignore[no-untyped-def]
    client, _ = trained
    with chain.engine.connect() as conn:
        churn = models.latest(conn, "churn")
        assert churn is not None
        someone = conn.scalar(
            select(CustomerPrediction.customer_id).where(CustomerPrediction.model_id == churn.id)
        )
    answer = client.get(f"/api/v1/predict/customers/{someone}").json()
    assert isinstance(answer["clv"]["amount_minor"], int)
    assert 0 <= answer["clv"]["score"] <= 1
    reasons = answer["churn"]["details"]
    assert reasons["reasons_ru"]
    assert reasons["reasons_en"]
    assert answer["churn"]["label"] == reasons["action"]["kind"]
    assert len(answer["recommend"]["details"]["skus"]) == 10
    assert client.get("/api/v1/predict/customers/999999999").status_code == 404

    again = client.post("/api/v1/predict/train", json={"kinds": ["clusters"]})
    assert again.json()[0]["version"] == 2
    with read_session(chain.engine) as s:
        per_model = dict(
            s.execute(
                select(CustomerPrediction.model_id, func.count()).group_by(
                    CustomerPrediction.model_id
                )
            ).all()
        )
    with chain.engine.connect() as conn:
        versions = models.versions(conn)
    kinds = [v.kind for v in versions if v.id in per_model]
    assert sorted(kinds) == sorted(models.KINDS)  # one version's scores per kind
    listed = client.get("/api/v1/predict/models").json()
    assert [(v["kind"], v["version"]) for v in listed if v["kind"] == "clusters"] == [
        ("clusters", 2),
        ("clusters", 1),
    ]


def test_audiences_select_by_prediction(trained, chain: Chain) -> None:  # type: ignore[no-untyped-def]
    client, _ = trained
    now = chain.data_end
    with chain.engine.connect() as conn:
        risky = audiences.evaluate(
            conn,
            chain.snapshot.cursor(),
            Prediction(type="prediction", measure="churn_risk", min=0.5),
            now,
        )
        churn = models.latest(conn, "churn")
        expected = set(
            conn.scalars(
                select(CustomerPrediction.customer_id).where(
                    CustomerPrediction.model_id == churn.id, CustomerPrediction.score >= 0.5
                )
            )
        )
        acting = audiences.evaluate(
            conn,
            chain.snapshot.cursor(),
            RetentionAction(type="retention_action", actions=["category_discount"]),
            now,
        )
    assert set(risky.tolist()) == expected
    assert len(acting) > 0
    assert set(acting.tolist()) <= expected  # an action is only recommended from risk 0.5
    counted = client.post(
        "/api/v1/audiences/count", json={"type": "prediction", "measure": "p_alive", "max": 0.2}
    )
    assert counted.status_code == 200, counted.text


def test_a_campaign_launches_on_the_likely_buyers_of_a_category(trained, chain: Chain) -> None:  # type: ignore[no-untyped-def]
    client, _ = trained
    category = (
        chain.snapshot.cursor()
        .execute(
            "SELECT split_part(category, '/', 1) FROM products GROUP BY 1 ORDER BY count(*) DESC"
        )
        .fetchone()[0]
    )
    made = client.post(
        "/api/v1/predict/buyers",
        json={"audience": "likely", "name": "Likely buyers", "category": category, "size": 200},
    )
    assert made.status_code == 201, made.text
    assert made.json()["size"] == 200
    assert category in made.json()["chosen_for"]
    unknown = client.post(
        "/api/v1/predict/buyers",
        json={"audience": "none", "name": "x", "category": "No such category"},
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "category"

    campaign = {
        "code": "likely-buyers",
        "name": "Likely buyers",
        "audience": "likely",
        "channel": "email",
        "control_bp": 1000,
        "variants": [
            {
                "name": "A",
                "subject": "For you, {{ first_name }}",
                "text": "{% for p in recommended limit: 2 %}[{{ p }}]{% endfor %}",
            }
        ],
    }
    assert client.post("/api/v1/campaigns", json=campaign).status_code == 201, campaign
    member = _a_member(chain, "likely")
    with chain.engine.connect() as conn:
        names = recommended_names(conn, [member])[member]
    shown = client.post("/api/v1/campaigns/likely-buyers/preview", params={"customer_id": member})
    assert shown.json()["A"]["text"].startswith(f"[{names[0]}][{names[1]}]")
    launched = client.post("/api/v1/campaigns/likely-buyers/launch").json()
    assert launched["audience"] == 200
    assert launched["queued"] + launched["control"] + launched["global_control"] == 200


def _a_member(chain: Chain, code: str) -> int:
    with read_session(chain.engine) as s:
        frozen = audiences.latest_snapshot(s, audiences.get(s, code))
    return int(frozen.members[0])


def _analyst(chain: Chain) -> TestClient:
    """A signed-in workstation browser of the chain, as an analyst."""
    with unit_of_work(chain.engine) as s:
        s.add(
            StaffUser(
                username="predict-analyst", full_name="Analyst", role="analyst",
                password_hash=hash_password("predict-password-1"), active=True,
                failed_logins=0, created_at=chain.data_end,
            )
        )  # fmt: skip
    client = TestClient(create_app(chain.engine), follow_redirects=False)
    client.app.state.analytics = chain.snapshot  # type: ignore[attr-defined]
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    form = {"username": "predict-analyst", "password": "predict-password-1"}
    signed = client.post("/login", data={**form, "csrf_token": token.group(1)})  # type: ignore[union-attr]
    assert signed.status_code == 303
    return client


def test_the_workstation_shows_each_model_and_the_profile_its_scores(trained, chain: Chain) -> None:  # type: ignore[no-untyped-def]
    client = _analyst(chain)
    pages = {kind: client.get("/predictions", params={"kind": kind}) for kind in models.KINDS}
    assert all(p.status_code == 200 for p in pages.values())
    assert 'id="clv-tracking"' in pages["clv"].text
    assert "1 - BG/NBD P(alive)" in pages["churn"].text
    assert 'id="churn-calibration"' in pages["churn"].text
    assert 'id="recommend-holdout"' in pages["recommend"].text
    assert "Кластеры" in pages["clusters"].text
    with chain.engine.connect() as conn:
        churn = models.latest(conn, "churn")
        someone = conn.scalar(
            select(CustomerPrediction.customer_id).where(CustomerPrediction.model_id == churn.id)
        )
        scored = models.for_customer(conn, someone)
    html = client.get(f"/customers/{someone}").text
    card = html.split('id="predictions"', 1)[1].split("</section>", 1)[0]
    assert "Риск оттока" in card
    assert scored["churn"]["details"]["reasons_ru"][0] in card
    first = scored["recommend"]["products"][0]
    assert f'{first["name"]} <span class="muted">{first["sku"]}</span>' in card
