"""The web shop and the app export orders in one JSON shape (the app also sets the device id);
this is the validator both use."""

from collections.abc import Callable, Mapping
from typing import Any

from omnicrm.ingest.canonical import Order, Payment
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.fields import Fields, idents
from omnicrm.ingest.sources.order_parts import (
    PAYMENT_METHODS,
    check_payments,
    parse_fulfilment,
    parse_lines,
    parse_status_history,
)
from omnicrm.ingest.sources.postal import order_address


def online_order_validator(
    source: str, channel: str
) -> Callable[[Mapping[str, Any], Catalog], Order]:
    """The validator of ``source``, whose orders are placed on ``channel``."""

    def validate(raw: Mapping[str, Any], catalog: Catalog) -> Order:
        f = Fields(raw)
        order_id = f.text("order_id", max_len=128)
        created_at = f.aware("created_at")
        currency = f.text("currency", required=False, max_len=3) or "RUB"
        customer = f.nested("customer")
        identifiers = idents(
            customer.ident("card", "card_no"),
            customer.ident("phone", "phone"),
            customer.ident("email", "email"),
            customer.ident("cookie", "cookie"),
            customer.ident("device", "device_id"),
        )
        name = customer.text("name", required=False)
        utm = f.nested("utm", required=False)
        utm_source, utm_medium, utm_campaign = (
            utm.text(part, required=False, max_len=100) for part in ("source", "medium", "campaign")
        )
        lines = parse_lines(
            f.items("items"), catalog, price="price", discount="discount", major=True
        )
        payments: list[Payment | None] = [
            _payment(item) for item in f.items("payments", min_items=0)
        ]
        delivery = f.nested("delivery")
        fulfilment = parse_fulfilment(delivery, catalog, cost="cost")
        address = order_address(delivery, fulfilment.address if fulfilment else None)
        history = parse_status_history(f)
        if payments and fulfilment is not None:
            check_payments(f, "payments", payments, lines, extra=fulfilment.cost_minor)
        f.done()
        return Order(
            source=source,
            source_key=order_id,  # type: ignore[arg-type]
            channel=channel,
            placed_at=created_at,  # type: ignore[arg-type]
            status=history[-1].status,
            currency=currency,
            lines=tuple(lines),  # type: ignore[arg-type]
            payments=tuple(payments),  # type: ignore[arg-type]
            fulfilment=fulfilment,  # type: ignore[arg-type]
            status_history=tuple(history),
            identifiers=identifiers,
            contact_name=name,
            utm_source=utm_source,
            utm_medium=utm_medium,
            utm_campaign=utm_campaign,
            address=address,
        )

    return validate


def _payment(item: Fields) -> Payment | None:
    method = item.choice("method", PAYMENT_METHODS)
    amount = item.major("amount")
    if method is None or amount is None:
        return None
    return Payment(method, amount)
