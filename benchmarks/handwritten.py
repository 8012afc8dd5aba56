"""Hand-written single DuckDB queries over the analytics snapshot, as an analyst would write them
without omnicrm's steps, for the analytics benchmark's floor: each computes figures an omnicrm
analysis reports, so the benchmark prints both times, the ratio, and whether the figures agree.

Not the product: no filters or breakdowns (group ``all``), the snapshot's tables only.
"""

RFM = """
WITH base AS (
    SELECT c.resolved_id AS customer, date_diff('day', max(o.placed_at), $until) AS recency,
           count(*) AS frequency, sum(o.total_minor) AS monetary
    FROM orders o JOIN customers c ON c.id = o.customer_id
    WHERE NOT o.cancelled AND o.placed_at >= $since AND o.placed_at < $until
    GROUP BY 1),
scores AS (
    SELECT CAST(least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY recency DESC))) AS INT) AS r,
           CAST(least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY frequency))) AS INT) AS f,
           CAST(least(5, 1 + floor(5 * percent_rank() OVER (ORDER BY monetary))) AS INT) AS m
    FROM base)
SELECT r, (f + m + 1) // 2 AS fm, count(*) FROM scores GROUP BY ALL"""
"""Customers per (R, FM) cell: segment sizes once looked up in ``SEGMENT_GRID``."""

KPI = """
WITH p AS (
    SELECT c.resolved_id AS customer, o.placed_at, o.total_minor
    FROM orders o LEFT JOIN customers c ON c.id = o.customer_id
    WHERE NOT o.cancelled AND o.placed_at < $until),
firsts AS (SELECT customer, min(placed_at) AS first_at FROM p
           WHERE customer IS NOT NULL GROUP BY customer)
SELECT sum(total_minor) FILTER (WHERE placed_at >= $since) AS turnover_minor,
       count(*) FILTER (WHERE placed_at >= $since) AS receipts,
       count(DISTINCT customer) FILTER (WHERE placed_at >= $since) AS buyers,
       (SELECT count(*) FROM firsts WHERE first_at >= $since) AS new_customers
FROM p"""
"""Four of the 27 KPIs (one period): turnover, receipts, buyers, new customers."""

ABC_SKU_REVENUE = """
WITH lines AS (
    SELECT p.sku AS item, date_trunc('month', o.placed_at) AS month, l.amount_minor
    FROM orders o JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.id = l.product_id
    WHERE NOT o.cancelled AND o.placed_at >= $since AND o.placed_at < $until),
items AS (
    SELECT item, sum(v) AS value, sum(v * v) AS squares FROM (
        SELECT item, month, sum(amount_minor) AS v FROM lines GROUP BY ALL) GROUP BY item),
ranked AS (
    SELECT *, coalesce(sum(value) OVER (ORDER BY value DESC, item
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
                  / sum(value) OVER () AS before,
              sqrt(greatest(squares / $months - (value / $months) ^ 2, 0))
                  / nullif(value / $months, 0) AS cv
    FROM items)
SELECT CASE WHEN before < 0.8 THEN 'A' WHEN before < 0.95 THEN 'B' ELSE 'C' END AS abc,
       CASE WHEN cv IS NULL THEN 'Z' WHEN cv <= 0.1 THEN 'X' WHEN cv <= 0.25 THEN 'Y' ELSE 'Z'
       END AS xyz, count(*)
FROM ranked GROUP BY ALL"""
"""SKUs per ABC x XYZ class by revenue (omnicrm's default rules)."""
