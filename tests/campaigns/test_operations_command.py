"""``omnicrm campaigns schedule / pause / resume / policy / send-test`` and the worker launching a
scheduled campaign in its own loop, on a SQLite file and a real SMTP server."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sending_fakes import T0, add_customers, start_smtp
from sqlalchemy import Engine, func, select, update
from typer.testing import CliRunner

from omnicrm.campaigns import audiences, campaign, operations
from omnicrm.cli import app
from omnicrm.core.settings import get_settings
from omnicrm.store.commandline import migrated_engine
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Customer
from omnicrm.store.schema.campaigns import Campaign
from omnicrm.store.schema.campaigns_outbox import CampaignMessage

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def engine(db: str) -> Engine:
    engine = migrated_engine(db)
    people = add_customers(engine, 20, channels=("email",))
    with engine.begin() as conn:
        conn.execute(update(Customer).values(city="Тула", first_name="Ира"))
    rule = audiences.parse_rule({"type": "attribute", "field": "city", "values": ["Тула"]})
    with unit_of_work(engine) as session:
        audiences.save(session, "tula", "Tula", rule, T0)
        campaign.create(session, campaign.NewCampaign(
            "spring", "Spring", "tula", "email",
            (campaign.Variant("A", "Sale for {{ first_name }}", subject="Spring"),),
            control_bp=0,
        ), T0)  # fmt: skip
    assert people
    return engine


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator:
    controller, inbox = start_smtp()
    monkeypatch.setenv("OMNICRM_SMTP_HOST", controller.hostname)
    monkeypatch.setenv("OMNICRM_SMTP_PORT", str(controller.port))
    monkeypatch.setenv("OMNICRM_GLOBAL_CONTROL_BP", "0")
    get_settings.cache_clear()
    yield controller, inbox
    controller.stop()
    get_settings.cache_clear()


def _run(*args: str) -> tuple[int, str]:
    done = runner.invoke(app, ["campaigns", *args])
    return done.exit_code, done.output


def test_schedule_in_a_stores_zone_refusals_and_clear(engine: Engine, db: str) -> None:
    assert _run("schedule", "spring", "--at", "2099-01-01T10:00", "--zone",
                "Asia/Yekaterinburg", "--db", db) == (
        0, "spring: scheduled at 2099-01-01T05:00:00+00:00\n")  # fmt: skip
    code, said = _run("schedule", "spring", "--at", "2099-01-01T10:00", "--zone", "Mars/Base",
                      "--db", db)  # fmt: skip
    assert (code, "zone: unknown time zone" in said) == (1, True)
    code, said = _run("schedule", "spring", "--at", "2000-01-01T10:00+03:00", "--db", db)
    assert (code, "starts_at: must be in the future" in said) == (1, True)
    with engine.connect() as conn:  # the refusals changed nothing
        assert conn.scalar(select(Campaign.starts_at)) == datetime(2099, 1, 1, 5, tzinfo=UTC)
    assert _run("schedule", "spring", "--clear", "--db", db) == (0, "spring: draft\n")
    code, said = _run("schedule", "spring", "--clear", "--db", db)
    assert (code, "is not scheduled" in said) == (1, True)


def test_pause_resume_and_the_policy(engine: Engine, db: str) -> None:
    assert _run("pause", "spring", "--db", db) == (0, "paused spring\n")
    code, said = _run("pause", "spring", "--db", db)
    assert (code, "already paused" in said) == (1, True)
    assert _run("resume", "spring", "--db", db) == (0, "resumed spring\n")
    assert _run("resume", "spring", "--db", db)[0] == 1
    assert _run("pause", "nope", "--db", db)[0] == 1

    code, said = _run("policy", "--db", db)
    assert (code, json.loads(said)["channel_day"]) == (0, 1)
    code, said = _run("policy", "--channel-day", "5", "--db", db)
    assert (code, "channel_day: may not exceed channel_week" in said) == (1, True)
    code, said = _run("policy", "--quiet-from", "24", "--db", db)
    assert (code, "quiet_from_hour: an hour, 0..23" in said) == (1, True)
    assert json.loads(_run("policy", "--db", db)[1])["channel_day"] == 1  # nothing changed
    code, said = _run("policy", "--week", "10", "--channel-week", "4", "--db", db)
    assert code == 0, said
    assert json.loads(said[said.index("{") :])["week"] == 10
    assert json.loads(_run("policy", "--db", db)[1])["channel_week"] == 4


def test_send_test_and_the_worker_launches_a_due_campaign(
    engine: Engine, db: str, smtp, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _, inbox = smtp
    with engine.connect() as conn:
        someone = conn.scalar(select(func.min(Customer.id)))
    code, said = _run("send-test", "spring", "--customer", str(someone), "--to", "qa@shop.example",
                      "--db", db)  # fmt: skip
    assert code == 0, said
    assert json.loads(said)[0]["status"] == "sent"
    assert inbox.subjects == ["[TEST] Spring"]
    assert inbox.recipients == ["qa@shop.example"]
    assert _run("send-test", "spring", "--customer", str(someone), "--to", "x", "--db", db)[0] == 1

    no_quiet = _run("policy", "--quiet-from", "0", "--quiet-until", "0", "--db", db)
    assert no_quiet[0] == 0  # the worker runs on the real clock: no hold at night
    with unit_of_work(engine) as session:  # due a minute ago
        start = datetime.now(UTC) - timedelta(minutes=1)
        operations.schedule(session, "spring", start, start - timedelta(hours=1))
    code, said = _run("worker", "--until-idle", "--poll-seconds", "0.05", "--db", db,
                      "--snapshot", str(tmp_path / "snap.duckdb"))  # fmt: skip
    assert code == 0, said
    with engine.connect() as conn:
        sent = conn.scalar(select(func.count()).where(CampaignMessage.status == "sent"))
        status = conn.scalar(select(Campaign.status))
    assert (status, sent) == ("launched", 20)
    assert len(inbox.recipients) == 21
