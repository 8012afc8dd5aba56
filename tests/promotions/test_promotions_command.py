"""``omnicrm promotions``: save and publish a rules file, generate codes, simulate."""

import json
from pathlib import Path

from typer.testing import CliRunner

from omnicrm.promotions.command import app


def test_save_publish_codes_and_simulate(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    rules = tmp_path / "spring.json"
    rules.write_text(
        json.dumps(
            {
                "code": "SPRING",
                "name": "spring",
                "effects": [{"type": "percent_off", "percent": "5"}],
            }
        )
    )
    runner = CliRunner()
    saved = runner.invoke(app, ["save", str(rules), "--db", db, "--publish"])
    assert saved.exit_code == 0, saved.output
    assert "published v1" in saved.output
    out = tmp_path / "codes.txt"
    made = runner.invoke(app, ["coupons", "SPRING", "--count", "50", "--out", str(out), "--db", db])
    assert made.exit_code == 0, made.output
    assert len(set(out.read_text().split())) == 50
    listed = runner.invoke(app, ["list", "--db", db])
    assert "SPRING\tactive\tv1" in listed.output
    simulated = runner.invoke(
        app,
        [
            "simulate", "SPRING", "--db", db,
            "--start", "2025-01-01T00:00:00+00:00", "--end", "2025-02-01T00:00:00+00:00",
        ],
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.output
    assert json.loads(simulated.output)["receipts"] == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"code": "B", "name": "b", "effects": []}))
    failed = runner.invoke(app, ["save", str(bad), "--db", db])
    assert failed.exit_code == 1
    assert "effects" in failed.output
