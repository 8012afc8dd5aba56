"""``omnicrm surveys create / invite / scores`` on a SQLite file."""

from pathlib import Path

from typer.testing import CliRunner

from analytics.analytics_shop import Shop, at
from omnicrm.cli import app
from omnicrm.store.commandline import migrated_engine
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema import Event

BUNDLED = Path(__file__).parents[2] / "src/omnicrm/surveys/questionnaires"


def test_create_invite_and_scores_by_store(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = migrated_engine(db)
    with unit_of_work(engine) as session:
        shop = Shop(session)
        shop.reference()
        shop.customer("A")
        shop.order("A", "store", at(8, 30), [("P1", 1, 1000)], store="S1")
        for i, score in enumerate([10, 9, 3]):  # 2 promoters, 1 detractor at S1: NPS 33.3
            session.add(Event(source="surveys", source_key=f"R{i}", kind="survey_answer",
                              channel="sms", occurred_at=at(8, 31), store_id=shop.ids["S1"],
                              attrs={"survey": "nps", "score": score}))  # fmt: skip
    runner = CliRunner()
    made = runner.invoke(app, ["surveys", "create", str(BUNDLED / "nps.json"), "--db", db])
    assert made.exit_code == 0, made.output
    assert (
        runner.invoke(app, ["surveys", "create", str(BUNDLED / "csi.json"), "--db", db]).exit_code
        == 0
    )
    invite = ["surveys", "invite", "nps", "--since", "2025-08-01", "--until", "2025-09-01"]
    assert "invited 1" in runner.invoke(app, [*invite, "--db", db]).output
    assert "invited 0" in runner.invoke(app, [*invite, "--db", db]).output
    out = runner.invoke(app, ["surveys", "scores", "nps", "--by", "store", "--db", db])
    assert out.exit_code == 0, out.output
    lines = [line.split("│") for line in out.output.splitlines() if "S1" in line]
    assert [c.strip() for c in lines[0][1:-1]] == ["S1", "3", "33.3", "2", "0", "1"]
