"""Control groups: a stable hash of the customer id, so a customer stays in (or out of) a
group for as long as its salt and share do."""

import hashlib


def in_control(customer_id: int, salt: str, share_bp: int) -> bool:
    """Whether the customer is in the control group of ``salt`` holding ``share_bp`` / 10,000."""
    digest = hashlib.sha256(f"{salt}:{customer_id}".encode()).hexdigest()
    return int(digest[:15], 16) % 10_000 < share_bp
