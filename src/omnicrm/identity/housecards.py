"""House cards told from loyal people: a card is a till's when its receipts show *several
different people*, never because its one owner shops a lot.

Why: the old rule (50+ receipts a year in one store and over 2% of its receipts, or more than 6
uses a day) quarantined the most loyal shoppers' own cards (81 households of 2,373 on a real
grocery history; a CD shop customer who bought 8 times in one day). The evidence here is of
people, per the card policy (``policy.POLICIES["card"]``):

- **different contacts**: more than ``max_companions`` distinct phones, e-mails, buyer accounts,
  wallets or app devices of one kind on the card's orders and events (a person has one or two);
- **simultaneous use**: receipts at two different tills (another store, or another terminal of
  the store) within ``overlap_minutes`` of each other, on at least ``min_overlap_days`` days (one
  person is at one till at a time; a couple splitting at two tills once does not count);
- **too frequent**: more than ``max_receipts_a_day`` receipts in one day (20: far above a
  household's baskets, daily visits and 8 receipts in a day included).

Any one signal quarantines the card; the quarantine's evidence carries every signal found, so the
card report shows why. The bulk rules are DuckDB SQL over the resolver's tables; the stream checks
the one signal a single receipt can settle (``too_frequent``), the bulk run the rest.
"""

from collections import defaultdict

import duckdb

from omnicrm.identity.policy import POLICIES

PEOPLE_KINDS = ("phone", "email", "mp_buyer", "wallet", "device")
"""Kinds whose distinct values on one card's records are distinct people (or their devices)."""


def _too_frequent(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict]:
    rows = con.execute(
        """SELECT kind, value, max(n), count(*), any_value(most) FROM (
               SELECT l.kind, l.value, l.day, count(DISTINCT l.node_id) AS n,
                      any_value(p.max_receipts_a_day) AS most
               FROM l JOIN pol p USING (kind)
               WHERE l.node_type = 'order' AND p.max_receipts_a_day IS NOT NULL
                 AND (l.kind, l.value) NOT IN (SELECT kind, value FROM q)
               GROUP BY l.kind, l.value, l.day
               HAVING count(DISTINCT l.node_id) > any_value(p.max_receipts_a_day))
           GROUP BY kind, value ORDER BY kind, value"""
    ).fetchall()
    return {
        (k, v): {"most_receipts_a_day": m, "days_over": d, "limit": most}
        for k, v, m, d, most in rows
    }


def _simultaneous(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict]:
    # Receipts meet in buckets of the policy's span (each looks in its bucket and the next), so
    # a card's receipts are never joined all with all.
    rows = con.execute(
        """WITH r AS (SELECT l.kind, l.value, v.place, coalesce(v.till, '') AS till, v.ts,
                             p.overlap_minutes * 60 AS span, p.min_overlap_days AS need
                      FROM l JOIN pol p USING (kind)
                      JOIN visits_in v ON v.node_type = 'order' AND v.node_id = l.node_id
                      WHERE l.node_type = 'order' AND p.overlap_minutes IS NOT NULL
                        AND (l.kind, l.value) NOT IN (SELECT kind, value FROM q)),
                b AS (SELECT *, ts // span AS bucket FROM r),
                o AS (SELECT a.kind, a.value, a.ts // 86400 AS day, a.need,
                             a.place AS p1, c.place AS p2
                      FROM b a JOIN b c ON c.kind = a.kind AND c.value = a.value
                       AND c.bucket IN (a.bucket, a.bucket + 1)
                       AND c.ts >= a.ts AND c.ts - a.ts <= a.span
                       AND (c.place <> a.place
                            OR (c.till <> a.till AND a.till <> '' AND c.till <> '')))
           SELECT kind, value, count(DISTINCT day), any_value(need),
                  list(DISTINCT p1 ORDER BY p1), list(DISTINCT p2 ORDER BY p2)
           FROM o GROUP BY kind, value HAVING count(DISTINCT day) >= any_value(need)
           ORDER BY kind, value"""
    ).fetchall()
    return {
        (k, v): {"days": days, "min_days": need, "stores": sorted(set(a) | set(b))}
        for k, v, days, need, a, b in rows
    }


def _different_contacts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict]:
    rows = con.execute(
        """WITH r AS (SELECT l.node_type, l.node_id, l.kind, l.value FROM l
                      WHERE l.node_type IN ('order', 'event')
                        AND (l.kind, l.value) NOT IN (SELECT kind, value FROM q)),
                c AS (SELECT a.kind, a.value, b.kind AS other, count(DISTINCT b.value) AS n,
                             any_value(p.max_companions) AS most
                      FROM r a JOIN pol p ON p.kind = a.kind AND p.max_companions IS NOT NULL
                      JOIN r b ON b.node_type = a.node_type AND b.node_id = a.node_id
                              AND b.kind IN (SELECT unnest(?))
                      GROUP BY a.kind, a.value, b.kind)
           SELECT kind, value, map(list(other ORDER BY other), list(n ORDER BY other)),
                  any_value(most)
           FROM c GROUP BY kind, value HAVING max(n - most) > 0 ORDER BY kind, value""",
        [list(PEOPLE_KINDS)],
    ).fetchall()
    return {(k, v): {"distinct": dict(m), "limit": most} for k, v, m, most in rows}


def find_house_cards(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, dict]]:
    """``(kind, value, evidence)`` of every value whose records show several people, over the
    resolver's tables ``l`` (links), ``pol`` (policies), ``q`` (already quarantined) and
    ``visits_in`` (receipts with store, till and time); evidence names each signal found."""
    found: dict[tuple[str, str], dict] = defaultdict(dict)
    for signal, rule in (
        ("different_contacts", _different_contacts),
        ("simultaneous_use", _simultaneous),
        ("too_frequent", _too_frequent),
    ):
        for key, evidence in rule(con).items():
            found[key][signal] = evidence
    return [(k, v, found[(k, v)]) for k, v in sorted(found)]


def too_frequent(kind: str, receipts_that_day: int) -> dict | None:
    """The stream's check of one receipt: its card's receipts that day above the policy's
    ``max_receipts_a_day`` (the same signal the bulk run names ``too_frequent``)."""
    policy = POLICIES.get(kind)
    limit = policy.max_receipts_a_day if policy else None
    if limit is None or receipts_that_day <= limit:
        return None
    return {
        "too_frequent": {"most_receipts_a_day": receipts_that_day, "days_over": 1, "limit": limit}
    }
