from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError

from omnicrm.store import migrate
from omnicrm.store.db import read_session, unit_of_work
from omnicrm.store.schema import Store


def _store(code: str) -> Store:
    return Store(
        code=code,
        name=code,
        city="Казань",
        region="Татарстан",
        timezone="Europe/Moscow",
        kind="store",
    )


def test_migrations_match_the_models_and_downgrade_cleanly(engine: Engine) -> None:
    migrate.check(engine)  # raises if a model changed without a migration
    migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    migrate.check(engine)


def test_aware_times_round_trip_as_utc(engine: Engine) -> None:
    from omnicrm.store.schema import ApiKey

    moscow = timezone(timedelta(hours=3))
    with unit_of_work(engine) as session:
        session.add(
            ApiKey(
                name="k",
                prefix="p",
                secret_hash="h",
                scopes="x",
                created_at=datetime(2025, 1, 1, 12, tzinfo=moscow),
            )
        )
    with read_session(engine) as session:
        stored = session.scalar(select(ApiKey.created_at))
    assert stored == datetime(2025, 1, 1, 9, tzinfo=UTC)
    assert stored.tzinfo is not None


def test_naive_datetimes_are_refused(engine: Engine) -> None:
    from omnicrm.store.schema import ApiKey

    with pytest.raises(StatementError, match="naive datetime"), unit_of_work(engine) as session:
        session.add(
            ApiKey(
                name="k", prefix="p", secret_hash="h", scopes="x", created_at=datetime(2025, 1, 1)
            )
        )
        session.flush()


def test_unit_of_work_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), unit_of_work(engine) as session:
        session.add(_store("S1"))
        session.flush()
        raise RuntimeError("boom")
    with read_session(engine) as session:
        assert session.scalars(select(Store)).all() == []
