"""The floor of the till benchmark: the very statements omnicrm's calculate + confirm issue,
replayed by the driver alone (psycopg, prepared; or sqlite3), with no HTTP and no framework.

``capture`` runs receipts through the till in this process and records, per receipt, each
statement as the driver got it (SQL, parameters, executemany, autocommit, pipeline mode) and
the commits. Operation and order ids are drawn by the statements themselves (a sequence, or
max + 1 on SQLite) from ``BIG`` on, so they are told apart from every other number: ``replay``
issues a trace again with a fresh receipt id, and puts the ids its results draw, in the order
they are drawn, where the captured ones were first used. Same transactions, same pipelines:
the same database work."""

import itertools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event, text

BIG = 10**12
"""Operation ids start here while capturing and replaying, order ids at twice it (so the two
never coincide)."""


@dataclass
class Step:
    sql: str | None  # None: a commit
    params: Any = None
    many: bool = False
    autocommit: bool = False
    group: int = 0
    """Statements (and a commit) sent in one pipeline share a group; 0: on their own."""


@dataclass
class Trace:
    receipt_id: str
    steps: list[Step]
    drawn: list[int] = field(default_factory=list)
    """The ids the statements drew (``BIG`` and above), in the order they were first used."""

    def __post_init__(self) -> None:
        for step in self.steps:
            for value in _big(step.params):
                if value not in self.drawn:
                    self.drawn.append(value)

    def round_trips(self) -> int:
        """Network round trips on PostgreSQL: a pipeline is one; outside one, each statement
        and commit, and the BEGIN psycopg sends before a transaction's first statement."""
        trips, begun, current = 0, False, 0
        for step in self.steps:
            if step.group and step.group == current:
                begun = begun and step.sql is not None
                continue
            current = step.group
            if step.sql is None:
                trips, begun = trips + 1, False
                continue
            if not step.autocommit and not begun:
                begun = True
                trips += 0 if step.group or step.sql.startswith("BEGIN") else 1
            trips += 1
        return trips


def move_sequences(engine: Engine) -> None:
    """Make new operation and order ids start at ``BIG``."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for table, start in (("loyalty_operations", BIG), ("orders", 2 * BIG)):
                conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :v)"),
                    {"v": start - 1},
                )
            return
        # SQLite draws max(id) + 1: a placeholder row of each at BIG - 1
        conn.execute(
            text(
                "INSERT INTO loyalty_operations (id, kind, terminal, op_key, request_hash, status, "
                "net_minor, points_earned, points_spent, occurred_at, recorded_at, response) "
                "VALUES (:id, 'floor', 'floor', 'floor', '', 'done', 0, 0, 0, "
                "'2024-01-01 00:00:00', '2024-01-01 00:00:00', '{}')"
            ),
            {"id": BIG - 1},
        )
        conn.execute(
            text(
                "INSERT INTO orders (id, source, source_key, channel, placed_at, status, currency, "
                "subtotal_minor, discount_minor, total_minor) VALUES (:id, 'floor', 'floor', "
                "'store', '2024-01-01 00:00:00', 'completed', 'RUB', 0, 0, 0)"
            ),
            {"id": 2 * BIG - 1},
        )


def capture(engine: Engine, run: Callable[[str], None], receipt_ids: list[str]) -> list[Trace]:
    """The trace of ``run(receipt_id)`` (a calculate and a confirm) for each receipt id: the
    statements SQLAlchemy executes and those ``store.pipeline`` sends on the driver itself."""
    from omnicrm.loyalty import till_store
    from omnicrm.store import pipeline

    steps: list[Step] = []
    pg = engine.dialect.name == "postgresql"
    groups = itertools.count(1)

    def group_of(raw: Any) -> int:
        return id(raw._pipeline) if pg and raw._pipeline is not None else 0

    def before(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        raw = conn.connection.dbapi_connection
        autocommit = bool(raw.autocommit) if pg else False
        steps.append(Step(statement, parameters, executemany, autocommit, group_of(raw)))

    def commit(conn) -> None:  # type: ignore[no-untyped-def]
        steps.append(Step(None, group=group_of(conn.connection.dbapi_connection)))

    fetch_all = till_store.fetch_all

    def fetch_recorded(conn, queries):  # type: ignore[no-untyped-def]
        if pg:
            raw, group = conn.connection.dbapi_connection, -next(groups)
            for query, params in queries:
                compiled = pipeline._compile(conn, query)
                sql, values = compiled.string, compiled.construct_params(params)
                steps.append(Step(sql, values, False, bool(raw.autocommit), group))
        return fetch_all(conn, queries)

    listeners = [("before_cursor_execute", before), ("commit", commit)]
    for name, fn in listeners:
        event.listen(engine, name, fn)
    till_store.fetch_all = fetch_recorded
    traces = []
    try:
        for receipt_id in receipt_ids:
            steps = []
            run(receipt_id)
            traces.append(Trace(receipt_id, steps))
    finally:
        till_store.fetch_all = fetch_all
        for name, fn in listeners:
            event.remove(engine, name, fn)
    return traces


def _big(value: Any) -> list[int]:
    """The ints of ``BIG`` and above in a statement's parameters, in order."""
    if type(value) is int:
        return [value] if value >= BIG else []
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [found for v in value for found in _big(v)]
    obj = getattr(value, "obj", None)
    return _big(obj) if obj is not None else []


