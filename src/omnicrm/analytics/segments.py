"""RFM scoring: quintile scores and the standard named segments.

Scores are 1-5 by rank among the customers scored: ``1 + floor(5 * percent_rank)`` (capped at 5),
where percent_rank is the share of the others with a strictly smaller value; so equal values share a
score and the smallest value always scores 1 (quintiles of a heavily tied frequency would otherwise
skip scores). Recency (days since the last purchase before the period end;
more recent scores higher), frequency (purchases in the period) and monetary (their sum). A
segment is named from R and the mean of F and M rounded up (FM), by ``SEGMENT_GRID``, the usual
R x FM chart; the rule is a pure function, joined to the scores as a 125-row table.
"""

import pyarrow as pa

from omnicrm.analytics.steps import Step

SEGMENTS = (
    "Champions",
    "Loyal",
    "Potential loyalists",
    "New",
    "Promising",
    "Need attention",
    "About to sleep",
    "At risk",
    "Can't lose them",
    "Hibernating",
    "Lost",
)

SEGMENT_GRID = {
    5: ("New", "Potential loyalists", "Potential loyalists", "Champions", "Champions"),
    4: ("Promising", "Potential loyalists", "Loyal", "Loyal", "Champions"),
    3: ("About to sleep", "About to sleep", "Need attention", "Loyal", "Loyal"),
    2: ("Hibernating", "Hibernating", "At risk", "At risk", "Can't lose them"),
    1: ("Lost", "Lost", "At risk", "Can't lose them", "Can't lose them"),
}
"""Row: R score; column: FM score 1..5."""


def segment_of(r: int, f: int, m: int) -> str:
    """The segment of a customer scored ``r``, ``f``, ``m`` (each 1..5)."""
    if not all(1 <= s <= 5 for s in (r, f, m)):
        raise ValueError(f"scores must be 1..5, got {(r, f, m)}")
    fm = (f + m + 1) // 2
    return SEGMENT_GRID[r][fm - 1]


def segment_table() -> pa.Table:
    """Every score combination with its segment, for joining in SQL."""
    combos = [(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]
    return pa.table(
        {
            "r": [c[0] for c in combos],
            "f": [c[1] for c in combos],
            "m": [c[2] for c in combos],
            "segment": [segment_of(*c) for c in combos],
        }
    )


def _score(order: str) -> str:
    return f"CAST(least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY {order}))) AS INTEGER)"


def score_steps(source: str, prefix: str) -> tuple[Step, ...]:
    """Steps scoring the customers of relation ``source`` (a code constant, not input) over
    ``[$since, $until)``, ending in table ``{prefix}_segments``. Needs ``rfm_grid`` registered."""
    return (
        (
            f"{prefix}_base",
            f"""SELECT customer, date_diff('day', max(placed_at), $until) AS recency_days,
                       count(*) AS frequency, sum(total_minor) AS monetary
                FROM {source}
                WHERE customer IS NOT NULL AND placed_at >= $since AND placed_at < $until
                GROUP BY customer""",
        ),
        (
            f"{prefix}_scores",
            f"""SELECT *,
                  {_score("recency_days DESC")} AS r,
                  {_score("frequency")} AS f,
                  {_score("monetary")} AS m
                FROM {prefix}_base""",
        ),
        (
            f"{prefix}_segments",
            f"""SELECT s.*, g.segment FROM {prefix}_scores s
                JOIN rfm_grid g ON g.r = s.r AND g.f = s.f AND g.m = s.m""",
        ),
    )
