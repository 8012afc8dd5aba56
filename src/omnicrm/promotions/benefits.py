"""Effects compiled from the rule model. Each adds what it gives to a ``Draft`` of one rule's
application, working on the price each line has left (``remaining``, by cart position), so that
no discount ever exceeds what is left of a line."""

from dataclasses import dataclass, field

from omnicrm.promotions import model
from omnicrm.promotions.allocation import largest_remainder
from omnicrm.promotions.cart import Cart
from omnicrm.promotions.conditions import Match, compile_selector


def bp(pct) -> int:  # type: ignore[no-untyped-def]
    """Basis points of a percentage (``Decimal('12.5')`` -> 1250)."""
    return int(pct * 100)


@dataclass(slots=True)
class Draft:
    """What one rule gives on one receipt, being built effect by effect."""

    discounts: dict[int, int] = field(default_factory=dict)
    points: int = 0
    multipliers: list[tuple[int, int]] = field(default_factory=list)
    """(cart position, factor in basis points: 2x = 20000)."""
    messages: list[tuple[str, str]] = field(default_factory=list)
    gifts: list[tuple[str, int]] = field(default_factory=list)
    applications: int = 0

    def take(self, position: int, amount: int, remaining: list[int]) -> None:
        amount = min(amount, remaining[position])
        if amount > 0:
            remaining[position] -= amount
            self.discounts[position] = self.discounts.get(position, 0) + amount

    @property
    def discount(self) -> int:
        return sum(self.discounts.values())


def _spread(total: int, positions: tuple[int, ...], remaining: list[int], draft: Draft) -> None:
    weights = [remaining[i] for i in positions]
    total = min(total, sum(weights))
    for i, part in zip(positions, largest_remainder(total, weights), strict=True):
        draft.take(i, part, remaining)


def _free_cheapest(
    cart: Cart, positions: tuple[int, ...], count: int, remaining: list[int], draft: Draft
) -> int:
    """Make the ``count`` cheapest units among ``positions`` free; returns the units freed."""
    order = sorted(positions, key=lambda i: (remaining[i] / cart.lines[i].qty, i))
    freed = 0
    taken: dict[int, int] = {}
    for i in order:
        if freed == count:
            break
        k = min(cart.lines[i].qty, count - freed)
        taken[i] = k
        freed += k
    for i, k in taken.items():
        draft.take(i, remaining[i] * k // cart.lines[i].qty, remaining)
    return freed


@dataclass(frozen=True, slots=True)
class PercentOff:
    rate_bp: int
    match: Match

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        positions = self.match.positions(cart)
        base = sum(remaining[i] for i in positions)
        _spread(base * self.rate_bp // 10_000, positions, remaining, draft)
        draft.applications = max(draft.applications, 1)


@dataclass(frozen=True, slots=True)
class AmountOff:
    amount_minor: int
    match: Match
    per_unit: bool

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        positions = self.match.positions(cart)
        if self.per_unit:
            count = sum(cart.lines[i].qty for i in positions)
            if limit is not None:
                count = min(count, limit)
            total = self.amount_minor * count
        else:
            total = self.amount_minor
        _spread(total, positions, remaining, draft)
        draft.applications = max(draft.applications, 1)


@dataclass(frozen=True, slots=True)
class FixedPrice:
    price_minor: int
    match: Match

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        left = limit
        for i in self.match.positions(cart):
            qty = cart.lines[i].qty
            k = qty if left is None else min(qty, left)
            if k <= 0:
                break
            gain = remaining[i] * k // qty - self.price_minor * k
            if gain > 0:
                draft.take(i, gain, remaining)
                draft.applications += k
                if left is not None:
                    left -= k


@dataclass(frozen=True, slots=True)
class NPlusOne:
    buy: int
    free: int
    match: Match

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        positions = self.match.positions(cart)
        rounds = sum(cart.lines[i].qty for i in positions) // (self.buy + self.free)
        if limit is not None:
            rounds = min(rounds, limit)
        if rounds:
            _free_cheapest(cart, positions, rounds * self.free, remaining, draft)
            draft.applications += rounds


@dataclass(frozen=True, slots=True)
class CheapestFree:
    min_items: int
    match: Match

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        positions = self.match.positions(cart)
        count = sum(cart.lines[i].qty for i in positions)
        rounds = min(count // self.min_items, limit or 1)
        if rounds:
            _free_cheapest(cart, positions, rounds, remaining, draft)
            draft.applications += rounds


@dataclass(frozen=True, slots=True)
class Gift:
    sku: str
    qty: int

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        positions = cart.by_sku.get(self.sku, ())
        freed = _free_cheapest(cart, positions, self.qty, remaining, draft) if positions else 0
        if freed < self.qty:
            draft.gifts.append((self.sku, self.qty - freed))
            draft.messages.append(
                ("cashier", f"Add the gift {self.sku} x{self.qty - freed} free of charge")
            )
        draft.applications = max(draft.applications, 1)


@dataclass(frozen=True, slots=True)
class BonusPoints:
    points: int

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        draft.points += self.points
        draft.applications = max(draft.applications, 1)


@dataclass(frozen=True, slots=True)
class PointsMultiplier:
    factor_bp: int
    match: Match

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        positions = self.match.positions(cart)
        draft.multipliers.extend((i, self.factor_bp) for i in positions)
        if positions:
            draft.applications = max(draft.applications, 1)


@dataclass(frozen=True, slots=True)
class Message:
    audience: str
    text: str

    def apply(self, cart: Cart, remaining: list[int], draft: Draft, limit: int | None) -> None:
        draft.messages.append((self.audience, self.text))


DISCOUNTS = (PercentOff, AmountOff, FixedPrice, NPlusOne, CheapestFree, Gift)


def compile_effect(effect: model.Effect):  # type: ignore[no-untyped-def]
    match effect:
        case model.PercentOff():
            match = Match() if effect.target == "receipt" else compile_selector(effect.select)
            return PercentOff(bp(effect.percent), match)
        case model.AmountOff():
            match = Match() if effect.target == "receipt" else compile_selector(effect.select)
            return AmountOff(effect.amount_minor, match, effect.per_unit)
        case model.FixedPrice():
            return FixedPrice(effect.price_minor, compile_selector(effect.select))
        case model.NPlusOne():
            return NPlusOne(effect.buy, effect.free, compile_selector(effect.select))
        case model.CheapestFree():
            return CheapestFree(effect.min_items, compile_selector(effect.select))
        case model.Gift():
            return Gift(effect.sku, effect.qty)
        case model.BonusPoints():
            return BonusPoints(effect.points)
        case model.PointsMultiplier():
            return PointsMultiplier(bp(effect.factor * 100), compile_selector(effect.select))
        case model.Message():
            return Message(effect.audience, effect.text)
    raise TypeError(f"unknown effect {effect!r}")
