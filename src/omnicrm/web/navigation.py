"""The menu: each entry names the permission it needs, so every role sees only its own pages."""

from dataclasses import dataclass

from omnicrm.web.roles import Permission, allows

P = Permission


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    title: str
    """A catalogue id."""
    permission: Permission


MENU = (
    Entry("/dashboard", "Dashboard", P.ANALYTICS),
    Entry("/customers", "Customers", P.CUSTOMERS),
    Entry("/identity/review", "Identity review", P.IDENTITY),
    Entry("/finance/liability", "Points liability", P.FINANCE),
    Entry("/loyalty", "Loyalty", P.LOYALTY),
    Entry("/promotions", "Promotions", P.PROMOTIONS),
    Entry("/analytics", "Analytics", P.ANALYTICS),
    Entry("/surveys", "Surveys", P.SURVEYS),
    Entry("/predictions", "Predictions", P.ANALYTICS),
    Entry("/audiences", "Audiences", P.CAMPAIGNS),
    Entry("/campaigns", "Campaigns", P.CAMPAIGNS),
    Entry("/triggers", "Triggers", P.CAMPAIGNS),
    Entry("/admin/users", "Users", P.USERS),
    Entry("/admin/keys", "API keys", P.API_KEYS),
    Entry("/admin/audit", "Audit", P.AUDIT),
)


def menu_for(role: str) -> list[Entry]:
    return [entry for entry in MENU if allows(role, entry.permission)]


def home_for(role: str) -> str | None:
    """The first page a role may open: where signing in lands (None: a role with no pages)."""
    entries = menu_for(role)
    return entries[0].path if entries else None
