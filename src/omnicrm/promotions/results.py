"""What the evaluator returns: value objects saying what each promotion gave and, for every
promotion looked at, whether it applied and if not, why."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Allocation:
    """The part of a promotion's discount that falls on one line."""

    line_no: int
    amount_minor: int


@dataclass(frozen=True, slots=True)
class Multiplier:
    line_no: int
    factor_bp: int
    """Points on the line times ``factor_bp / 10000``."""


@dataclass(frozen=True, slots=True)
class Applied:
    promotion_id: int | None
    code: str
    version: int
    discount_minor: int
    lines: tuple[Allocation, ...]
    points: int
    multipliers: tuple[Multiplier, ...]
    messages: tuple[tuple[str, str], ...]
    """(audience: ``receipt`` | ``cashier``, text)."""
    gifts: tuple[tuple[str, int], ...]
    applications: int

    @property
    def rule(self) -> str:
        """How the ledger and the receipt name this promotion."""
        return f"promo:{self.code}@v{self.version}"


@dataclass(frozen=True, slots=True)
class Explanation:
    code: str
    version: int
    applied: bool
    reason: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    applied: tuple[Applied, ...]
    explanations: tuple[Explanation, ...]
    discount_minor: int
    line_discounts: dict[int, int]
    """line_no -> the sum of every promotion's discount on it."""
    points: int

    @property
    def messages(self) -> list[tuple[str, str]]:
        return [m for a in self.applied for m in a.messages]

    def why(self, code: str) -> Explanation | None:
        return next((e for e in self.explanations if e.code == code), None)
