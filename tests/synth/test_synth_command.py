"""The ``synth`` Typer command, as the CLI will register it."""

from __future__ import annotations

from pathlib import Path

import orjson
import typer
from typer.testing import CliRunner

from omnicrm.synth.command import synth


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("synth")(synth)
    app.command("noop")(lambda: None)  # two commands, so "synth" is a subcommand as in the real CLI
    return app


def test_help() -> None:
    result = CliRunner().invoke(_app(), ["synth", "--help"])
    assert result.exit_code == 0
    for option in ("--customers", "--seed", "--fmt", "--workers"):
        assert option in result.output


def test_generates(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(), ["synth", str(tmp_path), "--customers", "200", "--seed", "9"]
    )
    assert result.exit_code == 0, result.output
    manifest = orjson.loads((tmp_path / "manifest.json").read_bytes())
    assert manifest["customers"] == 200
    assert manifest["seed"] == 9
    assert (tmp_path / "pos_receipts.csv").exists()


def test_rejects_unknown_format(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["synth", str(tmp_path), "--fmt", "xml"])
    assert result.exit_code != 0
