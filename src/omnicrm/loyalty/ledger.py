"""The points ledger's rules, over plain data (no I/O).

Points live in lots. A lot is *pending* until its return window closes, then *active* until it
expires; spending and expiry both burn the soonest-to-expire lots first. Every movement is an
``Move`` of one lot (or, for a debt, of no lot); the stored ledger is the list of moves, and every
balance is a sum over them:

* a lot's remaining = the sum of its moves;
* the debt = minus the sum of the lot-less moves (a debt is recorded when a return takes back
  points the customer has already spent, and repaid from the next points earned);
* the balance = the sum of all moves = lots remaining - debt.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class LotState(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    EXPIRED = "expired"
    USED = "used"


class CardState(StrEnum):
    ACTIVE = "active"
    ACCRUAL_ONLY = "accrual_only"
    BLOCKED = "blocked"


class InsufficientPoints(Exception):
    def __init__(self, wanted: int, available: int) -> None:
        super().__init__(f"{wanted} points wanted, {available} available")
        self.wanted = wanted
        self.available = available


@dataclass(frozen=True, slots=True)
class Lot:
    id: int
    remaining: int
    available_at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Move:
    """Points taken from (negative) or put into (positive) one lot; ``lot_id`` None: the debt."""

    lot_id: int | None
    points: int


def lot_window(
    earned_at: datetime, pending_days: int, lifetime_days: int | None
) -> tuple[datetime, datetime | None]:
    """When a lot earned at ``earned_at`` becomes spendable, and when it expires (None: never):
    pending through the return window, then alive for its lifetime."""
    available_at = earned_at + timedelta(days=pending_days)
    expires_at = available_at + timedelta(days=lifetime_days) if lifetime_days else None
    return available_at, expires_at


def lot_state(lot: Lot, now: datetime) -> LotState:
    if lot.expires_at is not None and lot.expires_at <= now:
        return LotState.EXPIRED
    if lot.remaining == 0:
        return LotState.USED
    if lot.available_at > now:
        return LotState.PENDING
    return LotState.ACTIVE


def _by_expiry(lots: Iterable[Lot]) -> list[Lot]:
    return sorted(lots, key=lambda lot: (lot.expires_at is None, _ts(lot.expires_at), lot.id))


def _ts(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


def spendable(lots: Iterable[Lot], now: datetime) -> int:
    return sum(lot.remaining for lot in lots if lot_state(lot, now) is LotState.ACTIVE)


def pending(lots: Iterable[Lot], now: datetime) -> int:
    return sum(lot.remaining for lot in lots if lot_state(lot, now) is LotState.PENDING)


def expiring_within(lots: Iterable[Lot], now: datetime, days: int) -> int:
    """Points of lots still holding some (pending or active) that expire in (now, now + days]."""
    until = now + timedelta(days=days)
    return sum(
        lot.remaining
        for lot in lots
        if lot.remaining > 0 and lot.expires_at is not None and now < lot.expires_at <= until
    )


def spend(lots: Iterable[Lot], points: int, now: datetime) -> list[Move]:
    """Moves that spend ``points`` from active lots, soonest to expire first."""
    if points < 0:
        raise ValueError("cannot spend a negative number of points")
    active = [lot for lot in lots if lot_state(lot, now) is LotState.ACTIVE]
    available = sum(lot.remaining for lot in active)
    if points > available:
        raise InsufficientPoints(points, available)
    moves: list[Move] = []
    left = points
    for lot in _by_expiry(active):
        if left == 0:
            break
        take = min(lot.remaining, left)
        moves.append(Move(lot.id, -take))
        left -= take
    return moves


def take_back(lots: Iterable[Lot], points: int, first: Sequence[int] = ()) -> list[Move]:
    """Moves that revoke ``points``: from the lots in ``first`` (the lots the revoked operation
    earned), then from any lot still holding points, soonest to expire first; what cannot be
    covered becomes a debt move (``lot_id`` None)."""
    if points < 0:
        raise ValueError("cannot revoke a negative number of points")
    holding = [lot for lot in lots if lot.remaining > 0]
    preferred = [lot for lot in holding if lot.id in first]
    others = _by_expiry(lot for lot in holding if lot.id not in first)
    moves: list[Move] = []
    left = points
    for lot in [*preferred, *others]:
        if left == 0:
            break
        take = min(lot.remaining, left)
        moves.append(Move(lot.id, -take))
        left -= take
    if left:
        moves.append(Move(None, -left))
    return moves


def give_back(spent: Sequence[Move], points: int) -> list[Move]:
    """Moves that return ``points`` to the lots they were spent from (``spent``: net points still
    spent per lot, as negative moves), latest-spent lot first, so the points keep their original
    expiry (an already expired lot simply expires again)."""
    left = points
    moves: list[Move] = []
    for move in reversed(spent):
        if left == 0:
            break
        give = min(-move.points, left)
        if give > 0:
            moves.append(Move(move.lot_id, give))
            left -= give
    if left:
        raise ValueError(f"{points} points to give back but only {points - left} were spent")
    return moves


def repay_debt(debt: int, lots: Iterable[Lot]) -> list[Move]:
    """Moves that repay an outstanding debt from lots holding points (soonest expiry first),
    each paired with the lot-less move that lowers the debt."""
    moves: list[Move] = []
    left = debt
    for lot in _by_expiry(lot for lot in lots if lot.remaining > 0):
        if left <= 0:
            break
        take = min(lot.remaining, left)
        moves += [Move(lot.id, -take), Move(None, take)]
        left -= take
    return moves


def expiring(lots: Iterable[Lot], now: datetime) -> list[Move]:
    """Moves that burn what is left of every expired lot, soonest expiry first."""
    return [
        Move(lot.id, -lot.remaining)
        for lot in _by_expiry(lots)
        if lot.remaining > 0 and lot_state(lot, now) is LotState.EXPIRED
    ]


@dataclass(frozen=True, slots=True)
class Totals:
    balance: int
    debt: int
    lots: dict[int, int]


def totals(moves: Iterable[Move]) -> Totals:
    """Every cached figure, derived from the moves alone."""
    lots: dict[int, int] = {}
    debt = 0
    for move in moves:
        if move.lot_id is None:
            debt -= move.points
        else:
            lots[move.lot_id] = lots.get(move.lot_id, 0) + move.points
    return Totals(balance=sum(lots.values()) - debt, debt=debt, lots=lots)


def pro_rata(total: int, weights: Sequence[int], caps: Sequence[int] | None = None) -> list[int]:
    """Split ``total`` over ``weights`` proportionally (largest remainder), never above ``caps``."""
    caps = list(caps) if caps is not None else [total] * len(weights)
    if total > sum(caps):
        raise ValueError("cannot split more than the caps allow")
    weight_sum = sum(weights)
    if total == 0 or weight_sum == 0:
        shares = [0] * len(weights)
    else:
        shares = [min(total * w // weight_sum, c) for w, c in zip(weights, caps, strict=True)]
    left = total - sum(shares)
    order = sorted(
        range(len(weights)),
        key=lambda i: (-(total * weights[i] % weight_sum) if weight_sum else 0, i),
    )
    for i in order:  # one unit each, largest remainder first
        if left and shares[i] < caps[i]:
            shares[i] += 1
            left -= 1
    for i in order:  # then fill whatever capacity is left
        add = min(caps[i] - shares[i], left)
        shares[i] += add
        left -= add
    return shares
