"""Program configuration as data: levels, points, stamp cards, clubs, paid membership, referral,
challenges, partners, co-branded cards and causes. A program file (JSON or YAML) is validated
into ``Program``; every load that changes it becomes a new stored version, and each operation
records the version it used.

Rates are percentages with up to two decimals, kept as integer basis points (``5.5`` -> 550).
"""

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omnicrm.core import bounds

Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


def bp(pct: Decimal) -> int:
    """Basis points of a percentage: ``Decimal('5.5')`` -> ``550``."""
    return int(pct * 100)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Model):
    """A qualification window: the last ``days`` days, or the calendar month/year so far."""

    kind: Literal["rolling_days", "calendar_month", "calendar_year", "all_time"] = "rolling_days"
    days: int = Field(365, ge=1, le=3650)


class Downgrade(_Model):
    """``immediate``: the level follows the metric at once; ``hold``: a level reached is kept at
    least ``hold_days`` before it may drop."""

    policy: Literal["immediate", "hold"] = "hold"
    hold_days: int = Field(365, ge=0, le=3650)


class Tier(_Model):
    code: str = Field(min_length=1, max_length=40)
    name: str
    threshold_minor: bounds.Money
    discount_pct: Percent = Decimal(0)
    earn_pct: Percent | None = None
    """Points earned as a percentage of the money paid; None: the program's base rate."""


class Levels(_Model):
    metric: Literal["net_spend"] = "net_spend"
    """Money paid on receipts minus money refunded on returns, in minor units."""
    period: Period = Period()
    downgrade: Downgrade = Downgrade()
    tiers: list[Tier] = Field(min_length=1)

    @field_validator("tiers")
    @classmethod
    def _ascending(cls, tiers: list[Tier]) -> list[Tier]:
        thresholds = [t.threshold_minor for t in tiers]
        if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
            raise ValueError("tiers must have strictly ascending thresholds")
        if thresholds[0] != 0:
            raise ValueError("the first tier must start at 0")
        if len({t.code for t in tiers}) != len(tiers):
            raise ValueError("tier codes must be unique")
        return tiers


class Points(_Model):
    base_earn_pct: Percent = Decimal(5)
    category_earn_pct: dict[str, Percent] = {}
    """Rates for categories that override the tier's and base rate."""
    lifetime_days: bounds.PositiveDays | None = 365
    """Days from earning to expiry; None: points never expire."""
    max_share_pct: Percent = Decimal(30)
    """The largest share of a receipt (after discounts) that points may pay."""
    excluded_categories: list[str] = []
    """Categories that neither earn points nor may be paid with them."""


class StampCard(_Model):
    code: str
    name: str
    categories: list[str] = []
    skus: list[str] = []
    buy: int = Field(ge=1, le=100)
    """Buy ``buy`` qualifying items, get the next one free."""


class Club(_Model):
    code: str
    name: str
    categories: list[str]
    extra_earn_pct: Percent


class PaidPlan(_Model):
    code: str
    name: str
    fee_minor: bounds.PositiveMoney
    period_days: bounds.PositiveDays
    discount_pct: Percent = Decimal(0)
    """Added to the level discount while the membership is in force."""
    extra_earn_pct: Percent = Decimal(0)
    grace_days: bounds.Days = 0
    """Days after expiry during which a renewal continues the old period."""


class Referral(_Model):
    referrer_points: bounds.Points
    friend_points: bounds.Points
    min_purchase_minor: bounds.Money = 0
    """The friend's first receipt of at least this much (net paid) triggers both rewards."""


class Challenge(_Model):
    code: str
    name: str
    kind: Literal["distinct_categories"] = "distinct_categories"
    count: bounds.PositiveCount
    period: Literal["calendar_month"] = "calendar_month"
    badge: str
    bonus_points: bounds.Points = 0


class Partner(_Model):
    code: str
    name: str
    earn_pct: Percent
    max_share_pct: Percent = Decimal(100)
    point_value_minor: bounds.PositiveMoney | None = None
    """What one point is worth between the operator and this partner (default: the program's)."""


class CoBrand(_Model):
    """A card co-branded with a partner (a bank's card, say): holders earn and burn by its own
    rules at the operator's tills, and the partner funds a share of the points it earns."""

    code: str
    name: str
    partner: str = Field(min_length=1, max_length=200)
    """Who the card is co-branded with; the settlement names them."""
    earn_pct: Percent
    """Points on the money paid on every line that earns (replacing the base, category and level
    rates; club and paid-plan extras still add)."""
    max_share_pct: Percent | None = None
    """The largest share of a receipt points may pay for holders (None: the program's)."""
    partner_funded_pct: Percent
    """The share of the value of points earned under this card that the partner pays."""


class Cause(_Model):
    code: str
    name: str


class Program(_Model):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_\-]+$")
    name: str
    currency: str = Field("RUB", min_length=3, max_length=3)
    point_value_minor: bounds.PositiveMoney = 100
    """What one point pays: 100 minor units = 1 rouble by default."""
    return_window_days: int = Field(14, ge=0, le=365)
    """Points stay pending (unspendable) until a return is no longer possible."""
    points: Points = Points()
    levels: Levels | None = None
    stamp_cards: list[StampCard] = []
    clubs: list[Club] = []
    paid_plans: list[PaidPlan] = []
    referral: Referral | None = None
    challenges: list[Challenge] = []
    partners: list[Partner] = []
    cobrands: list[CoBrand] = []
    causes: list[Cause] = []

    @model_validator(mode="after")
    def _unique_codes(self) -> "Program":
        for name in (
            "stamp_cards",
            "clubs",
            "paid_plans",
            "challenges",
            "partners",
            "cobrands",
            "causes",
        ):
            codes = [item.code for item in getattr(self, name)]
            if len(codes) != len(set(codes)):
                raise ValueError(f"{name}: codes must be unique")
        return self

    def tier(self, code: str | None) -> Tier | None:
        if self.levels is None:
            return None
        return next((t for t in self.levels.tiers if t.code == code), None)

    def partner(self, code: str) -> Partner | None:
        return next((p for p in self.partners if p.code == code), None)

    def cobrand(self, code: str) -> CoBrand | None:
        return next((c for c in self.cobrands if c.code == code), None)

    def paid_plan(self, code: str) -> PaidPlan | None:
        return next((p for p in self.paid_plans if p.code == code), None)

    def club(self, code: str) -> Club | None:
        return next((c for c in self.clubs if c.code == code), None)

    def cause(self, code: str) -> Cause | None:
        return next((c for c in self.causes if c.code == code), None)


def canonical_json(config: dict) -> str:
    return json.dumps(config, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def checksum(program: Program) -> str:
    return hashlib.sha256(canonical_json(program.model_dump(mode="json")).encode()).hexdigest()


def parse_program_text(text: str, suffix: str = ".json") -> Program:
    """Validate a program file's text (``.json``, ``.yaml`` or ``.yml``)."""
    if suffix.lower() in (".yaml", ".yml"):
        import yaml  # installed with uvicorn[standard]; only needed for YAML files

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    return Program.model_validate(data)


def read_program_file(path: Path) -> Program:
    return parse_program_text(path.read_text(encoding="utf-8"), path.suffix)


EXAMPLES = Path(__file__).with_name("programs")
