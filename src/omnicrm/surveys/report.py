"""A survey's scores over a period, overall and by store, channel, RFM segment or month. The
RFM segment is the analytics one (``analytics.segments``) over the year before the period's end,
read from the DuckDB snapshot; the rest comes from the answers themselves."""

from collections.abc import Callable
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa
from sqlalchemy import Connection

from omnicrm.analytics.segments import score_steps, segment_table
from omnicrm.analytics.steps import run_steps
from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.surveys import repository
from omnicrm.surveys.scores import Score, Scored, grouped, month_of

BY = ("store", "channel", "segment", "month")
RFM_WINDOW = timedelta(days=365)


def segments_of(
    db: duckdb.DuckDBPyConnection, customer_ids: set[int], until: datetime
) -> dict[int, str]:
    """Each profile's RFM segment (through merges to its person) at ``until``."""
    db.register("rfm_grid", segment_table())
    db.register("sv_answered", pa.table({"id": pa.array(sorted(customer_ids), pa.int64())}))
    try:
        run_steps(db, score_steps("purchases", "sv"), {"since": until - RFM_WINDOW, "until": until})
        rows = db.execute(
            """SELECT a.id, s.segment FROM sv_answered a
               JOIN customers c ON c.id = a.id JOIN sv_segments s ON s.customer = c.resolved_id"""
        ).fetchall()
    finally:
        db.unregister("sv_answered")
        db.unregister("rfm_grid")
    return dict(rows)


def _key(by: str | None, segments: dict[int, str]) -> Callable[[Scored], str | None]:
    if by == "segment":
        return lambda a: segments.get(a.customer_id) if a.customer_id is not None else None
    if by == "month":
        return month_of
    if by in ("store", "channel"):
        return lambda a: getattr(a, by)
    return lambda a: "all"


def scores(
    conn: Connection,
    code: str,
    *,
    by: str | None,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    snapshot: Callable[[], duckdb.DuckDBPyConnection] | None = None,
) -> tuple[str, list[Score]]:
    """The survey's kind and its scores (the first row is over every answer)."""
    if by is not None and by not in BY:
        raise InvalidRecord([FieldError("by", f"must be one of {', '.join(BY)}")])
    survey = repository.get(conn, code)
    answers = repository.answers(conn, survey, since, until)
    segments: dict[int, str] = {}
    if by == "segment":
        if snapshot is None:
            raise ValueError("scores by segment need the analytics snapshot")
        db = snapshot()
        try:
            ids = {a.customer_id for a in answers if a.customer_id is not None}
            segments = segments_of(db, ids, until or now)
        finally:
            db.close()
    rows = grouped(survey.kind, answers, _key(by, segments))
    return survey.kind, rows if by else rows[:1]
