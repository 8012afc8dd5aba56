"""ROMI per promotion through the API and the CLI, on both stores, with each comparison it may
use: users against buyers who did not use it (never called significant), personal offers
against their held-out control, and the control groups of the campaign that sent its coupon.
The cost is what the ledger says the promotion gave: discounts and points net of returns, the
points at the program's value."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from analytics.analytics_shop import Shop
from omnicrm.analytics.snapshot import Snapshot
from omnicrm.campaigns import audiences, campaign, messages
from omnicrm.cli import app
from omnicrm.loyalty.programs import EXAMPLES, read_program_file
from omnicrm.loyalty.repository import save_program
from omnicrm.promotions import offers
from omnicrm.store.commandline import migrated_engine
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema.promotions import (
    Coupon,
    CouponBatch,
    Promotion,
    PromotionApplication,
    PromotionVersion,
)
from support import api_client

NOW = datetime(2025, 10, 1, 10, tzinfo=UTC)
PUBLISHED = NOW - timedelta(days=30)
CUSTOMERS = 240


def _shop(session: Session) -> tuple[Shop, Promotion, list[int]]:
    """240 customers; the first 120 bought twice in the month and used the promotion on one
    receipt (100.00 off, 50 points, one receipt of them later returned: 10.00 and 5 points
    back), the others bought once, a smaller receipt."""
    save_program(session, read_program_file(EXAMPLES / "retail.json"))
    shop = Shop(session)
    shop.reference()
    promo = Promotion(code="AUT", name="Autumn", status="active", draft={}, version=1,
                      created_at=PUBLISHED, updated_at=PUBLISHED)  # fmt: skip
    session.add(promo)
    session.flush()
    session.add(PromotionVersion(promotion_id=promo.id, version=1, rules={}, checksum="x",
                                 published_at=PUBLISHED))  # fmt: skip
    ids = []
    for i in range(CUSTOMERS):
        ids.append(shop.customer(f"K{i}", city="Тула"))
        when = PUBLISHED + timedelta(days=1 + i % 20)
        if i < CUSTOMERS // 2:
            shop.order(f"K{i}", "store", when, [("P1", 1, 5_000)], store="S1")
            shop.order(f"K{i}", "store", when + timedelta(days=2), [("P2", 1, 3_000)], store="S1")
            session.add(PromotionApplication(
                operation_id=i, promotion_id=promo.id, version=1, customer_id=ids[-1],
                discount_minor=10_000, points=50, lines=[], at=when,
                restored_discount=1_000 if i == 0 else 0, restored_points=5 if i == 0 else 0,
            ))  # fmt: skip
        else:
            shop.order(f"K{i}", "web", when, [("P3", 1, 2_000)])
    session.flush()
    return shop, promo, ids


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> TestClient:
    client = api_client(engine)
    client.app.state.clock = lambda: NOW  # type: ignore[attr-defined]
    client.app.state.analytics = Snapshot(tmp_path / "analytics.duckdb")  # type: ignore[attr-defined]
    return client


def test_users_against_buyers_is_said_plainly_and_never_significant(
    engine: Engine, client: TestClient
) -> None:
    with unit_of_work(engine) as session:
        _shop(session)
    got = client.get("/api/v1/promotions/AUT/romi")
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["comparison"] == "users_vs_buyers"
    assert "not randomised" in body["basis"]
    result = body["result"]
    assert (result["treated"]["customers"], result["control"]["customers"]) == (120, 120)
    assert result["treated"]["revenue_minor"] == 120 * 8_000
    assert result["control"]["revenue_minor"] == 120 * 2_000
    # 120 x 100.00 off less the 10.00 returned; 120 x 50 points less 5, at 1.00 each
    assert (body["discounts_minor"], body["points"], body["point_value_minor"]) == (
        1_199_000,
        5_995,
        100,
    )
    assert result["cost_minor"] == 1_199_000 + 5_995 * 100
    assert result["revenue_uplift"]["low"] > 0  # a real difference between the groups...
    assert result["significant"] is False  # ...that is not the promotion's effect
    assert result["verdict"].startswith("not significant: users against non-users")
    assert client.get("/api/v1/promotions/NOPE/romi").status_code == 404


def test_personal_offers_are_measured_against_their_held_out_control(
    engine: Engine, client: TestClient
) -> None:
    with unit_of_work(engine) as session:
        _, _, ids = _shop(session)
        made = offers.offer_promotion(session, "AUT", ids, PUBLISHED, control_share_bp=5_000)
    body = client.get("/api/v1/promotions/AUT/romi").json()
    assert body["comparison"] == "offer_holdout"
    result = body["result"]
    assert result["treated"]["customers"] == made.offered
    assert result["control"]["customers"] == made.control > 0
    assert result["treated"]["customers"] + result["control"]["customers"] == CUSTOMERS


def test_a_campaign_that_sent_its_coupon_gives_the_control_groups(
    engine: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with unit_of_work(engine) as session:
        _, promo, _ = _shop(session)
        batch = CouponBatch(promotion_id=promo.id, kind="mass", size=1, created_at=PUBLISHED)
        session.add(batch)
        session.flush()
        session.add(Coupon(batch_id=batch.id, code="AUTUMN10", uses=0))
        rule = audiences.parse_rule({"type": "attribute", "field": "city", "values": ["Тула"]})
        audiences.save(session, "tula", "Tula", rule, PUBLISHED)
        campaign.create(session, campaign.NewCampaign(
            "autumn", "Autumn", "tula", "email",
            (campaign.Variant("A", "{{ offer_code }}", subject="Offer"),),
            window_days=30, control_bp=2_000, offer_code="AUTUMN10",
        ), PUBLISHED)  # fmt: skip
    monkeypatch.setattr(messages, "enqueue", lambda conn, batch: len(batch))
    snapshot = client.app.state.analytics  # type: ignore[attr-defined]
    snapshot.refresh(engine)
    db = snapshot.cursor()
    launched = campaign.launch(engine, db, "autumn", PUBLISHED)
    db.close()
    body = client.get("/api/v1/promotions/AUT/romi").json()
    assert (body["comparison"], body["campaigns"]) == ("campaign_control", ["autumn"])
    result = body["result"]
    assert result["treated"]["customers"] == launched.queued
    assert result["control"]["customers"] == launched.control + launched.global_control


def test_the_command_line_prints_the_same(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    with unit_of_work(migrated_engine(db)) as session:
        _shop(session)
    runner = CliRunner()
    shown = runner.invoke(app, ["promotions", "romi", "AUT", "--db", db,
                                "--until", NOW.isoformat()])  # fmt: skip
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["comparison"] == "users_vs_buyers"
    missing = runner.invoke(app, ["promotions", "romi", "NOPE", "--db", db])
    assert missing.exit_code == 1
    assert "no promotion 'NOPE'" in missing.output
