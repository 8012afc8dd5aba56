"""The optional structured address every source with a customer's address may carry (the
registry, web/app/call-centre orders): the same field names and limits everywhere, so identity
compares a member's home with the address an order went to (``identity.addresses``)."""

from collections.abc import Iterable

from omnicrm.ingest.canonical import Address
from omnicrm.ingest.fields import Fields

PART_LIMITS = {"region": 100, "city": 100, "street": 200, "house": 40, "flat": 40, "postcode": 20}
"""Each part's longest value (the ``record_addresses`` column sizes)."""
PARTS = tuple(PART_LIMITS)
RAW_LIMIT = 400


def read_parts(f: Fields, names: Iterable[str] = PARTS) -> dict[str, str | None]:
    """The parts present, as typed; one too long fails naming its field."""
    return {name: f.text(name, required=False, max_len=PART_LIMITS[name]) for name in names}


def order_address(f: Fields, line: str | None) -> Address | None:
    """An order's structured delivery address with its one-line form (``line``, the
    fulfilment's address); None when the order gave no part (the line alone stays on the
    fulfilment, which identity still reads)."""
    parts = read_parts(f)
    if not any(parts.values()):
        return None
    return Address(raw=line, **parts)
