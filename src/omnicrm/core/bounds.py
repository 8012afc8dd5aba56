"""The bounds of every number and text the product takes in, declared once.

Why: a value the database cannot hold (an id past BIGINT, a quantity past INTEGER, a NUL byte,
which PostgreSQL text refuses) must be refused at the door with an error naming the field, not
fail deep in a write. The aliases are plain pydantic ``Annotated`` types, so API schemas and
route parameters share them and the OpenAPI documents each bound."""

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, Field

BIGINT_MAX = 2**63 - 1
"""Ids, offsets and cursors: what a BIGINT column holds."""
INT_MAX = 2**31 - 1
"""Counts stored in INTEGER columns (line numbers, coupon uses, batch sizes)."""
MONEY_MAX = 10**13
"""Minor units: 100 billion roubles, past any real receipt yet far within BIGINT after sums."""
POINTS_MAX = 10**11
"""Loyalty points in one operation or balance figure: a ceiling no programme reaches."""
QUANTITY_MAX = 100_000
"""Units of one line."""
DAYS_MAX = 36_500
"""Periods in days (validity, grace, windows): a century, within any date arithmetic."""

Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
Offset = Annotated[int, Field(ge=0, le=BIGINT_MAX)]
"""A page offset, or an id cursor (``after``)."""
Count = Annotated[int, Field(ge=0, le=INT_MAX)]
PositiveCount = Annotated[int, Field(ge=1, le=INT_MAX)]
Money = Annotated[int, Field(ge=0, le=MONEY_MAX, description="Minor units.")]
PositiveMoney = Annotated[int, Field(ge=1, le=MONEY_MAX, description="Minor units.")]
Points = Annotated[int, Field(ge=0, le=POINTS_MAX)]
PositivePoints = Annotated[int, Field(ge=1, le=POINTS_MAX)]
Quantity = Annotated[int, Field(ge=1, le=QUANTITY_MAX)]
LineNo = Annotated[int, Field(ge=1, le=INT_MAX)]
Days = Annotated[int, Field(ge=0, le=DAYS_MAX)]
PositiveDays = Annotated[int, Field(ge=1, le=DAYS_MAX)]

YEARS = range(1900, 2201)
"""Years a time or date taken in may fall in: room for birth dates and long validity, and far
from the ends of Python's and the databases' calendars, where period arithmetic overflows."""


def _plausible(value: date) -> date:
    if value.year not in YEARS:
        raise ValueError(f"year must be {YEARS.start}..{YEARS.stop - 1}")
    return value


Instant = Annotated[datetime, AfterValidator(_plausible)]
AwareInstant = Annotated[AwareDatetime, AfterValidator(_plausible)]
Day = Annotated[date, AfterValidator(_plausible)]

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
"""Control characters (tab, line feed and carriage return are text) and lone surrogates (not
encodable as UTF-8)."""


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or None when it can."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    return f"control character U+{ord(found.group()):04X} at position {found.start()}"


def text_problems(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """``(field, message)`` for every string (key or value) in parsed JSON ``value`` that
    cannot be stored as text; fields are dotted paths (``lines.0.sku``) as in validation
    errors."""
    if isinstance(value, str):
        if (problem := text_problem(value)) is not None:
            yield path, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}.{key}" if path else str(key)
            if (problem := text_problem(str(key))) is not None:
                yield field, f"key: {problem}"
            yield from text_problems(item, field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from text_problems(item, f"{path}.{index}" if path else str(index))
