"""Fixtures of the page tests: the small store once per module for the read-only tests, and a
fresh copy for each test that changes something."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_sales import add_sales
from web_store import Store, build_store

from omnicrm.store.db import make_engine


def _store_at(template: Path, path: Path) -> Store:
    shutil.copyfile(template, path)
    return build_store(make_engine(f"sqlite:///{path}"))


@pytest.fixture(scope="module")
def store(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    built = _store_at(sqlite_template, tmp_path_factory.mktemp("web") / "web.db")
    yield built
    built.engine.dispose()


@pytest.fixture
def fresh_store(sqlite_template: Path, tmp_path: Path) -> Iterator[Store]:
    built = _store_at(sqlite_template, tmp_path / "web.db")
    yield built
    built.engine.dispose()


@pytest.fixture(scope="module")
def sales(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The tiny store with sales (``web_sales``), for the dashboard and analytics pages."""
    built = _store_at(sqlite_template, tmp_path_factory.mktemp("sales") / "web.db")
    add_sales(built.engine, built.anna, built.anna_twin, built.petr)
    yield built
    built.engine.dispose()


@pytest.fixture
def fresh_sales(sqlite_template: Path, tmp_path: Path) -> Iterator[Store]:
    built = _store_at(sqlite_template, tmp_path / "web.db")
    add_sales(built.engine, built.anna, built.anna_twin, built.petr)
    yield built
    built.engine.dispose()
