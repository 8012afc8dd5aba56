"""Password hashing with the standard library's scrypt: memory-hard, a salt per user, and the
cost stored inside each hash so it can be raised later without breaking old hashes."""

import base64
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
COST = (2**14, 8, 1)
"""(n, r, p): 16 MiB and tens of milliseconds per hash: slow for a guesser, fine at sign-in."""
MIN_LENGTH = 10
MAX_LENGTH = 200


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 2**20, dklen=32)


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` with a fresh random salt."""
    n, r, p = COST
    salt = secrets.token_bytes(16)
    return f"{SCHEME}${n}${r}${p}${_b64(salt)}${_b64(_derive(password, salt, n, r, p))}"


def verify_password(password: str, stored: str) -> bool:
    """True when ``password`` produces ``stored``; compared in constant time."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        actual = _derive(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def password_problem(password: str) -> str | None:
    """Why a new password is refused (a message id for the form), or None."""
    if len(password) < MIN_LENGTH:
        return "Password must have at least 10 characters"
    if len(password) > MAX_LENGTH:
        return "Password is too long"
    return None
