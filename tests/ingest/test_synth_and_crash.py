"""End to end over synthetic exports: everything omnicrm.synth writes imports with zero rejected
rows (native files and Parquet alike), and an import killed mid-way leaves whole batches only and
completes on a rerun to the same state as a clean import."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ingest_samples import table_counts
from sqlalchemy import Engine, text

from omnicrm.core.settings import get_settings
from omnicrm.ingest.bulk import import_directory, import_file
from omnicrm.store.db import make_engine
from omnicrm.store.migrate import upgrade
from omnicrm.synth import generate

ORDER_SOURCES = ("pos", "web", "app", "callcentre", "marketplace")
CRASH_BATCH = 200


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("synth")
    return {
        fmt: (generate(root / fmt, customers=300, seed=42, fmt=fmt), root / fmt)[1]
        for fmt in ("native", "parquet")
    }


@pytest.mark.parametrize("fmt", ["native", "parquet"])
def test_synthetic_exports_import_without_rejections(
    engine: Engine, small_world: dict[str, Path], fmt: str
) -> None:
    report = import_directory(engine, small_world[fmt])
    assert report.total.rejected == 0, report.errors[:5]
    assert report.sources["pos"].inserted > 0
    again = import_directory(engine, small_world[fmt])
    assert again.total.inserted == 0


@pytest.fixture(scope="module")
def crash_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "data"
    generate(path, customers=2000, seed=7)
    return path


def _committed(engine: Engine) -> int:
    with engine.connect().execution_options(readonly=True) as conn:
        return conn.scalar(text("SELECT count(*) FROM import_batches WHERE source = 'pos'")) or 0


def test_killed_import_leaves_whole_batches_and_a_rerun_completes(
    engine: Engine, crash_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "OMNICRM_IMPORT_BATCH_SIZE": str(CRASH_BATCH)}
    command = [sys.executable, "-m", "omnicrm", "import", str(crash_world), "--db", url, "--quiet"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _committed(engine) < 2:
        assert child.poll() is None, child.stderr.read().decode()  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()

    with engine.connect().execution_options(readonly=True) as conn:
        for source in ORDER_SOURCES:
            stored = conn.scalar(
                text(
                    "SELECT (SELECT count(*) FROM orders WHERE source = :s)"
                    " + (SELECT count(*) FROM returns WHERE source = :s)"  # POS return receipts
                ),
                {"s": source},
            )
            committed = conn.scalar(
                text("SELECT coalesce(sum(inserted), 0) FROM import_batches WHERE source = :s"),
                {"s": source},
            )
            assert stored == committed, source
        half_written = conn.scalar(
            text(
                "SELECT count(*) FROM orders o WHERE total_minor != "
                "(SELECT coalesce(sum(amount_minor), -1) FROM order_lines l"
                " WHERE l.order_id = o.id)"
            )
        )
        assert half_written == 0

    monkeypatch.setattr(get_settings(), "import_batch_size", CRASH_BATCH)
    rerun = import_directory(engine, crash_world)
    assert rerun.skipped_batches >= 2
    assert rerun.total.rejected == 0

    clean = make_engine(f"sqlite:///{tmp_path / 'clean.db'}")
    upgrade(clean)
    import_directory(clean, crash_world)
    assert table_counts(engine) == table_counts(clean)
    clean.dispose()


def test_worker_processes_give_the_same_result_as_one(
    engine: Engine, small_world: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(get_settings(), "import_batch_size", 50)
    pos = small_world["native"] / "pos_receipts.csv"
    for name in ("stores.csv", "products.csv"):
        import_file(engine, small_world["native"] / name)
    parallel = import_file(engine, pos, workers=2)
    assert parallel.total.rejected == 0
    single = make_engine(f"sqlite:///{tmp_path / 'single.db'}")
    upgrade(single)
    for name in ("stores.csv", "products.csv", "pos_receipts.csv"):
        import_file(single, small_world["native"] / name, workers=1)
    assert table_counts(engine) == table_counts(single)
    single.dispose()
