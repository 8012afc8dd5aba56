"""Masking of personal data for staff roles that do not need it and for the log: enough is left
to confirm a value the customer says aloud (the last digits of a phone, the first letter and
domain of an e-mail), not enough to contact them."""

import re

KEEP_TAIL = 4


def mask_phone(value: str) -> str:
    """``+79162206393`` -> ``+7 916 ***-**-93``; other numbers keep their last two digits."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] == "7":
        return f"+7 {digits[1:4]} ***-**-{digits[-2:]}"
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_email(value: str) -> str:
    """``ivan.petrov@mail.ru`` -> ``i***@mail.ru``."""
    local, at, domain = value.partition("@")
    if not at:
        return mask_other(value)
    return f"{local[:1]}***@{domain}"


def mask_other(value: str) -> str:
    """Cards, devices, cookies: only the last four characters (nothing of a short value)."""
    if len(value) <= 2 * KEEP_TAIL:
        return "•" * len(value)
    return "•" * (len(value) - KEEP_TAIL) + value[-KEEP_TAIL:]


MASKS = {"phone": mask_phone, "email": mask_email}


def shown(kind: str, value: str, *, reveal: bool) -> str:
    """The identifier as this viewer may see it."""
    if reveal:
        return value
    return MASKS.get(kind, mask_other)(value)
