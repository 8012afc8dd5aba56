"""``omnicrm audiences count`` and ``omnicrm campaigns launch / results`` on a SQLite file."""

import json
from pathlib import Path

import pytest
from campaign_shop import build
from typer.testing import CliRunner

from omnicrm.campaigns import audiences, campaign, messages
from omnicrm.cli import app
from omnicrm.core.clock import utcnow
from omnicrm.store.commandline import migrated_engine
from omnicrm.store.db import unit_of_work


def test_count_launch_and_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = migrated_engine(db)
    rule = {"type": "purchased", "categories": ["Shoes"], "within_days": 3650}
    with unit_of_work(engine) as session:
        build(session)
        audiences.save(session, "shoes", "Shoes", audiences.parse_rule(rule), utcnow())
        campaign.create(
            session,
            campaign.NewCampaign(
                "spring",
                "Spring",
                "shoes",
                "sms",
                (campaign.Variant("A", "Hi {{ first_name }}"),),
                control_bp=0,
            ),
            utcnow(),
        )
    file = tmp_path / "rule.json"
    file.write_text(json.dumps(rule))
    runner = CliRunner()
    counted = runner.invoke(app, ["audiences", "count", str(file), "--db", db])
    assert (counted.exit_code, counted.output.strip()) == (0, "2"), counted.output
    queued: list[messages.OutgoingMessage] = []
    monkeypatch.setattr(messages, "enqueue", lambda conn, batch: queued.extend(batch) or len(batch))
    launched = runner.invoke(app, ["campaigns", "launch", "spring", "--db", db])
    assert launched.exit_code == 0, launched.output
    assert json.loads(launched.output)["audience"] == 2
    assert json.loads(launched.output)["queued"] == len(queued)
    shown = runner.invoke(app, ["campaigns", "results", "spring", "--db", db])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["verdict"].startswith("not significant")
