"""Demo sign-ins, one per role, for ``omnicrm demo``. The passwords are public (printed and
documented), so these users exist only where someone asked for the demo."""

from dataclasses import dataclass

from sqlalchemy import Engine, select

from omnicrm.core.clock import utcnow
from omnicrm.store.db import unit_of_work
from omnicrm.store.schema.staff import StaffUser
from omnicrm.web.roles import Role
from omnicrm.web.staff import NewUser, create_user


@dataclass(frozen=True, slots=True)
class DemoLogin:
    username: str
    password: str
    role: Role

    def __str__(self) -> str:
        return f"{self.username} / {self.password} ({self.role})"


DEMO_LOGINS = (
    DemoLogin("admin", "omnicrm-admin", Role.ADMINISTRATOR),
    DemoLogin("marketer", "omnicrm-marketer", Role.MARKETER),
    DemoLogin("analyst", "omnicrm-analyst", Role.ANALYST),
    DemoLogin("cashier", "omnicrm-cashier", Role.STORE_STAFF),
    DemoLogin("finance", "omnicrm-finance", Role.FINANCE),
)


def ensure_demo_users(engine: Engine) -> list[DemoLogin]:
    """Create the demo users that do not exist yet (an existing user's password is never reset);
    returns every demo login, for the demo command to print."""
    now = utcnow()
    with unit_of_work(engine) as session:
        taken = set(session.scalars(select(StaffUser.username)))
        for login in DEMO_LOGINS:
            if login.username not in taken:
                name = f"Demo {login.role.value.replace('_', ' ')}"
                create_user(session, NewUser(login.username, name, login.role, login.password), now)
    return list(DEMO_LOGINS)
