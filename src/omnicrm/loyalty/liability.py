"""What the points program owes, as pure functions over the ledger summed by month (``Flow``).

* **Roll-forward**, per UTC calendar month: opening + issued - redeemed - expired - reversed =
  closing, where closing is the sum of every ledger entry up to the month's end (the last month
  ends at ``as_of``), so it ties to the ledger to the point. Issued = ``earn`` entries;
  redeemed = ``spend`` net of ``refund`` (points a return gave back); expired = ``expire``;
  reversed = ``revoke`` (points a return took back), ``debt`` (what it could not take) and
  ``debt_repay`` (a debt paid from new points: nets to zero within the month).
* **Outstanding**: points left in lots at ``as_of`` by monthly cohort (month earned) and month of
  expiry; *live* points (pending or active) are the liability, valued at the program's
  ``point_value_minor``; points of lots past expiry that the expiry job has not burnt yet are
  shown apart (never redeemable), and the debt likewise.
* **Breakage** (the share of points never redeemed), per monthly cohort of lots: a cohort is
  *matured* when none of its points is live any more; its redemption is final. The matured
  cohorts give the curve s(a) = points redeemed by age a months / points issued net of
  reversals, and its end u = ultimate redemption share. A young cohort of age a is expected to
  redeem a further N x (u - s(a)) of its N net points (the matured curve extrapolated, the
  Bornhuetter-Ferguson way: stable for cohorts too young to have their own experience), never
  more than it has live. Without a matured cohort nothing is assumed to break (breakage 0).
* **Deferred revenue** (the stated policy): value of outstanding points x (1 - expected breakage)
  = the value of the points each cohort is expected still to redeem, rounded per cohort.

Rates are integer basis points (10 000 = 100 %); money is integer minor units.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

COLUMNS = {
    "earn": "issued",
    "spend": "redeemed",
    "refund": "redeemed",
    "expire": "expired",
    "revoke": "reversed",
    "debt": "reversed",
    "debt_repay": "reversed",
}
LIVE = ("pending", "active")


@dataclass(frozen=True, slots=True)
class Flow:
    """Entries of one kind summed: in ``month`` (``YYYY-MM``, UTC), from lots earned in
    ``cohort`` expiring in ``expiry`` and in ``state`` at the report's time (``pending``,
    ``active``, ``lapsed``: past expiry; ``debt``: lot-less entries, no cohort)."""

    month: str
    cohort: str | None
    expiry: str | None
    state: str
    kind: str
    points: int


@dataclass(frozen=True, slots=True)
class MonthRoll:
    month: str
    opening: int
    issued: int
    redeemed: int
    expired: int
    reversed: int
    closing: int


@dataclass(slots=True)
class Cohort:
    """One month's lots: what they earned, lost and hold, and what was redeemed at each age."""

    month: str
    issued: int = 0
    reversed: int = 0
    redeemed: int = 0
    expired: int = 0
    live: int = 0
    lapsed: int = 0
    by_age: dict[int, int] = field(default_factory=dict)
    """Age in months (0: the month earned) -> points redeemed then."""

    @property
    def net(self) -> int:
        return self.issued - self.reversed

    @property
    def matured(self) -> bool:
        return self.live == 0 and self.net > 0


@dataclass(frozen=True, slots=True)
class Expected:
    """A cohort's expected future redemption (points, exact) and breakage rates."""

    cohort: Cohort
    age: int
    future: Fraction

    @property
    def breakage_bp(self) -> int:
        """Of the cohort's net points, the share expected never to be redeemed."""
        if self.cohort.net <= 0:
            return 0
        return bp(1 - (self.cohort.redeemed + self.future) / self.cohort.net)

    @property
    def outstanding_breakage_bp(self) -> int:
        """Of the cohort's live points, the share expected never to be redeemed."""
        return bp(1 - self.future / self.cohort.live) if self.cohort.live else 0


