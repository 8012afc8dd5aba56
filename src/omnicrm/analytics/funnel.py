"""The funnel by stage (C5), per acquisition source, counted in customers over the period:

1. ``acquired``  — a touchpoint (event) or a purchase in the period;
2. ``browsed``   — viewed the storefront or a product (page/product view, search, app open), or
   browsed in a store (a Wi-Fi or camera sighting identity linked to the customer);
3. ``carted``    — put something in a cart or started a checkout;
4. ``purchased`` — a purchase in scope in the period;
5. ``received``  — one of those purchases reached them (delivered, picked up, or bought in store),
   also broken down by fulfilment type (``received:courier``, ``received:in_store``, ...);
6. ``feedback``  — answered a survey (NPS/CSI).

A customer's source is the first UTM source they carried in the period (web events, web and app
orders), else ``(direct)``. Channel, store, level, city and segment filters apply to events as to
purchases (the city of an event is the customer's). Anonymous browsing is not in the funnel: the
funnel follows people, and an unidentified cookie is not yet one.
"""

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report, share
from omnicrm.analytics.scope import prepare
from omnicrm.analytics.steps import fetch, run_steps

STAGES = ("acquired", "browsed", "carted", "purchased", "received", "feedback")
KINDS = {
    "browsed": ["page_view", "product_view", "search", "app_open", "wifi_sighting", "face_seen"],
    "carted": ["add_to_cart", "checkout"],
    "feedback": ["survey_answer"],
}

STEPS = (
    (
        "f_events",
        """SELECT c.resolved_id AS customer, e.kind, e.utm_source, e.first_at
           FROM event_days e JOIN customers c ON c.id = e.customer_id
           LEFT JOIN people p ON p.id = c.resolved_id
           LEFT JOIN stores st ON st.id = e.store_id
           LEFT JOIN member_segments ms ON ms.customer = c.resolved_id
           WHERE e.first_at >= $since AND e.first_at < $until
             AND ($f_channel IS NULL OR e.channel = $f_channel)
             AND ($f_store IS NULL OR st.code = $f_store)
             AND ($f_city IS NULL OR coalesce(st.city, p.city) = $f_city)
             AND ($f_level IS NULL OR coalesce(p.level, '(none)') = $f_level)
             AND ($f_segment IS NULL OR ms.segment = $f_segment)""",
    ),
    (
        "f_orders",
        """SELECT customer, utm_source, placed_at, fulfilled,
                  coalesce(fulfilment, 'in_store') AS fulfilment
           FROM scoped
           WHERE customer IS NOT NULL AND placed_at >= $since AND placed_at < $until""",
    ),
    (
        "f_sources",
        """SELECT customer,
                  coalesce(arg_min(utm_source, seen_at) FILTER (WHERE utm_source IS NOT NULL),
                           '(direct)') AS source
           FROM (SELECT customer, utm_source, first_at AS seen_at FROM f_events
                 UNION ALL SELECT customer, utm_source, placed_at FROM f_orders)
           GROUP BY customer""",
    ),
    (
        "f_stages",
        """SELECT customer, 'browsed' AS stage FROM f_events WHERE list_contains($browsed, kind)
           UNION SELECT customer, 'carted' FROM f_events WHERE list_contains($carted, kind)
           UNION SELECT customer, 'feedback' FROM f_events WHERE list_contains($feedback, kind)
           UNION SELECT customer, 'purchased' FROM f_orders
           UNION SELECT customer, 'received' FROM f_orders WHERE fulfilled
           UNION SELECT customer, 'received:' || fulfilment FROM f_orders WHERE fulfilled
           UNION SELECT customer, 'acquired' FROM f_sources""",
    ),
)
COUNTS = """SELECT s.source, g.stage, count(*) AS customers
            FROM f_stages g JOIN f_sources s ON s.customer = g.customer
            GROUP BY ALL ORDER BY s.source, g.stage"""


def funnel(db: duckdb.DuckDBPyConnection, query: Query) -> Report:
    """Customers at each stage per source, with the share of the acquired and of the stage
    before (fulfilment rows: the share of the received)."""
    params = prepare(db, query) | KINDS
    run_steps(db, STEPS, params)
    _, rows = fetch(db, COUNTS, params)
    counts: dict[str, dict[str, int]] = {}
    for source, stage, n in rows:
        counts.setdefault(source, {})[stage] = n
    out = []
    for source in sorted(counts, key=lambda s: (-counts[s].get("acquired", 0), s)):
        stages = counts[source]
        acquired, before = stages.get("acquired", 0), None
        for stage in STAGES:
            n = stages.get(stage, 0)
            out.append((source, stage, n, share(n, acquired), share(n, before)))
            before = n
            if stage == "received":
                out += [
                    (
                        source,
                        name,
                        stages[name],
                        share(stages[name], acquired),
                        share(stages[name], n),
                    )
                    for name in sorted(stages)
                    if name.startswith("received:")
                ]
    return Report(
        "funnel",
        "Funnel by stage and acquisition source",
        ["source", "stage", "customers", "share_of_acquired", "share_of_previous"],
        out,
        [
            "customers (resolved profiles) only: anonymous browsing is not counted",
            "stages are not nested: a store buyer may purchase without browsing online",
        ],
    )
