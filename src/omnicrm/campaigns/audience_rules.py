"""An audience as data: conditions over the customer, combined by ``all`` / ``any`` / ``not``.
This is the JSON the workstation's builder edits and the API stores; ``compile_rule`` turns it
into one SQL condition over the analytics snapshot's ``people`` (alias ``p``), every value a bound
``$parameter``.

Windows count back from ``now`` (the evaluation time): "bought in Shoes in the last 90 days and
not in the last 30" is ``all[purchased(90), not purchased(30)]``. A condition names its kind in
``type``."""

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from omnicrm.analytics.segments import SEGMENTS, score_steps
from omnicrm.analytics.steps import Step

Days = Annotated[int, Field(ge=1, le=3660)]
CART_EVENTS = ["add_to_cart", "remove_from_cart"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Attribute(_Model):
    """A profile attribute is one of ``values``."""

    type: Literal["attribute"]
    field: Literal["city", "gender", "home_store_id"]
    values: list[str | int] = Field(min_length=1)


class Age(_Model):
    type: Literal["age"]
    min: int | None = Field(None, ge=0, le=150)
    max: int | None = Field(None, ge=0, le=150)


class Consent(_Model):
    """The consent in force for ``channel`` is granted."""

    type: Literal["consent"]
    channel: Literal["email", "sms", "push", "messenger", "calls"]


class Level(_Model):
    type: Literal["level"]
    levels: list[str] = Field(min_length=1)


class Balance(_Model):
    """Points balance over the person's loyalty accounts."""

    type: Literal["balance"]
    min: int | None = Field(None, ge=0)
    max: int | None = Field(None, ge=0)


class PointsExpiring(_Model):
    """At least ``min_points`` of active points expire within ``within_days``."""

    type: Literal["points_expiring"]
    within_days: Days
    min_points: int = Field(1, ge=1)


class Rfm(_Model):
    """The RFM segment over purchases of the last ``period_days`` is one of ``segments``."""

    type: Literal["rfm"]
    segments: list[Literal[SEGMENTS]] = Field(min_length=1)  # type: ignore[valid-type]
    period_days: Days = 365


class Purchased(_Model):
    """At least ``min_orders`` purchases in the last ``within_days``, of a listed category
    (its subtree) or SKU when any is listed."""

    type: Literal["purchased"]
    within_days: Days
    categories: list[str] = []
    skus: list[str] = []
    min_orders: int = Field(1, ge=1)


class EventSeen(_Model):
    """At least ``min_count`` events of ``kinds`` in the last ``within_days`` (counted by day)."""

    type: Literal["event"]
    kinds: list[str] = Field(min_length=1)
    within_days: Days
    min_count: int = Field(1, ge=1)


class CartAbandoned(_Model):
    """The open cart (cart events after the last order) was abandoned between ``min_hours_ago``
    and ``max_hours_ago`` (abandoned = last activity + the cart timeout)."""

    type: Literal["cart_abandoned"]
    min_hours_ago: int = Field(0, ge=0)
    max_hours_ago: int | None = Field(None, ge=1)


class Customers(_Model):
    """Exactly these profiles: a list uploaded, or chosen by a model (``note`` says which);
    a profile merged since counts as the one it is now part of."""

    type: Literal["customers"]
    ids: list[Annotated[int, Field(ge=1, le=2**53)]] = Field(min_length=1, max_length=200_000)
    note: str = Field("", max_length=200)


class Prediction(_Model):
    """A score of the model in force: churn risk or P(alive) (0..1), or CLV in minor units."""

    type: Literal["prediction"]
    measure: Literal["churn_risk", "p_alive", "clv_minor"]
    min: float | None = Field(None, ge=0, le=1e13)
    max: float | None = Field(None, ge=0, le=1e13)


class RetentionAction(_Model):
    """The churn model recommends one of these retention actions for the customer."""

    type: Literal["retention_action"]
    actions: list[Literal["points_reminder", "category_discount", "bonus_points", "offer"]] = Field(
        min_length=1
    )


class Cluster(_Model):
    """The customer is in one of these clusters of the clustering in force (their numbers)."""

    type: Literal["cluster"]
    clusters: list[Annotated[int, Field(ge=0, le=99)]] = Field(min_length=1)


class All(_Model):
    type: Literal["all"]
    rules: list["Rule"] = Field(min_length=1, max_length=50)


class AnyOf(_Model):
    type: Literal["any"]
    rules: list["Rule"] = Field(min_length=1, max_length=50)


class Not(_Model):
    type: Literal["not"]
    rule: "Rule"


Rule = Annotated[
    All
    | AnyOf
    | Not
    | Attribute
    | Age
    | Consent
    | Level
    | Balance
    | PointsExpiring
    | Rfm
    | Purchased
    | EventSeen
    | CartAbandoned
    | Customers
    | Prediction
    | RetentionAction
    | Cluster,
    Field(discriminator="type"),
]
for _group in (All, AnyOf, Not):
    _group.model_rebuild()

TAGS = frozenset(
    cls.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for cls in Rule.__origin__.__args__  # type: ignore[attr-defined]
)

PREDICTED = {"churn_risk": ("churn", "score"), "p_alive": ("clv", "score")}
PREDICTED["clv_minor"] = ("clv", "amount_minor")
LIVE = frozenset({"consents", "balances", "expiring", "clv", "churn", "clusters"})
"""What the snapshot does not hold (it changes by the minute): read from the store when a rule
needs it (``audiences.live_tables``), keyed by the raw profile id."""


class Compiled:
    """One rule as SQL: a condition on ``p``, its parameters, the steps it needs run first (RFM
    scoring, each with its own parameters) and the live tables it reads."""

    def __init__(self, now: datetime, cart_timeout: timedelta) -> None:
        self.now, self.cart_timeout = now, cart_timeout
        self.params: dict[str, object] = {}
        self.steps: list[tuple[tuple[Step, ...], dict[str, object]]] = []
        self.live: set[str] = set()
        self.sql = ""

    def bind(self, value: object) -> str:
        name = f"a{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def since(self, days: int) -> str:
        return self.bind(self.now - timedelta(days=days))


def _range(c: Compiled, expr: str, lo: int | None, hi: int | None) -> str:
    parts = [f"{expr} {op} {c.bind(v)}" for op, v in ((">=", lo), ("<=", hi)) if v is not None]
    return " AND ".join(parts) or f"{expr} IS NOT NULL"


def _resolved(table: str, select: str, where: str = "true") -> str:
    """Rows of a live table (keyed by raw profile id) per snapshot person."""
    return (
        f"SELECT {select} FROM {table} t JOIN customers rc ON rc.id = t.customer_id WHERE {where}"
    )


def _sql(rule: Rule, c: Compiled) -> str:
    if isinstance(rule, All | AnyOf):
        joiner = " AND " if isinstance(rule, All) else " OR "
        return "(" + joiner.join(_sql(r, c) for r in rule.rules) + ")"
    if isinstance(rule, Not):
        return f"(NOT coalesce({_sql(rule.rule, c)}, false))"
    if isinstance(rule, Attribute):
        column = f"CAST(p.{rule.field} AS VARCHAR)"
        return f"list_contains({c.bind([str(v) for v in rule.values])}, {column})"
    if isinstance(rule, Age):
        return _range(
            c, f"date_sub('year', p.birth_date, {c.bind(c.now.date())})", rule.min, rule.max
        )
    if isinstance(rule, Level):
        return f"list_contains({c.bind(rule.levels)}, p.level)"
    if isinstance(rule, Consent):
        c.live.add("consents")
        latest = _resolved(
            "live_consents",
            "rc.resolved_id AS customer, arg_max(t.granted, t.recorded_at) AS granted",
            f"t.channel = {c.bind(rule.channel)}",
        )
        return f"p.id IN (SELECT customer FROM ({latest} GROUP BY rc.resolved_id) WHERE granted)"
    if isinstance(rule, Balance):
        c.live.add("balances")
        having = _range(c, "sum(t.balance)", rule.min, rule.max)
        return f"""p.id IN ({_resolved("live_balances", "rc.resolved_id")}
            GROUP BY rc.resolved_id HAVING {having})"""
    if isinstance(rule, PointsExpiring):
        c.live.add("expiring")
        until = c.bind(c.now + timedelta(days=rule.within_days))
        where = f"t.expires_at >= {c.bind(c.now)} AND t.expires_at < {until}"
        return f"""p.id IN ({_resolved("live_expiring", "rc.resolved_id", where)}
            GROUP BY rc.resolved_id HAVING sum(t.points) >= {c.bind(rule.min_points)})"""
    if isinstance(rule, Rfm):
        prefix = f"aud{len(c.steps)}"
        window = {"since": c.now - timedelta(days=rule.period_days), "until": c.now}
        c.steps.append((score_steps("purchases", prefix), window))
        return f"""p.id IN (SELECT customer FROM {prefix}_segments
            WHERE list_contains({c.bind(rule.segments)}, segment))"""
    if isinstance(rule, Purchased):
        where = [f"o.placed_at >= {c.since(rule.within_days)}", f"o.placed_at < {c.bind(c.now)}"]
        lines = ""
        if rule.categories or rule.skus:
            lines = (
                "JOIN order_lines l ON l.order_id = o.id JOIN products pr ON pr.id = l.product_id"
            )
            where.append(
                f"""(list_contains({c.bind(rule.skus)}, pr.sku) OR len(list_filter(
                    {c.bind(rule.categories)},
                    x -> pr.category = x OR starts_with(pr.category, x || '/'))) > 0)"""
            )
        return f"""p.id IN (SELECT o.customer FROM purchases o {lines}
            WHERE {" AND ".join(where)} GROUP BY o.customer
            HAVING count(DISTINCT o.id) >= {c.bind(rule.min_orders)})"""
    if isinstance(rule, EventSeen):
        return f"""p.id IN (SELECT rc.resolved_id FROM event_days e
            JOIN customers rc ON rc.id = e.customer_id
            WHERE list_contains({c.bind(rule.kinds)}, e.kind)
              AND e.last_at >= {c.since(rule.within_days)} AND e.first_at < {c.bind(c.now)}
            GROUP BY rc.resolved_id HAVING sum(e.events) >= {c.bind(rule.min_count)})"""
    if isinstance(rule, Customers):
        ids = c.bind(sorted(set(rule.ids)))
        return f"""p.id IN (SELECT rc.resolved_id FROM (SELECT unnest({ids}) AS id) l
            JOIN customers rc ON rc.id = l.id)"""
    if isinstance(rule, Prediction):
        kind, column = PREDICTED[rule.measure]
        c.live.add(kind)
        where = _range(c, f"t.{column}", rule.min, rule.max)
        return f"p.id IN ({_resolved(f'live_{kind}', 'rc.resolved_id', where)})"
    if isinstance(rule, RetentionAction | Cluster):
        kind = "churn" if isinstance(rule, RetentionAction) else "clusters"
        c.live.add(kind)
        wanted = rule.actions if isinstance(rule, RetentionAction) else rule.clusters
        where = f"list_contains({c.bind([str(w) for w in wanted])}, t.label)"
        return f"p.id IN ({_resolved(f'live_{kind}', 'rc.resolved_id', where)})"
    assert isinstance(rule, CartAbandoned)
    # abandoned_at = last activity + timeout, so "abandoned h hours ago" bounds the last activity
    newest = c.bind(c.now - timedelta(hours=rule.min_hours_ago) - c.cart_timeout)
    oldest = ""
    if rule.max_hours_ago is not None:
        since = c.now - timedelta(hours=rule.max_hours_ago) - c.cart_timeout
        oldest = f"AND cart.last_at >= {c.bind(since)}"
    return f"""p.id IN (SELECT cart.customer FROM (
            SELECT rc.resolved_id AS customer, max(e.last_at) AS last_at FROM event_days e
            JOIN customers rc ON rc.id = e.customer_id
            WHERE list_contains({c.bind(CART_EVENTS)}, e.kind) GROUP BY rc.resolved_id) cart
        LEFT JOIN (SELECT customer, max(placed_at) AS placed_at FROM purchases GROUP BY customer) o
          ON o.customer = cart.customer
        WHERE cart.last_at > coalesce(o.placed_at, TIMESTAMPTZ '1970-01-01 00:00:00+00')
          AND cart.last_at <= {newest} {oldest})"""


AMONG = "audience_among"
"""The table of candidate ids (column ``customer``) a rule compiled ``among`` them reads."""


def compile_rule(
    rule: Rule, now: datetime, cart_timeout: timedelta, *, among: bool = False
) -> Compiled:
    """``rule`` as the SQL selecting its members from ``people p`` (``Compiled.sql``).

    ``among``: only the people listed in ``AMONG`` (a trigger's customers at their event). The
    restriction is on ``p`` alone: every condition is the mass rule's, over the same tables (an
    RFM score still ranks the whole population), so a customer's answer is the one the mass
    evaluation gives them."""
    c = Compiled(now, cart_timeout)
    where = f"coalesce({_sql(rule, c)}, false)"
    if among:
        where = f"p.id IN (SELECT customer FROM {AMONG}) AND {where}"
    c.sql = f"SELECT p.id AS customer FROM people p WHERE {where} ORDER BY p.id"
    return c
