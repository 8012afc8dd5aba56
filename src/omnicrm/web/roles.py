"""Roles and what each may see and change, as one table of data (S1).

Pages ask for a permission, never for a role, so changing who may do what is an edit of
``GRANTS`` alone. Personal contact data (phone, e-mail, device ids) is a permission of its own:
roles without ``CONTACTS`` see it masked.
"""

from enum import StrEnum


class Role(StrEnum):
    MARKETER = "marketer"
    ANALYST = "analyst"
    STORE_STAFF = "store_staff"
    ADMINISTRATOR = "administrator"
    FINANCE = "finance"


class Permission(StrEnum):
    CUSTOMERS = "customers"
    """Search customers and open the customer 360 page."""
    CONTACTS = "contacts"
    """See phones, e-mails and other identifiers unmasked."""
    IDENTITY = "identity"
    """Decide suggested merges and undo merges."""
    LOYALTY = "loyalty"
    """Read the loyalty programs' settings."""
    USERS = "users"
    """Manage staff users."""
    API_KEYS = "api_keys"
    """Issue and revoke the keys of tills, sites and partners."""
    AUDIT = "audit"
    """Read who did what with personal data."""
    ANALYTICS = "analytics"
    """Open the dashboard and the analytics pages, and download their reports."""
    SNAPSHOT = "snapshot"
    """Refresh the analytics snapshot from the store."""
    PROMOTIONS = "promotions"
    """See promotions, their rules, results and coupon batches, and simulate them."""
    PROMOTIONS_EDIT = "promotions_edit"
    """Create and change promotion drafts, publish and pause them, generate coupons."""
    PRIVACY = "privacy"
    """Export a person's data and erase a person on request (S2)."""
    SURVEYS = "surveys"
    """See NPS and CSI survey scores (M5)."""
    CAMPAIGNS = "campaigns"
    """See audiences, campaigns with their results and triggers; count an audience, preview."""
    FINANCE = "finance"
    """Read the points liability report (aggregates only: no person is named) and download it."""
    CAMPAIGNS_EDIT = "campaigns_edit"
    """Save audiences and take their snapshots, create, launch and resume campaigns, turn
    triggers on and off."""


P = Permission
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.MARKETER: frozenset(
        {
            P.CUSTOMERS,
            P.CONTACTS,
            P.IDENTITY,
            P.LOYALTY,
            P.ANALYTICS,
            P.PROMOTIONS,
            P.PROMOTIONS_EDIT,
            P.SURVEYS,
            P.CAMPAIGNS,
            P.CAMPAIGNS_EDIT,
        }
    ),
    Role.ANALYST: frozenset(
        {P.CUSTOMERS, P.LOYALTY, P.ANALYTICS, P.SNAPSHOT, P.PROMOTIONS, P.SURVEYS, P.CAMPAIGNS}
    ),
    Role.STORE_STAFF: frozenset({P.CUSTOMERS}),
    Role.ADMINISTRATOR: frozenset(Permission),
    Role.FINANCE: frozenset({P.FINANCE, P.LOYALTY}),
}


def allows(role: str, permission: Permission) -> bool:
    """Unknown roles (a row edited by hand) may do nothing."""
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False
