"""Behavioural features per customer as of a cut-off, computed in DuckDB over the analytics
snapshot.

Everything is read strictly before the cut-off (``as_of``), so features at a past cut-off see only
what was known then and a time split does not leak. The customers are the snapshot's resolved
people with a purchase in the ``ACTIVE_DAYS`` before the cut-off.

From the snapshot: recency, frequency and monetary over 30/90/365 days, tenure, average receipt,
discount and points-paid shares, the mean gap between purchase days, its spread, the last gap and
its trend (slope of the gaps in their order), category breadth (root categories), channel mix,
returns, site/app activity (events by day), campaign responses (messages received, opened,
clicked; orders carrying a campaign tag) and calls. The favourite root category of the year and
the one lapsed (bought 90-365 days ago, not in the last 90) come along for the retention action.

From the operational store, when an engine is given (``store_facts``; the snapshot holds none of
it): the points balance as of the cut-off (the ledger's entries up to it), the points of lots
expiring within 30 days and the days to the soonest, the loyalty level and its changes in the
year, complaints (calls with topic ``complaint``) and survey answers (the last NPS score, CSI).

Missing, because neither holds it: the direction of a level change (it needs the program's tier
order; only the count is used), consents and unsubscribes as of a past date (consents have a
history, but marketing permission is the gate's, not a behaviour), product views by category.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, and_, func, select

from omnicrm.analytics.steps import Step, run_steps
from omnicrm.store.schema import Event
from omnicrm.store.schema.loyalty import (
    LoyaltyAccount,
    LoyaltyEntry,
    LoyaltyLevelChange,
    LoyaltyLot,
)

ACTIVE_DAYS = 365
EXPIRING_DAYS = 30
HORIZONS = (30, 90, 365)
MESSAGE_KINDS = ("message_sent", "message_delivered")
CONTEXT = ("customer", "top_category", "lapsed_category")
"""Columns that describe the customer but are not model inputs."""

_DAYS_BEFORE = "(epoch($as_of) - epoch(placed_at)) / 86400.0"


def _windows(value: str, name: str) -> str:
    """``sum(value)`` (a count when ``value`` is empty) over each horizon before the cut-off."""
    agg = f"sum({value})" if value else "count(*)"
    return ",\n".join(
        f"coalesce({agg} FILTER (WHERE days_before < {h}), 0) AS {name}_{h}" for h in HORIZONS
    )


STEPS: tuple[Step, ...] = (
    (
        "f_orders",
        f"""SELECT customer, id, placed_at, CAST(placed_at AS DATE) AS day, total_minor,
                   discount_minor, points_minor, channel, utm_campaign,
                   {_DAYS_BEFORE} AS days_before
            FROM purchases
            WHERE customer IS NOT NULL AND placed_at < $as_of""",
    ),
    (
        "f_people",
        """SELECT customer FROM f_orders GROUP BY customer
           HAVING min(days_before) < $active_days""",
    ),
    (
        "f_rfm",
        f"""SELECT o.customer,
                   min(days_before) AS recency_days,
                   max(days_before) AS tenure_days,
                   count(*) AS orders_total,
                   {_windows("", "frequency")},
                   {_windows("total_minor", "monetary")},
                   avg(total_minor) AS avg_order_minor,
                   sum(discount_minor) / nullif(sum(total_minor + discount_minor), 0)
                       AS discount_share,
                   sum(points_minor) / nullif(sum(total_minor), 0) AS points_paid_share,
                   count(DISTINCT channel) FILTER (WHERE days_before < 365) AS channels_365,
                   avg(CASE WHEN channel = 'store' THEN 0.0 ELSE 1.0 END) AS online_share,
                   count(*) FILTER (WHERE utm_campaign IS NOT NULL AND days_before < 365)
                       AS campaign_orders_365
            FROM f_orders o JOIN f_people p ON p.customer = o.customer
            GROUP BY o.customer""",
    ),
    (
        "f_gaps",
        """SELECT customer, day,
                  date_diff('day', lag(day) OVER w, day) AS gap,
                  row_number() OVER w AS k
           FROM (SELECT DISTINCT o.customer, o.day
                 FROM f_orders o JOIN f_people p ON p.customer = o.customer)
           WINDOW w AS (PARTITION BY customer ORDER BY day)""",
    ),
    (
        "f_cycle",
        """SELECT customer, count(*) AS purchase_days, avg(gap) AS mean_gap_days,
                  stddev_samp(gap) AS gap_std_days, arg_max(gap, k) AS last_gap_days,
                  CASE WHEN count(gap) >= 2 THEN regr_slope(gap, k) END AS gap_trend_days
           FROM f_gaps GROUP BY customer""",
    ),
    (
        "f_roots",
        """SELECT o.customer, p.root, sum(l.amount_minor) AS spend,
                  min(o.days_before) AS recency_days
           FROM f_orders o JOIN f_people c ON c.customer = o.customer
           JOIN order_lines l ON l.order_id = o.id
           JOIN (SELECT id, split_part(category, '/', 1) AS root FROM products) p
             ON p.id = l.product_id
           WHERE o.days_before < 365
           GROUP BY o.customer, p.root""",
    ),
    (
        "f_categories",
        """SELECT customer, count(*) AS category_breadth_365,
                  count(*) FILTER (WHERE recency_days < 90) AS category_breadth_90,
                  first(root ORDER BY spend DESC, root) AS top_category,
                  first(root ORDER BY spend DESC, root) FILTER (WHERE recency_days >= 90)
                      AS lapsed_category
           FROM f_roots GROUP BY customer""",
    ),
    (
        "f_returns",
        """SELECT o.customer, count(DISTINCT r.id) AS returns_365,
                  sum(rl.amount_minor) AS returned_minor_365
           FROM return_lines rl JOIN returns r ON r.id = rl.return_id
           JOIN f_orders o ON o.id = rl.order_id
           WHERE r.returned_at < $as_of AND epoch($as_of) - epoch(r.returned_at) < 365 * 86400
           GROUP BY o.customer""",
    ),
    (
        "f_events",
        """SELECT c.resolved_id AS customer,
                  coalesce(sum(e.events) FILTER (WHERE e.kind NOT LIKE 'message_%' AND
                      e.kind NOT IN ('call', 'survey_answer', 'wifi_sighting', 'face_seen')
                      AND e.day >= CAST($as_of AS DATE) - 30), 0) AS visits_30,
                  coalesce(sum(e.events) FILTER (WHERE e.kind NOT LIKE 'message_%' AND
                      e.kind NOT IN ('call', 'survey_answer', 'wifi_sighting', 'face_seen')
                      AND e.day >= CAST($as_of AS DATE) - 90), 0) AS visits_90,
                  coalesce(sum(e.events) FILTER (WHERE list_contains($message_kinds, e.kind)
                      AND e.day >= CAST($as_of AS DATE) - 90), 0) AS messages_90,
                  coalesce(sum(e.events) FILTER (WHERE e.kind = 'message_opened'
                      AND e.day >= CAST($as_of AS DATE) - 90), 0) AS opened_90,
                  coalesce(sum(e.events) FILTER (WHERE e.kind = 'message_clicked'
                      AND e.day >= CAST($as_of AS DATE) - 90), 0) AS clicked_90,
                  coalesce(sum(e.events) FILTER (WHERE e.kind = 'call'
                      AND e.day >= CAST($as_of AS DATE) - 365), 0) AS calls_365
           FROM event_days e JOIN customers c ON c.id = e.customer_id
           JOIN f_people p ON p.customer = c.resolved_id
           WHERE e.last_at < $as_of
           GROUP BY c.resolved_id""",
    ),
)

STORE_COLUMNS = (
    "points_balance",
    "points_expiring_30",
    "points_expire_in_days",
    "has_level",
    "level_changes_365",
    "complaints_365",
    "nps_last",
    "csi_last",
    "survey_answers_365",
)
SCORES = ("nps_last", "nps_last_at", "csi_last", "csi_last_at")
NULLABLE = ("points_expire_in_days", "nps_last", "csi_last")
"""Store columns with no value for a customer who has none (the rest count from 0)."""
FEATURES_SQL = """
    SELECT p.customer,
           r.* EXCLUDE (customer),
           c.purchase_days, c.mean_gap_days, c.gap_std_days, c.last_gap_days, c.gap_trend_days,
           r.recency_days / nullif(c.mean_gap_days, 0) AS recency_ratio,
           coalesce(k.category_breadth_365, 0) AS category_breadth_365,
           coalesce(k.category_breadth_90, 0) AS category_breadth_90,
           coalesce(t.returns_365, 0) AS returns_365,
           coalesce(t.returned_minor_365, 0) / nullif(r.monetary_365, 0) AS return_share_365,
           coalesce(e.visits_30, 0) AS visits_30, coalesce(e.visits_90, 0) AS visits_90,
           coalesce(e.messages_90, 0) AS messages_90, coalesce(e.opened_90, 0) AS opened_90,
           coalesce(e.clicked_90, 0) AS clicked_90, coalesce(e.calls_365, 0) AS calls_365,
           {store},
           k.top_category, k.lapsed_category
    FROM f_people p
    JOIN f_rfm r ON r.customer = p.customer
    JOIN f_cycle c ON c.customer = p.customer
    LEFT JOIN f_categories k ON k.customer = p.customer
    LEFT JOIN f_returns t ON t.customer = p.customer
    LEFT JOIN f_events e ON e.customer = p.customer
    {store_join}
    ORDER BY p.customer"""


def build_features(
    db: duckdb.DuckDBPyConnection, as_of: datetime, engine: Engine | None = None
) -> pa.Table:
    """One row per active customer at ``as_of`` (ascending ``customer``), every feature a number
    (null where it has no value, e.g. the gap of a one-day customer), plus ``CONTEXT`` columns.

    ``db`` is a snapshot cursor (``Snapshot.cursor()``); its temporary tables are replaced."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    params = {"as_of": as_of, "active_days": ACTIVE_DAYS, "message_kinds": list(MESSAGE_KINDS)}
    run_steps(db, STEPS, params)
    facts = store_facts(engine, as_of) if engine is not None else None
    if facts is None:
        store = ", ".join(f"CAST(NULL AS DOUBLE) AS {c}" for c in STORE_COLUMNS)
        join = ""
    else:
        db.register("f_store_raw", facts)
        run_steps(
            db,
            (
                (
                    "f_store",
                    f"""SELECT c.resolved_id AS customer,
                               {", ".join(_merge(col) for col in STORE_COLUMNS)}
                        FROM f_store_raw s JOIN customers c ON c.id = s.customer_id
                        GROUP BY c.resolved_id""",
                ),
            ),
            {},
        )
        db.unregister("f_store_raw")
        store = ", ".join(
            f"s.{c}" if c in NULLABLE else f"coalesce(s.{c}, 0) AS {c}" for c in STORE_COLUMNS
        )
        join = "LEFT JOIN f_store s ON s.customer = p.customer"
    table = db.execute(FEATURES_SQL.format(store=store, store_join=join)).to_arrow_table()
    for name in (*(step for step, _ in STEPS), *(("f_store",) if facts is not None else ())):
        db.execute(f"DROP TABLE IF EXISTS {name}")  # frees the snapshot's memory for the model
    return pa.table(
        {
            c: table.column(c) if c in CONTEXT else pc.cast(table.column(c), pa.float64())
            for c in table.column_names
        }
    )


