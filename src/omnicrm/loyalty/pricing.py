"""The pricing the till needs, declared by loyalty so that loyalty never imports promotions:
promotions implements it (``omnicrm.promotions.pricing`` is such a module) and the application
installs it (``omnicrm.wiring.wire``, called by the API app and the command line)."""

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from omnicrm.loyalty.programs import Program
from omnicrm.loyalty.receipt import Member, Quote


class Priced(Protocol):
    """A receipt priced: the loyalty quote with whatever the pricing added folded in."""

    @property
    def quote(self) -> Quote: ...

    def earned_by_rule(self) -> dict[str, int]:
        """Points to grant per rule."""
        ...

    def response(self) -> dict:
        """What the answer shows besides the quote (``promotions``, ``messages``, ``coupons``)."""
        ...


class Pricing(Protocol):
    def price_request(
        self,
        conn: Connection,
        program: Program,
        request: Any,
        account_id: int,
        member: Member,
        now: datetime,
        *,
        take: bool = False,
    ) -> Priced:
        """Price a till request for the member (``take``: on confirm, take what it uses up)."""
        ...

    def record_promotions(
        self, conn: Connection, priced: Any, operation_id: int, now: datetime
    ) -> None:
        """Store with the confirmed receipt what priced it."""
        ...

    def give_back_for_return(
        self,
        conn: Connection,
        operation_id: int,
        returned: dict[int, tuple[int, int]],
        now: datetime,
    ) -> None:
        """After a return or cancel, give back what the returned units had used up."""
        ...


_installed: list[Pricing] = []


def install(pricing: Pricing) -> None:
    """Make ``pricing`` the till's (the application does this once, at start)."""
    _installed[:] = [pricing]


def pricing() -> Pricing:
    if not _installed:
        raise RuntimeError("no till pricing installed: call omnicrm.wiring.wire() at start")
    return _installed[0]
