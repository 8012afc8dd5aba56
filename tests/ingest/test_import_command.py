"""``omnicrm import``: a report table, exit code 0 with rejected rows, nonzero when unreadable."""

from pathlib import Path

from ingest_samples import POS, write_csv
from typer.testing import CliRunner

from omnicrm.cli import app


def test_import_reports_and_exits_zero_with_rejected_rows(exports: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    (exports / "pos_receipts.csv").unlink()
    write_csv(exports / "pos_receipts.csv", [POS[0], [*POS[1][:8], "NOPE", *POS[1][9:]]])
    result = CliRunner().invoke(app, ["import", str(exports), "--db", db, "--quiet"])
    assert result.exit_code == 0, result.output
    assert "marketplace" in result.output
    assert "lines[0].sku" in result.output


def test_unreadable_input_exits_nonzero(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    result = CliRunner().invoke(
        app, ["import", str(tmp_path / "missing.csv"), "--source", "pos", "--db", db]
    )
    assert result.exit_code == 1
    unknown = CliRunner().invoke(app, ["import", str(tmp_path), "--source", "fax", "--db", db])
    assert unknown.exit_code == 2
