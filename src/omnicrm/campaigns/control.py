"""Control groups by a stable hash of the customer id: the same customer is in or out of a
campaign's control (salt = the campaign code) or the global control (salt ``"global"``) on every
run and every machine, so launch, the send-time gate and measurement agree without storing it."""

import hashlib

GLOBAL_SALT = "global"


def in_control(customer_id: int, salt: str, share_bp: int) -> bool:
    """Whether ``customer_id`` falls in the ``share_bp`` basis points of ``salt``'s control."""
    return (
        int(hashlib.sha256(f"{salt}:{customer_id}".encode()).hexdigest()[:15], 16) % 10_000
        < share_bp
    )