def _merge(column: str) -> str:
    """How the profiles merged into one person combine: sums, except the soonest expiry and the
    newest survey scores (``arg_max`` over the answer time kept beside them)."""
    if column == "points_expire_in_days":
        return f"min({column}) AS {column}"
    if column in ("nps_last", "csi_last"):
        return f"arg_max({column}, {column}_at) AS {column}"
    if column == "has_level":
        return f"max({column}) AS {column}"
    return f"sum({column}) AS {column}"


def feature_names(table: pa.Table) -> list[str]:
    """The model inputs of a features table (all but ``CONTEXT``)."""
    return [c for c in table.column_names if c not in CONTEXT]


def store_facts(engine: Engine, as_of: datetime) -> pa.Table:
    """Per raw profile id, what only the operational store holds, as it stood at ``as_of``."""
    year_ago = as_of - timedelta(days=365)
    soon = as_of + timedelta(days=EXPIRING_DAYS)
    with engine.connect() as conn:
        balances = dict(
            conn.execute(
                select(LoyaltyAccount.customer_id, func.sum(LoyaltyEntry.points))
                .join(LoyaltyEntry, LoyaltyEntry.account_id == LoyaltyAccount.id)
                .where(LoyaltyEntry.at < as_of)
                .group_by(LoyaltyAccount.customer_id)
            ).all()
        )
        lot_left = (
            select(
                LoyaltyAccount.customer_id,
                LoyaltyLot.expires_at,
                func.sum(LoyaltyEntry.points).label("left"),
            )
            .join(LoyaltyLot, LoyaltyLot.account_id == LoyaltyAccount.id)
            .join(LoyaltyEntry, LoyaltyEntry.lot_id == LoyaltyLot.id)
            .where(LoyaltyEntry.at < as_of, LoyaltyLot.expires_at > as_of)
            .where(LoyaltyLot.expires_at <= soon)
            .group_by(LoyaltyAccount.customer_id, LoyaltyLot.id, LoyaltyLot.expires_at)
        )
        expiring: dict[int, list[float]] = {}
        for customer, expires_at, left in conn.execute(lot_left):
            if left and left > 0:
                days = (expires_at - as_of).total_seconds() / 86400
                points, sooner = expiring.get(customer, [0.0, days])
                expiring[customer] = [points + float(left), min(sooner, days)]
        levels: dict[int, list[float]] = {}
        changes = (
            select(LoyaltyAccount.customer_id, LoyaltyLevelChange.to_level, LoyaltyLevelChange.at)
            .join(LoyaltyLevelChange, LoyaltyLevelChange.account_id == LoyaltyAccount.id)
            .where(LoyaltyLevelChange.at < as_of)
            .order_by(LoyaltyLevelChange.at, LoyaltyLevelChange.id)
        )
        for customer, to_level, at in conn.execute(changes):
            entry = levels.setdefault(customer, [0.0, 0.0])
            entry[0] = 1.0 if to_level else 0.0
            entry[1] += 1.0 if at >= year_ago else 0.0
        contacts = select(Event.customer_id, Event.kind, Event.occurred_at, Event.attrs).where(
            Event.customer_id.is_not(None),
            Event.kind.in_(("call", "survey_answer")),
            and_(Event.occurred_at < as_of, Event.occurred_at >= year_ago),
        )
        voice: dict[int, dict[str, float]] = {}
        for customer, kind, at, attrs in conn.execute(contacts):
            v = voice.setdefault(customer, {"complaints": 0.0, "answers": 0.0})
            if kind == "call":
                v["complaints"] += attrs.get("topic") == "complaint"
                continue
            v["answers"] += 1
            survey, score = attrs.get("survey") or attrs.get("kind"), attrs.get("score")
            if (
                survey in ("nps", "csi")
                and score is not None
                and at.timestamp() >= v.get(f"{survey}_last_at", float("-inf"))
            ):
                v[f"{survey}_last"], v[f"{survey}_last_at"] = float(score), at.timestamp()
    ids = sorted(balances.keys() | expiring.keys() | levels.keys() | voice.keys())
    columns = {
        "points_balance": [float(balances.get(i) or 0) for i in ids],
        "points_expiring_30": [expiring.get(i, [0.0])[0] for i in ids],
        "points_expire_in_days": [expiring[i][1] if i in expiring else None for i in ids],
        "has_level": [levels.get(i, [0.0])[0] for i in ids],
        "level_changes_365": [levels.get(i, [0.0, 0.0])[1] for i in ids],
        "complaints_365": [voice.get(i, {}).get("complaints", 0.0) for i in ids],
        "survey_answers_365": [voice.get(i, {}).get("answers", 0.0) for i in ids],
        **{k: [voice.get(i, {}).get(k) for i in ids] for k in SCORES},
    }
    return pa.table(
        {
            "customer_id": pa.array(ids, pa.int64()),
            **{k: pa.array(v, pa.float64()) for k, v in columns.items()},
        }
    )
