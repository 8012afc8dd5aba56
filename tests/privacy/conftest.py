"""Fixtures for privacy tests: the hand-made exports of every channel on disk."""

from pathlib import Path

import pytest
from ingest_samples import write_exports


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    return write_exports(tmp_path / "exports")
