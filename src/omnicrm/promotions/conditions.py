"""Conditions compiled from the rule model: each says why it does not hold (a short reason) or
None when it does. Pure; the local time of the sale is computed once by the evaluator."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from omnicrm.promotions import model
from omnicrm.promotions.cart import Cart, CartLine, Context


@dataclass(frozen=True, slots=True)
class Match:
    """A compiled ``Selector``."""

    skus: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    brands: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        return not (self.skus or self.categories or self.brands)

    def positions(self, cart: Cart) -> tuple[int, ...]:
        """Positions in ``cart.lines`` of the lines selected, in cart order."""
        if self.everything:
            return tuple(range(len(cart.lines)))
        found: set[int] = set()
        for sku in self.skus:
            found.update(cart.by_sku.get(sku, ()))
        for key in self.categories:
            found.update(cart.by_category.get(key, ()))
        for brand in self.brands:
            found.update(cart.by_brand.get(brand, ()))
        return tuple(sorted(found))

    def describe(self) -> str:
        if self.everything:
            return "any item"
        parts = [
            f"{label} {', '.join(sorted(values))}"
            for label, values in (
                ("sku", self.skus),
                ("category", self.categories),
                ("brand", self.brands),
            )
            if values
        ]
        return " or ".join(parts)


def compile_selector(selector: model.Selector) -> Match:
    return Match(
        frozenset(selector.skus), frozenset(selector.categories), frozenset(selector.brands)
    )


def units(lines: tuple[CartLine, ...], positions: tuple[int, ...]) -> int:
    return sum(lines[i].qty for i in positions)


@dataclass(frozen=True, slots=True)
class CartTotal:
    min_minor: int
    max_minor: int | None

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        if cart.total_minor < self.min_minor:
            return f"cart total {cart.total_minor} is below {self.min_minor}"
        if self.max_minor is not None and cart.total_minor > self.max_minor:
            return f"cart total {cart.total_minor} is above {self.max_minor}"
        return None


@dataclass(frozen=True, slots=True)
class Items:
    match: Match
    min_qty: int
    min_amount_minor: int

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        positions = self.match.positions(cart)
        qty = units(cart.lines, positions)
        if qty < self.min_qty:
            return f"{qty} of {self.min_qty} units of {self.match.describe()} in the cart"
        amount = sum(cart.lines[i].amount_minor for i in positions)
        if amount < self.min_amount_minor:
            return f"{self.match.describe()} for {amount}, {self.min_amount_minor} needed"
        return None


@dataclass(frozen=True, slots=True)
class CustomerLevel:
    levels: frozenset[str]

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        if ctx.customer.level in self.levels:
            return None
        return f"customer level {ctx.customer.level!r} is not one of {sorted(self.levels)}"


@dataclass(frozen=True, slots=True)
class CustomerSegment:
    segments: frozenset[str]

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        if ctx.customer.segments & self.segments:
            return None
        return f"customer is in none of the segments {sorted(self.segments)}"


@dataclass(frozen=True, slots=True)
class FirstPurchase:
    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        if ctx.customer.customer_id is not None and ctx.customer.first_purchase:
            return None
        return "not the customer's first purchase"


def _birthday_in(year: int, born: date) -> date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 2, 28)


@dataclass(frozen=True, slots=True)
class Birthday:
    days_before: int
    days_after: int

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        born = ctx.customer.birth_date
        if born is None:
            return "the customer's birth date is unknown"
        today = local.date()
        low, high = (
            today - timedelta(days=self.days_after),
            today + timedelta(days=self.days_before),
        )
        for year in (today.year - 1, today.year, today.year + 1):
            if low <= _birthday_in(year, born) <= high:
                return None
        window = f"{self.days_before} days before/{self.days_after} after"
        return f"birthday {born:%m-%d} is not within {window}"


@dataclass(frozen=True, slots=True)
class Channel:
    channels: frozenset[str]

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        if ctx.channel in self.channels:
            return None
        return f"channel {ctx.channel!r} is not one of {sorted(self.channels)}"


@dataclass(frozen=True, slots=True)
class StoreIn:
    stores: frozenset[str]

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        if ctx.store in self.stores:
            return None
        return f"store {ctx.store!r} is not one of {sorted(self.stores)}"


@dataclass(frozen=True, slots=True)
class DateWindow:
    start: date | None
    end: date | None

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        today = local.date()
        if self.start is not None and today < self.start:
            return f"local date {today} is before {self.start}"
        if self.end is not None and today > self.end:
            return f"local date {today} is after {self.end}"
        return None


@dataclass(frozen=True, slots=True)
class TimeWindow:
    start: time
    end: time

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        now = local.time().replace(tzinfo=None)
        inside = (
            self.start <= now < self.end
            if self.start <= self.end
            else (now >= self.start or now < self.end)
        )
        if inside:
            return None
        return f"local time {now:%H:%M} is outside {self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class DaysOfWeek:
    days: frozenset[int]

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        day = local.isoweekday()
        if day in self.days:
            return None
        return f"local day of week {day} is not one of {sorted(self.days)}"


@dataclass(frozen=True, slots=True)
class CouponPresented:
    code: str

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        return None if self.code in ctx.coupons else "no valid coupon of this promotion presented"


def _number(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class CustomerAttribute:
    attribute: str
    op: str
    value: object

    def why_not(self, cart: Cart, ctx: Context, local: datetime) -> str | None:
        have = ctx.customer.attributes.get(self.attribute)
        if self.op == "exists":
            ok = have is not None and have != ""
        elif have is None:
            ok = False
        elif self.op == "eq":
            ok = str(have) == str(self.value)
        elif self.op == "ne":
            ok = str(have) != str(self.value)
        elif self.op == "in":
            ok = str(have) in {str(v) for v in (self.value or [])}  # type: ignore[union-attr]
        else:
            a, b = _number(have), _number(self.value)
            ok = a is not None and b is not None and (a >= b if self.op == "gte" else a <= b)
        if ok:
            return None
        return f"customer {self.attribute} = {have!r} does not satisfy {self.op} {self.value!r}"


def compile_condition(condition: model.Condition, promotion_code: str):  # type: ignore[no-untyped-def]
    """The compiled form of one condition of the promotion ``promotion_code``."""
    match condition:
        case model.CartTotal():
            return CartTotal(condition.min_minor, condition.max_minor)
        case model.Items():
            return Items(
                compile_selector(condition.select), condition.min_qty, condition.min_amount_minor
            )
        case model.CustomerLevel():
            return CustomerLevel(frozenset(condition.levels))
        case model.CustomerSegment():
            return CustomerSegment(frozenset(condition.segments))
        case model.FirstPurchase():
            return FirstPurchase()
        case model.Birthday():
            return Birthday(condition.days_before, condition.days_after)
        case model.Channel():
            return Channel(frozenset(condition.channels))
        case model.StoreIn():
            return StoreIn(frozenset(condition.stores))
        case model.DateWindow():
            return DateWindow(condition.start, condition.end)
        case model.TimeWindow():
            return TimeWindow(condition.start, condition.end)
        case model.DaysOfWeek():
            return DaysOfWeek(frozenset(condition.days))
        case model.CouponPresented():
            return CouponPresented(promotion_code)
        case model.CustomerAttribute():
            return CustomerAttribute(condition.attribute, condition.op, condition.value)
    raise TypeError(f"unknown condition {condition!r}")
