"""Domain errors. The API maps each to one JSON error shape (see ``omnicrm.api.errors``)."""

from dataclasses import dataclass, field


class OmnicrmError(Exception):
    """Base of every error the product raises on purpose."""

    status = 400
    code = "error"

    def __init__(self, message: str, *, details: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotFound(OmnicrmError):
    status = 404
    code = "not_found"


class Conflict(OmnicrmError):
    status = 409
    code = "conflict"


class Unauthorized(OmnicrmError):
    status = 401
    code = "unauthorized"


class Forbidden(OmnicrmError):
    status = 403
    code = "forbidden"


class TooManyRequests(OmnicrmError):
    """A rate limit was reached; ``retry_after`` seconds until the next request may succeed
    (sent as the ``Retry-After`` header)."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = max(retry_after, 1)
        super().__init__(f"{message} (retry after {self.retry_after} s)")


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of one input record."""

    field: str
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message": self.message}


@dataclass
class InvalidRecord(OmnicrmError):
    """A record was rejected whole; ``errors`` name every bad field."""

    errors: list[FieldError] = field(default_factory=list)
    status = 422
    code = "invalid_record"

    def __post_init__(self) -> None:
        summary = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        OmnicrmError.__init__(
            self, f"invalid record: {summary}", details=[e.as_dict() for e in self.errors]
        )
