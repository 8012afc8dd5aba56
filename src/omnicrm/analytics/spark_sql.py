"""DuckDB SQL to Spark SQL: sqlglot's transpiler plus the few places where the two engines give
the same text different meanings, so that every analysis step is written once (in DuckDB's
dialect) and means the same on both.

What sqlglot translates by itself: names of functions (``list_contains`` -> ``array_contains``,
``arg_min`` -> ``min_by``, ``strftime`` formats), ``$name`` parameters (``:name``, bound by
``spark.sql(args=...)``), and the default order of NULLs. What this module adds:

- ``date_diff(unit, a, b)`` counts unit *boundaries* in DuckDB and whole units elapsed in Spark:
  both arguments are truncated to the unit first.
- ``/`` is always floating-point division in DuckDB; in Spark a decimal literal (``0.4``) keeps it
  decimal: the dividend is cast to DOUBLE.
- ``to_days(n)`` is ``make_dt_interval(n)``.
- ``timezone(zone, instant)`` (an instant's wall time in a zone) is ``from_utc_timestamp``.
- ``date_part('year', age(a, b))`` (whole years from b to a) becomes the yyyymmdd difference.
- ``isodow(t)`` (Monday 1 ... Sunday 7): sqlglot writes ``DAYOFWEEK(t) % 7 + 1``, but Spark's
  ``DAYOFWEEK`` counts from Sunday = 1, so Monday would come out 3; it is
  ``(DAYOFWEEK(t) + 5) % 7 + 1``.
"""

import sqlglot
from sqlglot import exp

READ, WRITE = "duckdb", "spark"


def _fill(template: str, value: exp.Expression) -> exp.Expression:
    """The Spark expression ``template`` with ``value`` in place of its column ``v``."""
    return sqlglot.parse_one(template, read=WRITE).transform(
        lambda n: value.copy() if isinstance(n, exp.Column) and n.name == "v" else n
    )


def _yyyymmdd(value: exp.Expression) -> exp.Expression:
    return _fill("(YEAR(v) * 10000 + MONTH(v) * 100 + DAY(v))", value)


def _anonymous(node: exp.Anonymous) -> exp.Expression:
    name, args = node.name.lower(), node.expressions
    if name == "timezone" and len(args) == 2:
        return exp.Anonymous(this="from_utc_timestamp", expressions=[args[1], args[0]])
    if (
        name == "date_part"
        and len(args) == 2
        and isinstance(args[0], exp.Literal)
        and args[0].name.lower() == "year"
        and isinstance(args[1], exp.Anonymous)
        and args[1].name.lower() == "age"
    ):
        later, earlier = args[1].expressions
        difference = exp.Sub(this=_yyyymmdd(later), expression=_yyyymmdd(earlier))
        return exp.IntDiv(this=exp.Paren(this=difference), expression=exp.Literal.number(10000))
    return node


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DateDiff):
        unit = node.args.get("unit") or exp.Var(this="DAY")
        for arg in ("this", "expression"):
            node.set(arg, exp.TimestampTrunc(this=node.args[arg], unit=unit.copy()))
        return node
    if isinstance(node, exp.Div) and not node.args.get("typed"):
        node.set("this", exp.cast(node.this, exp.DataType.build("DOUBLE")))
        return node
    if isinstance(node, exp.DayOfWeekIso):
        return _fill("((DAYOFWEEK(v) + 5) % 7 + 1)", node.this)
    if isinstance(node, exp.ToDays):
        return exp.Anonymous(this="make_dt_interval", expressions=[node.this])
    if isinstance(node, exp.Anonymous):
        return _anonymous(node)
    return node


def parse(sql: str) -> exp.Expression:
    """One DuckDB statement, rewritten to mean in Spark what it means in DuckDB."""
    statement = sqlglot.parse_one(sql, read=READ)
    return statement.transform(_rewrite, copy=False)


def to_spark(statement: exp.Expression) -> str:
    """Spark SQL text of a (rewritten) statement; refuses what Spark cannot express."""
    return statement.sql(WRITE, unsupported_level=sqlglot.ErrorLevel.RAISE)
