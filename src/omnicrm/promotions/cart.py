"""What the evaluator looks at, fetched once: the cart's lines (with their catalogue facts) and the
context of the sale (when, where, who, which coupons and offers)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

DEFAULT_TZ = "Europe/Moscow"
"""Local time of a sale whose store is unknown."""


@dataclass(frozen=True, slots=True)
class CartLine:
    line_no: int
    sku: str
    qty: int
    amount_minor: int
    """The line's price before promotions."""
    categories: frozenset[str] = frozenset()
    """The till's category and every catalogue path the product is under (``A``, ``A/B``, ...)."""
    brand: str | None = None


def category_keys(till_category: str | None, path: str | None) -> frozenset[str]:
    """What a line's category matches: the till's category and each ancestor of ``path``."""
    keys = set()
    if till_category:
        keys.add(till_category)
    if path:
        parts = path.split("/")
        keys.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(keys)


@dataclass(frozen=True, slots=True)
class Cart:
    lines: tuple[CartLine, ...]
    total_minor: int
    by_sku: Mapping[str, tuple[int, ...]]
    by_category: Mapping[str, tuple[int, ...]]
    by_brand: Mapping[str, tuple[int, ...]]
    """Indexes: key -> positions in ``lines``."""


def make_cart(lines: Iterable[CartLine]) -> Cart:
    lines = tuple(lines)
    by_sku: dict[str, list[int]] = {}
    by_category: dict[str, list[int]] = {}
    by_brand: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        by_sku.setdefault(line.sku, []).append(i)
        for key in line.categories:
            by_category.setdefault(key, []).append(i)
        if line.brand:
            by_brand.setdefault(line.brand, []).append(i)

    def frozen(index: dict[str, list[int]]) -> dict[str, tuple[int, ...]]:
        return {k: tuple(v) for k, v in index.items()}

    return Cart(
        lines=lines,
        total_minor=sum(line.amount_minor for line in lines),
        by_sku=frozen(by_sku),
        by_category=frozen(by_category),
        by_brand=frozen(by_brand),
    )


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: int | None = None
    level: str | None = None
    segments: frozenset[str] = frozenset()
    birth_date: date | None = None
    first_purchase: bool = False
    attributes: Mapping[str, object] = field(default_factory=dict)
    offers: frozenset[str] = frozenset()
    """Codes of promotions the customer holds a personal offer of (not held out as control)."""


ANONYMOUS = Customer()


@dataclass(frozen=True, slots=True)
class Context:
    now: datetime
    timezone: str = DEFAULT_TZ
    channel: str = "store"
    store: str | None = None
    customer: Customer = ANONYMOUS
    coupons: frozenset[str] = frozenset()
    """Codes of promotions one of whose coupons was presented and is valid."""
    exhausted: frozenset[str] = frozenset()
    """Promotions whose budget (or the customer's share of it) cannot cover another use."""
