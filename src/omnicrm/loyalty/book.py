"""The points a confirm moves, kept in memory: spends from lots, new lots with their earning
entries, debt repaid from new points. Pure; ``till_store`` writes what a book holds in one
batch (new lots, entries, the remaining points of the lots that were there, the caches)."""

from datetime import datetime

from omnicrm.loyalty import ledger
from omnicrm.loyalty.ledger import Lot, Move


class Book:
    """One account's moves under one operation. ``lots``: id -> [remaining, available_at,
    expires_at] of the lots holding points, then the new ones under negative keys."""

    def __init__(
        self, account_id: int, operation_id: int, balance: int, debt: int, lots: dict[int, list]
    ) -> None:
        self.account_id = account_id
        self.operation_id = operation_id
        self.balance = balance
        self.debt = debt
        self.lots = lots
        self.touched: set[int] = set()
        self.new_lots: list[dict] = []
        self.entries: list[dict] = []

    def as_lots(self) -> list[Lot]:
        return [Lot(lot_id, lot[0], lot[1], lot[2]) for lot_id, lot in self.lots.items()]

    def apply(
        self, moves: list[Move], kind: str, rule: str, at: datetime, debt_kind: str = "debt"
    ) -> None:
        for move in moves:
            if move.points == 0:
                continue
            if move.lot_id is None:
                self.debt -= move.points
            else:
                self.lots[move.lot_id][0] += move.points
                if move.lot_id > 0:
                    self.touched.add(move.lot_id)
            self.balance += move.points
            self.entries.append(
                self._entry(move.lot_id, debt_kind if move.lot_id is None else kind, move, rule, at)
            )

    def _entry(self, lot_id: int | None, kind: str, move: Move, rule: str, at: datetime) -> dict:
        return {
            "account_id": self.account_id,
            "operation_id": self.operation_id,
            "lot_id": lot_id,
            "kind": kind,
            "points": move.points,
            "rule": rule,
            "at": at,
        }

    def grant(
        self, rule: str, points: int, at: datetime, window: tuple[datetime, datetime | None]
    ) -> None:
        """A new lot of ``points`` with its earning entry, then repaying any debt from it."""
        if points <= 0:
            return
        key = -(len(self.new_lots) + 1)
        self.lots[key] = [points, window[0], window[1]]
        self.new_lots.append(
            {
                "key": key,
                "account_id": self.account_id,
                "operation_id": self.operation_id,
                "rule": rule,
                "points": points,
                "earned_at": at,
                "available_at": window[0],
                "expires_at": window[1],
            }
        )
        self.entries.append(self._entry(key, "earn", Move(key, points), rule, at))
        self.balance += points
        if self.debt > 0:
            moves = ledger.repay_debt(self.debt, [Lot(key, points, window[0], window[1])])
            self.apply(moves, "debt_repay", "debt:repay", at, debt_kind="debt_repay")

    def holding(self) -> list[Lot]:
        return [lot for lot in self.as_lots() if lot.remaining > 0]