@dataclass(frozen=True, slots=True)
class Curve:
    """The matured cohorts' redemption: share of net points redeemed by each age, and at the end."""

    cohorts: int
    by_age: tuple[Fraction, ...]
    ultimate: Fraction | None

    def at(self, age: int) -> Fraction:
        if not self.by_age:
            return Fraction(0)
        return self.by_age[min(age, len(self.by_age) - 1)]


def bp(rate: Fraction) -> int:
    """A rate in basis points, rounded half up."""
    return int((rate * 10_000 + Fraction(1, 2)) // 1)


def months_between(start: str, end: str) -> int:
    (y0, m0), (y1, m1) = (map(int, start.split("-")), map(int, end.split("-")))
    return (y1 - y0) * 12 + (m1 - m0)


def month_range(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    for _ in range(months_between(first, last) + 1):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def column_of(kind: str) -> str:
    if kind not in COLUMNS:
        raise ValueError(f"ledger entry kind {kind!r} has no roll-forward column")
    return COLUMNS[kind]


def roll_forward(flows: list[Flow], last_month: str) -> list[MonthRoll]:
    """Every month from the first entry's to ``last_month``; each closing is the sum of all
    entries up to its end."""
    moved: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for f in flows:
        moved[f.month][column_of(f.kind)] += f.points
    if not moved:
        return []
    rolls, opening = [], 0
    for month in month_range(min(moved), max(last_month, max(moved))):
        m = moved.get(month, {})
        issued, redeemed = m.get("issued", 0), -m.get("redeemed", 0)
        expired, reversed_ = -m.get("expired", 0), -m.get("reversed", 0)
        closing = opening + issued - redeemed - expired - reversed_
        rolls.append(MonthRoll(month, opening, issued, redeemed, expired, reversed_, closing))
        opening = closing
    return rolls


def cohorts(flows: list[Flow]) -> list[Cohort]:
    """The monthly cohorts of lots (lot-less debt entries belong to none)."""
    found: dict[str, Cohort] = {}
    for f in flows:
        if f.cohort is None:
            continue
        c = found.setdefault(f.cohort, Cohort(f.cohort))
        column = column_of(f.kind)
        if column == "issued":
            c.issued += f.points
        elif column == "reversed":
            c.reversed -= f.points
        elif column == "expired":
            c.expired -= f.points
        else:
            c.redeemed -= f.points
            age = months_between(f.cohort, f.month)
            c.by_age[age] = c.by_age.get(age, 0) - f.points
        if f.state in LIVE:
            c.live += f.points
        elif f.state == "lapsed":
            c.lapsed += f.points
    return [found[k] for k in sorted(found)]


def curve(all_cohorts: list[Cohort]) -> Curve:
    matured = [c for c in all_cohorts if c.matured]
    if not matured:
        return Curve(0, (), None)
    net = sum(c.net for c in matured)
    oldest = max((age for c in matured for age in c.by_age), default=0)
    by_age, running = [], 0
    for age in range(oldest + 1):
        running += sum(c.by_age.get(age, 0) for c in matured)
        by_age.append(Fraction(running, net))
    return Curve(len(matured), tuple(by_age), Fraction(sum(c.redeemed for c in matured), net))


def expected(all_cohorts: list[Cohort], as_of_month: str) -> tuple[Curve, list[Expected]]:
    """Each cohort's expected future redemption under the matured cohorts' curve."""
    shape = curve(all_cohorts)
    out = []
    for c in all_cohorts:
        age = months_between(c.month, as_of_month)
        if shape.ultimate is None:
            future = Fraction(c.live)
        else:
            share = max(shape.ultimate - shape.at(age), Fraction(0))
            future = min(Fraction(c.live), max(Fraction(0), c.net * share))
        out.append(Expected(c, age, future))
    return shape, out


def value(points: Fraction | int, point_value_minor: int) -> int:
    """Money for ``points``, rounded half up to the minor unit."""
    return int((Fraction(points) * point_value_minor + Fraction(1, 2)) // 1)


def outstanding(flows: list[Flow], as_of_month: str) -> list[dict]:
    """Points left at the report's time by cohort (with its age in months), expiry month and
    state; rows with no points left are dropped."""
    held: dict[tuple, int] = defaultdict(int)
    for f in flows:
        if f.cohort is not None:
            held[(f.cohort, f.expiry, f.state)] += f.points
    return [
        {
            "cohort": cohort,
            "age_months": months_between(cohort, as_of_month),
            "expiry_month": expiry,
            "state": state,
            "points": points,
        }
        for (cohort, expiry, state), points in sorted(held.items(), key=_key)
        if points
    ]


def _key(item: tuple) -> tuple:
    (cohort, expiry, state), _ = item
    return cohort, expiry or "9999-99", state


def by_expiry(rows: list[dict], point_value_minor: int) -> list[dict]:
    """Live points by the month they expire (None: never), valued."""
    totals: dict[str | None, int] = defaultdict(int)
    for row in rows:
        if row["state"] in LIVE:
            totals[row["expiry_month"]] += row["points"]
    return [
        {"expiry_month": k, "points": v, "value_minor": v * point_value_minor}
        for k, v in sorted(totals.items(), key=lambda kv: kv[0] or "9999-99")
    ]


def summarise(flows: list[Flow], as_of_month: str, point_value_minor: int) -> dict:
    """The whole report but the settlement: totals, the curve, the roll-forward, outstanding
    points and every cohort's expected breakage and deferred revenue."""
    pv = point_value_minor
    rows = outstanding(flows, as_of_month)
    shape, cohort_rows = expected(cohorts(flows), as_of_month)
    states: dict[str, int] = defaultdict(int)
    for f in flows:
        states[f.state] += f.points
    live = states["pending"] + states["active"]
    future = sum((e.future for e in cohort_rows), Fraction(0))
    deferred = sum(value(e.future, pv) for e in cohort_rows)
    rolls = roll_forward(flows, as_of_month)
    return {
        "totals": {
            "closing_points": rolls[-1].closing if rolls else 0,
            "live_points": live,
            "pending_points": states["pending"],
            "active_points": states["active"],
            "lapsed_points": states["lapsed"],
            "debt_points": -states["debt"],
            "outstanding_value_minor": live * pv,
            "expected_breakage_bp": bp(1 - future / live) if live else 0,
            "deferred_revenue_minor": deferred,
            "breakage_value_minor": live * pv - deferred,
        },
        "curve": {
            "matured_cohorts": shape.cohorts,
            "ultimate_redemption_bp": bp(shape.ultimate) if shape.ultimate is not None else None,
            "redeemed_by_age_bp": [bp(share) for share in shape.by_age],
        },
        "roll_forward": [
            {
                "month": r.month,
                "opening": r.opening,
                "issued": r.issued,
                "redeemed": r.redeemed,
                "expired": r.expired,
                "reversed": r.reversed,
                "closing": r.closing,
            }
            for r in rolls
        ],
        "outstanding": [row | {"value_minor": row["points"] * pv} for row in rows],
        "by_expiry": by_expiry(rows, pv),
        "cohorts": [
            {
                "cohort": e.cohort.month,
                "age_months": e.age,
                "issued": e.cohort.issued,
                "reversed": e.cohort.reversed,
                "redeemed": e.cohort.redeemed,
                "expired": e.cohort.expired,
                "live": e.cohort.live,
                "lapsed": e.cohort.lapsed,
                "matured": e.cohort.matured,
                "expected_redemption": value(e.future, 1),
                "breakage_bp": e.breakage_bp,
                "outstanding_breakage_bp": e.outstanding_breakage_bp,
                "value_minor": e.cohort.live * pv,
                "deferred_revenue_minor": value(e.future, pv),
            }
            for e in cohort_rows
        ],
    }
