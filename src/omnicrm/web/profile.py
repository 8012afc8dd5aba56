"""Everything the customer 360 page shows, fetched once: the profile, its identifiers as the
viewer may see them, one order history across channels, the cart across channels, the journey,
the merges with their evidence, and each loyalty account with balance, level progress and points
history."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnicrm.core.masking import shown
from omnicrm.customers import carts, journey, merges, orders, queries
from omnicrm.customers.schemas import CartOut, CustomerDetail, JourneyPage, MergeOut, OrderPage
from omnicrm.identity.aliases import alias_ids
from omnicrm.loyalty import history, repository
from omnicrm.loyalty.programs import Program
from omnicrm.loyalty.schemas import AccountOut, AccountViewOut, HistoryItem
from omnicrm.store.schema.loyalty import LoyaltyAccount
from omnicrm.web.evidence import EvidenceLine, evidence_lines

ORDERS_PER_PAGE = 10
JOURNEY_PER_PAGE = 40
HISTORY_ITEMS = 20


@dataclass(frozen=True, slots=True)
class LoyaltyCard:
    account: AccountViewOut
    program: Program
    progress: float | None
    """Share of the way from the current level's threshold to the next one (None at the top)."""
    history: list[HistoryItem]

    @property
    def level_name(self) -> str | None:
        tier = self.program.tier(self.account.level)
        return tier.name if tier else self.account.level

    @property
    def next_name(self) -> str | None:
        nxt = self.account.next_level
        tier = self.program.tier(nxt.level) if nxt else None
        return tier.name if tier else None


@dataclass(frozen=True, slots=True)
class MergeView:
    merge: MergeOut
    evidence: list[EvidenceLine]


@dataclass(frozen=True, slots=True)
class Profile:
    detail: CustomerDetail
    identifiers: list[tuple[str, str]]
    """(kind, value as the viewer may see it)."""
    birth_date: date | None
    """Only for viewers who may see contacts; the others get ``birth_year``."""
    birth_year: int | None
    orders: OrderPage
    cart: CartOut | None
    journey: JourneyPage
    merges: list[MergeView]
    loyalty: list[LoyaltyCard]


def shown_identifiers(detail: CustomerDetail, *, reveal: bool) -> list[tuple[str, str]]:
    """(kind, value) pairs as the viewer may see them."""
    return [(i.kind, shown(i.kind, i.value, reveal=reveal)) for i in detail.identifiers]


def level_progress(program: Program, account: AccountOut) -> float | None:
    if program.levels is None or account.next_level is None:
        return None
    current = program.tier(account.level)
    floor = current.threshold_minor if current else 0
    target = program.tier(account.next_level.level)
    if target is None or target.threshold_minor <= floor:
        return None
    spend = target.threshold_minor - account.next_level.remaining_minor
    return min(max((spend - floor) / (target.threshold_minor - floor), 0.0), 1.0)


def _loyalty(session: Session, customer_id: int, now: datetime) -> list[LoyaltyCard]:
    account_ids = session.scalars(
        select(LoyaltyAccount.id)
        .where(LoyaltyAccount.customer_id.in_(alias_ids(session, customer_id)))
        .order_by(LoyaltyAccount.program_code, LoyaltyAccount.id)
    )
    cards = []
    for account_id in account_ids:
        found = history.account_history(session, account_id, now, limit=HISTORY_ITEMS)
        program, _ = repository.program_in_force(session, found.account.program)
        cards.append(
            LoyaltyCard(found.account, program, level_progress(program, found.account), found.items)
        )
    return cards


def fetch_profile(
    session: Session,
    customer_id: int,
    *,
    reveal: bool,
    orders_offset: int,
    journey_offset: int,
    now: datetime,
) -> Profile:
    """The live profile behind ``customer_id``; contacts masked unless ``reveal``."""
    detail = queries.get_customer(session, customer_id)
    return Profile(
        detail=detail,
        identifiers=shown_identifiers(detail, reveal=reveal),
        birth_date=detail.birth_date if reveal else None,
        birth_year=detail.birth_date.year if detail.birth_date else None,
        orders=orders.order_history(
            session, detail.id, channel=None, limit=ORDERS_PER_PAGE, offset=orders_offset
        ),
        cart=carts.current_cart(session, detail.id, now),
        journey=journey.journey(
            session, detail.id, limit=JOURNEY_PER_PAGE, offset=journey_offset, newest_first=True
        ),
        merges=[
            MergeView(m, evidence_lines(m.evidence, reveal=reveal))
            for m in merges.profile_merges(session, detail.id, include_undone=True)
        ],
        loyalty=_loyalty(session, detail.id, now),
    )
