"""A campaign's measured effect: treated against control over the measurement window, with
intervals, cost and ROMI. Pure functions over per-customer outcomes, and one reader that gets
those outcomes from the analytics snapshot.

Treated are the frozen audience's customers outside both controls, whether or not the gate let
their message through (intention to treat: a consent refused at send is part of the effect).
Control are the campaign's control and the global control within the same audience: both were
drawn by a hash of the id, independently of anything about the customer."""

import math
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa
from scipy.special import stdtrit

Z95 = 1.959963984540054


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Per-customer results of one group: purchases, revenue and cost (discounts + points paid)
    in minor units, one entry per customer (zeros for those who bought nothing)."""

    orders: np.ndarray
    revenue: np.ndarray
    cost: np.ndarray

    @property
    def n(self) -> int:
        return len(self.orders)


@dataclass(frozen=True, slots=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


@dataclass(frozen=True, slots=True)
class GroupSummary:
    customers: int
    buyers: int
    conversion: float
    revenue_minor: int
    revenue_per_customer: float
    average_receipt: float | None


@dataclass(frozen=True, slots=True)
class Result:
    treated: GroupSummary
    control: GroupSummary
    conversion_uplift: Interval | None
    revenue_uplift: Interval | None
    incremental_revenue_minor: int
    cost_minor: int
    romi: float | None
    significant: bool
    verdict: str


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def newcombe(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval:
    """p1 - p2 with Newcombe's hybrid score interval (his method 10): good coverage at small
    counts and near 0 or 1, where Wald's interval fails."""
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    return Interval(
        d,
        d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
        d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2),
    )


def welch(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> Interval:
    """mean(a) - mean(b) with Welch's t interval (unequal variances): revenue per customer is
    mostly zeros with a long tail, so the groups' variances differ."""
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    d = float(a.mean() - b.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return Interval(d, d, d)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stdtrit(df, 0.5 + level / 2)) * se  # the t quantile, without scipy.stats
    return Interval(d, d - half, d + half)


def summarise(group: Outcomes) -> GroupSummary:
    buyers = int((group.orders > 0).sum())
    revenue = int(group.revenue.sum())
    orders = int(group.orders.sum())
    return GroupSummary(
        customers=group.n,
        buyers=buyers,
        conversion=buyers / group.n if group.n else 0.0,
        revenue_minor=revenue,
        revenue_per_customer=revenue / group.n if group.n else 0.0,
        average_receipt=revenue / orders if orders else None,
    )


def measure(
    treated: Outcomes,
    control: Outcomes,
    *,
    message_cost_minor: int,
    margin_bp: int,
    min_sample: int,
) -> Result:
    """Uplift, incremental revenue, cost and ROMI = (incremental revenue x margin - cost) / cost.
    Cost: the treated's discounts and points redeemed in the window plus one message each."""
    t, c = summarise(treated), summarise(control)
    comparable = treated.n >= 2 and control.n >= 2
    conversion = newcombe(t.buyers, t.customers, c.buyers, c.customers) if comparable else None
    revenue = welch(treated.revenue, control.revenue) if comparable else None
    incremental = round(revenue.estimate * treated.n) if revenue else 0
    cost = int(treated.cost.sum()) + message_cost_minor * treated.n
    romi = (incremental * margin_bp / 10_000 - cost) / cost if cost else None
    small = min(treated.n, control.n) < min_sample
    if small:
        verdict = (
            f"not significant: {min(treated.n, control.n)} customers in the smaller group, "
            f"below the minimum sample of {min_sample}"
        )
    elif conversion and conversion.excludes_zero:
        verdict = "significant: the conversion uplift's 95% interval excludes zero"
    else:
        verdict = "not significant: the conversion uplift's 95% interval includes zero"
    return Result(
        treated=t,
        control=c,
        conversion_uplift=conversion,
        revenue_uplift=revenue,
        incremental_revenue_minor=incremental,
        cost_minor=cost,
        romi=romi,
        significant=not small and bool(conversion and conversion.excludes_zero),
        verdict=verdict,
    )


OUTCOMES = """SELECT m.customer, count(o.id) AS orders, coalesce(sum(o.total_minor), 0) AS revenue,
                     coalesce(sum(o.discount_minor + o.points_minor), 0) AS cost
              FROM campaign_members m
              LEFT JOIN purchases o ON o.customer = m.customer
                   AND o.placed_at >= $since AND o.placed_at < $until
              WHERE m.grp = $grp GROUP BY m.customer ORDER BY m.customer"""


def read_outcomes(
    db: duckdb.DuckDBPyConnection,
    treated: np.ndarray,
    control: np.ndarray,
    since: datetime,
    until: datetime,
) -> tuple[Outcomes, Outcomes]:
    """Each group's per-customer purchases in ``[since, until)`` from the snapshot."""
    ids = np.concatenate([treated, control]).astype(np.int64)
    groups = np.concatenate([np.ones(len(treated), bool), np.zeros(len(control), bool)])
    db.register("campaign_members", pa.table({"customer": ids, "grp": groups}))
    try:
        out = []
        for grp in (True, False):
            cols = db.execute(OUTCOMES, {"since": since, "until": until, "grp": grp}).fetchnumpy()
            out.append(
                Outcomes(
                    np.asarray(cols["orders"], dtype=np.int64),
                    np.asarray(cols["revenue"], dtype=np.int64),
                    np.asarray(cols["cost"], dtype=np.int64),
                )
            )
    finally:
        db.unregister("campaign_members")
    return out[0], out[1]
