"""The generated chain every prediction test reads (see ``predict_chain``)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from predict_chain import Chain, build_chain


@pytest.fixture(scope="session")
def chain(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chain]:
    built = build_chain(tmp_path_factory.mktemp("predict"), sqlite_template)
    yield built
    built.snapshot.close()
    built.engine.dispose()
