"""Cross-channel attribution (A5): which channels acquire customers and which convert them.

*Acquire*: per channel, the customers new in the period (first purchase in scope ever falls in it)
whose first purchase was on it, and those whose first touchpoint ever was on it.
*Convert*: every purchase in the period shares one credit (and its total) among the customer's
touchpoints in the ``lookback_days`` before it: events (outbound messages excluded: they are the
retailer's, not the customer's) and earlier purchases, at day-summary resolution (each
customer-day-channel-kind counts once, at its first time). A purchase with no touchpoint credits
``(direct)``. Models: first touch (all to the first), last touch (all to the last), and
position-based 40/20/40 (``position_weight``).
"""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps

OUTBOUND = ["message_sent", "message_delivered"]
DIRECT = "(direct)"


def position_weight(position: int, touches: int) -> float:
    """Credit of the ``position``-th (1-based) of ``touches`` touchpoints, position-based model:
    40% first, 40% last, 20% shared by the middle; two touches 50/50; one touch all."""
    if touches == 1:
        return 1.0
    if touches == 2:
        return 0.5
    return 0.4 if position in (1, touches) else 0.2 / (touches - 2)


STEPS = (
    (
        "t_touches",
        """SELECT c.resolved_id AS customer, e.channel, e.first_at AS at_, 0 AS rank_
           FROM event_days e JOIN customers c ON c.id = e.customer_id
           WHERE NOT list_contains($outbound, e.kind) AND e.first_at < $until
           UNION ALL
           SELECT customer, channel, placed_at, 1 FROM scoped WHERE customer IS NOT NULL""",
    ),
    (
        "t_purchases",
        """SELECT id, customer, channel, placed_at, total_minor FROM scoped
           WHERE customer IS NOT NULL AND placed_at >= $since AND placed_at < $until""",
    ),
    (
        "t_paths",
        """SELECT p.id, p.total_minor, coalesce(t.channel, $direct) AS channel,
                  row_number() OVER w AS pos, count(*) OVER (PARTITION BY p.id) AS n
           FROM t_purchases p LEFT JOIN t_touches t
             ON t.customer = p.customer AND t.at_ < p.placed_at
            AND t.at_ >= p.placed_at - to_days($lookback)
           WINDOW w AS (PARTITION BY p.id ORDER BY t.at_, t.rank_, t.channel)""",
    ),
    (
        "t_credit",
        """SELECT channel,
                  sum(CASE WHEN pos = 1 THEN 1 ELSE 0 END) AS first_touch,
                  sum(CASE WHEN pos = n THEN 1 ELSE 0 END) AS last_touch,
                  sum(w) AS position,
                  sum(CASE WHEN pos = 1 THEN total_minor ELSE 0 END) AS first_touch_rev,
                  sum(CASE WHEN pos = n THEN total_minor ELSE 0 END) AS last_touch_rev,
                  sum(total_minor * w) AS position_rev
           FROM (SELECT *, CASE WHEN n = 1 THEN 1.0 WHEN n = 2 THEN 0.5
                                WHEN pos = 1 OR pos = n THEN 0.4 ELSE 0.2 / (n - 2) END AS w
                 FROM t_paths)
           GROUP BY channel""",
    ),
    (
        "t_new",
        """SELECT customer, arg_min(channel, placed_at) AS first_channel,
                  min(placed_at) AS first_at
           FROM scoped WHERE customer IS NOT NULL GROUP BY customer
           HAVING min(placed_at) >= $since""",
    ),
    (
        "t_acquired",
        """SELECT n.first_channel AS channel, count(*) AS by_purchase, 0 AS by_touch FROM t_new n
           GROUP BY ALL
           UNION ALL
           SELECT channel, 0, count(*) FROM (
               SELECT n.customer, arg_min(t.channel, t.at_) AS channel
               FROM t_new n JOIN t_touches t ON t.customer = n.customer
               GROUP BY n.customer)
           GROUP BY ALL""",
    ),
    (
        "t_converted",
        """SELECT channel, count(*) AS purchases, sum(total_minor) AS revenue
           FROM t_purchases GROUP BY channel""",
    ),
)
TABLE = """SELECT ch.channel, coalesce(a.by_purchase, 0), coalesce(a.by_touch, 0),
                  coalesce(v.purchases, 0), coalesce(v.revenue, 0),
                  coalesce(c.first_touch, 0), coalesce(c.last_touch, 0), coalesce(c.position, 0),
                  coalesce(c.first_touch_rev, 0), coalesce(c.last_touch_rev, 0),
                  coalesce(c.position_rev, 0)
           FROM (SELECT channel FROM t_credit UNION SELECT channel FROM t_acquired
                 UNION SELECT channel FROM t_converted) ch
           LEFT JOIN (SELECT channel, sum(by_purchase) AS by_purchase, sum(by_touch) AS by_touch
                      FROM t_acquired GROUP BY channel) a ON a.channel = ch.channel
           LEFT JOIN t_converted v ON v.channel = ch.channel
           LEFT JOIN t_credit c ON c.channel = ch.channel
           ORDER BY ch.channel"""


def attribution(db: duckdb.DuckDBPyConnection, query: Query, lookback_days: int = 30) -> Report:
    """Per channel: customers acquired, purchases made on it, and conversion credit (counts and
    revenue in minor units) under the three models."""
    params = prepare(db, query) | {
        "outbound": OUTBOUND,
        "direct": DIRECT,
        "lookback": lookback_days,
    }
    run_steps(db, STEPS, params)
    _, rows = fetch(db, TABLE, params)
    out = [
        (*row[:7], round(float(row[7]), 4), int(row[8]), int(row[9]), round(float(row[10])))
        for row in rows
    ]
    return Report(
        "attribution",
        "Cross-channel attribution",
        [
            "channel",
            "acquired_first_purchase",
            "acquired_first_touch",
            "purchases",
            "revenue_minor",
            "first_touch",
            "last_touch",
            "position_based",
            "first_touch_revenue_minor",
            "last_touch_revenue_minor",
            "position_based_revenue_minor",
        ],
        out,
        [
            f"touchpoints in the {lookback_days} days before each purchase",
            "position-based revenue is rounded per channel; it may differ from the total by a "
            "few minor units",
        ],
    )