class Substitute:
    """Parameters of a captured statement with this replay's receipt id and drawn ids."""

    def __init__(self, trace: Trace, new_receipt: str) -> None:
        self.receipt = (trace.receipt_id, new_receipt)
        self.captured = trace.drawn
        self.ids: dict[int, int] = {}

    def drew(self, rows: list) -> None:
        """Take the ids a result drew (in order) for the captured ones."""
        for value in _big(rows):
            if value not in self.ids.values():
                self.ids[self.captured[len(self.ids)]] = value

    def __call__(self, value: Any) -> Any:
        if type(value) is int:
            return self.ids.get(value, value)
        if isinstance(value, str):
            value = value.replace(*self.receipt)
            for old, new in self.ids.items():
                if str(old) in value:
                    value = value.replace(str(old), str(new))
            return value
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self(v) for v in value)
        obj = getattr(value, "obj", None)  # psycopg's Json / Jsonb wrappers
        if obj is not None:
            return type(value)(self(obj))
        return value


def replay_pg(conn: Any, trace: Trace, receipt_id: str) -> None:
    """``trace`` issued again on a psycopg connection (``prepare_threshold=0``)."""
    sub = Substitute(trace, receipt_id)
    pipeline, piped, group = None, [], 0
    for step in trace.steps:
        if pipeline is not None and step.group != group:
            pipeline.__exit__(None, None, None)
            for cursor in piped:  # the results came back as the pipeline synced
                if cursor.description is not None:
                    sub.drew(cursor.fetchall())
            pipeline, piped = None, []
        if step.sql is None:
            conn.commit()
            continue
        if conn.autocommit != step.autocommit and conn.info.transaction_status == 0:
            conn.autocommit = step.autocommit
        if step.group and pipeline is None:
            pipeline, group = conn.pipeline(), step.group
            pipeline.__enter__()
        cursor = conn.cursor()
        if step.many:
            cursor.executemany(step.sql, sub(step.params))
        else:
            cursor.execute(step.sql, sub(step.params))
        if step.group:
            piped.append(cursor)
        elif cursor.description is not None:
            sub.drew(cursor.fetchall())
    if pipeline is not None:
        pipeline.__exit__(None, None, None)


def replay_sqlite(conn: Any, trace: Trace, receipt_id: str) -> None:
    """``trace`` issued again on a sqlite3 connection (isolation_level None, as omnicrm's)."""
    sub = Substitute(trace, receipt_id)
    for step in trace.steps:
        if step.sql is None:
            conn.commit()
            continue
        if step.many:
            cur = conn.executemany(step.sql, sub(step.params))
        else:
            cur = conn.execute(step.sql, sub(step.params))
        if cur.description:
            sub.drew(cur.fetchall())


def backend_pid(conn: Any) -> int:
    return conn.info.backend_pid


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process (Linux), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def worker(
    kind: str, dsn: str, traces: list[Trace], seconds: float, n: int, out: Any
) -> None:  # pragma: no cover - runs in a child process
    """One floor till: replays its traces in turn for ``seconds``; puts (latencies, Python CPU,
    database CPU) on ``out``."""
    if kind == "postgres":
        import psycopg

        conn = psycopg.connect(dsn, prepare_threshold=0)
        replay = replay_pg
        pid = backend_pid(conn)
    else:
        import sqlite3

        conn = sqlite3.connect(dsn, isolation_level=None, timeout=30)
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        replay = replay_sqlite
        pid = None
    counter = itertools.count()
    for trace in traces:  # warm: every statement prepared once
        replay(conn, trace, f"w{n}-{next(counter)}-{trace.receipt_id}")
    latencies = []
    cpu0, db0 = time.process_time(), proc_cpu(pid) if pid else 0.0
    stop = time.monotonic() + seconds
    for trace in itertools.cycle(traces):
        if time.monotonic() >= stop:
            break
        t0 = time.perf_counter()
        replay(conn, trace, f"f{n}-{next(counter)}-{trace.receipt_id}")
        latencies.append(time.perf_counter() - t0)
    db = (proc_cpu(pid) - db0) if pid else 0.0
    out.put((latencies, time.process_time() - cpu0, db))
    conn.close()
