"""The facts the gate needs about the customers of one claimed batch, read in a few queries
(consents in force, addresses, time zone, recent marketing sends) instead of a few per message."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from omnicrm.campaigns.channels.base import ADDRESS_KIND
from omnicrm.campaigns.gate import Recipient
from omnicrm.store.membership import among
from omnicrm.store.schema import Consent, Customer, Identifier, Store
from omnicrm.store.schema.campaigns_outbox import CampaignMessage

CAP_LOOKBACK = timedelta(days=8)  # a customer-local week, whatever the zone


def load_recipients(
    conn: Connection, customer_ids: Iterable[int], now: datetime, default_timezone: str
) -> dict[int, Recipient]:
    ids = sorted(set(customer_ids))
    consents: dict[int, dict[str, bool]] = {i: {} for i in ids}
    for customer_id, channel, granted in conn.execute(
        select(Consent.customer_id, Consent.channel, Consent.granted)
        .where(among(conn, Consent.customer_id, ids))
        .order_by(Consent.recorded_at, Consent.id)
    ):
        consents[customer_id][channel] = granted  # the latest decision wins
    by_kind: dict[int, dict[str, str]] = {i: {} for i in ids}
    for customer_id, kind, value in conn.execute(
        select(Identifier.customer_id, Identifier.kind, Identifier.value)
        .where(
            among(conn, Identifier.customer_id, ids),
            Identifier.kind.in_(set(ADDRESS_KIND.values())),
        )
        .order_by(Identifier.id)
    ):
        by_kind[customer_id].setdefault(kind, value)  # the first one seen
    zones = dict(
        conn.execute(
            select(Customer.id, Store.timezone)
            .outerjoin(Store, Store.id == Customer.home_store_id)
            .where(among(conn, Customer.id, ids))
        ).all()
    )
    sends: dict[int, list[tuple[str, datetime]]] = {i: [] for i in ids}
    outbox = CampaignMessage.__table__.c
    for customer_id, channel, sent_at in conn.execute(
        select(outbox.customer_id, outbox.channel, outbox.sent_at).where(
            among(conn, outbox.customer_id, ids),
            outbox.kind == "marketing",
            outbox.status == "sent",
            outbox.sent_at >= now - CAP_LOOKBACK,
        )
    ):
        sends[customer_id].append((channel, sent_at))
    return {
        i: Recipient(
            customer_id=i,
            timezone=zones.get(i) or default_timezone,
            consents=consents[i],
            addresses={
                channel: by_kind[i][kind]
                for channel, kind in ADDRESS_KIND.items()
                if kind in by_kind[i]
            },
            marketing_sends=sends[i],
        )
        for i in ids
    }
