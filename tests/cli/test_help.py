"""Every command answers --help (the command line is the first thing an integrator meets)."""

import pytest
import typer
from typer.testing import CliRunner

from omnicrm.cli import app


def _command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths += _command_paths(sub, (*prefix, name))
    return paths


PATHS = _command_paths(typer.main.get_command(app))


def test_the_command_line_has_the_expected_commands() -> None:
    names = {path[0] for path in PATHS if path}
    assert {"synth", "import", "serve", "demo", "db", "keys"} <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "omnicrm")
def test_help_everywhere(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
