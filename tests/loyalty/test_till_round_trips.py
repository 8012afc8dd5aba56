"""On PostgreSQL a receipt's calculate + confirm take three round trips: the quote's reads in
one pipeline, the confirm's reads (with its BEGIN) in another, its writes and COMMIT in a third;
no statement goes out on its own once the process has seen the program and its caches."""

import pytest
from loyalty_helpers import T0, receipt
from sqlalchemy import Engine, event

from omnicrm.loyalty import till, till_store
from omnicrm.loyalty.enrolment import enrol_member
from omnicrm.loyalty.schemas import CalculateRequest, EnrolRequest, ReceiptRequest
from omnicrm.store.db import unit_of_work


def test_calculate_and_confirm_take_three_round_trips_on_postgresql(
    program_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = program_engine
    if engine.dialect.name != "postgresql":
        pytest.skip("round trips are PostgreSQL's (SQLite runs in the process)")
    with unit_of_work(engine) as session:
        member = enrol_member(
            session, EnrolRequest(channel="till", phone="+79160002001", consents={}), T0
        )
    lines = [("MILK", "dairy", 2, 9_000), ("CAPP", "coffee", 1, 25_000)]

    def sell(n: int) -> None:
        body = receipt(f"RT{n}", member.account_id, lines)
        till.calculate_quote(engine, CalculateRequest.model_validate(body), T0)
        till.confirm_receipt(engine, ReceiptRequest.model_validate(body), T0)

    sell(1)  # the first receipt of the process reads the program once
    trips: list[str] = []
    pipelines: set[int] = set()

    def statement(conn, cursor, sql, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        pipeline = conn.connection.dbapi_connection._pipeline
        if pipeline is None:
            trips.append(sql.split()[0])
        elif id(pipeline) not in pipelines:
            pipelines.add(id(pipeline))
            trips.append("pipeline")

    def commit(conn) -> None:  # type: ignore[no-untyped-def]
        if conn.connection.dbapi_connection._pipeline is None:
            trips.append("COMMIT")

    fetch_all = till_store.fetch_all

    def reads(conn, queries):  # type: ignore[no-untyped-def]
        trips.append(f"reads:{len(queries)}")
        return fetch_all(conn, queries)

    monkeypatch.setattr(till_store, "fetch_all", reads)
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        sell(2)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    assert trips == ["reads:4", "reads:6", "pipeline"]
