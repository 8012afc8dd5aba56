"""The knobs the retail reports take, in one value so that the API, the CLI and tests pass them
the same way."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ReportOptions:
    limit: int = 100
    """Rows of a ranking."""
    fewest: bool = False
    """Rankings: the bottom instead of the top."""
    min_receipts: int = 1
    """Rankings per receipt: only customers with at least this many receipts."""
    inactive_days: int = 90
    """Inactive customers: no purchase in this many days before the period end."""
    grain: str = "month"
    """Dynamics and registrations: ``week`` or ``month`` (in the store's time zone)."""
    profile: str = "gender"
    """Product loyalty: ``gender``, ``age_band``, ``level`` or ``city``."""
    group: str = "category"
    """Product loyalty and sales: ``category``, ``brand`` or ``sku``."""

    def __post_init__(self) -> None:
        if self.grain not in ("week", "month"):
            raise ValueError("grain is week or month")
        if self.profile not in PROFILES:
            raise ValueError(f"profile is one of {sorted(PROFILES)}")
        if self.group not in GROUPS:
            raise ValueError(f"group is one of {sorted(GROUPS)}")
        if self.limit < 1 or self.min_receipts < 1 or self.inactive_days < 1:
            raise ValueError("limit, min_receipts and inactive_days must be positive")


PROFILES = {
    "gender": "coalesce(p.gender, '(unknown)')",
    "age_band": "coalesce(b.band, '(unknown)')",
    "level": "coalesce(p.level, '(none)')",
    "city": "coalesce(p.city, '(unknown)')",
}
"""Customer profile columns over ``people p`` joined to ``age_bands b`` (fixed expressions)."""
GROUPS = {
    "category": "coalesce(pr.category, '(none)')",
    "brand": "coalesce(pr.brand, '(no brand)')",
    "sku": "pr.sku",
}
"""Product groupings over ``products pr`` (fixed expressions)."""
