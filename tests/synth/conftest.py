"""One small generated data set shared by the synth tests (generation takes about a second)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from omnicrm.synth import generate

CUSTOMERS = 2500


@pytest.fixture(scope="session")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, CUSTOMERS, seed=7)
    return out


@pytest.fixture(scope="session")
def manifest(dataset: Path) -> dict:
    return orjson.loads((dataset / "manifest.json").read_bytes())


def read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def read_jsonl(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.fixture(scope="session")
def rows(dataset: Path) -> Callable[[str], list[dict]]:
    """Rows of a generated file by name, parsed once."""
    cache: dict[str, list[dict]] = {}

    def load(name: str) -> list[dict]:
        if name not in cache:
            path = dataset / name
            if name.endswith(".jsonl"):
                cache[name] = read_jsonl(path)
            else:
                cache[name] = read_csv(path, ";" if name.startswith("marketplace") else ",")
        return cache[name]

    return load
