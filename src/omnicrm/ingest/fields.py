"""Field parsers every source shares. A ``Fields`` wraps one raw object, collects every problem
(so a rejected record names all its bad fields at once) and returns None for a bad value; the
validator calls ``done()`` before building its canonical record.

CSV gives strings (empty = missing), JSON and Parquet give typed values (null = missing); every
parser accepts both spellings of the same value.
"""

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from omnicrm.core.clock import utcnow, zone
from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.core.money import parse_major
from omnicrm.core.settings import get_settings
from omnicrm.identity.normalize import NORMALIZERS
from omnicrm.ingest.canonical import Ident
from omnicrm.ingest.catalog import Catalog, StoreRef

_EMPTY: Mapping[str, Any] = {}
EARLIEST_OFFSET = timedelta(hours=14)
"""The zone furthest ahead of UTC (UTC+14): a date is in the future once it is in all of them."""
MAX_RAW_DATE = 40
"""A birth date that is no calendar date is kept as typed up to this length (the stored column)."""


def latest_time() -> datetime:
    """The latest time an imported record may carry: now plus the configured tolerance."""
    return utcnow() + timedelta(hours=get_settings().future_tolerance_hours)


class Fields:
    """Typed access to one raw object (or a nested part of it, named by ``prefix``)."""

    __slots__ = ("errors", "prefix", "raw")

    def __init__(self, raw: Any, prefix: str = "", errors: list[FieldError] | None = None) -> None:
        self.errors: list[FieldError] = [] if errors is None else errors
        self.prefix = prefix
        if isinstance(raw, Mapping):
            self.raw = raw
        else:
            self.raw = _EMPTY
            self.errors.append(FieldError(prefix.rstrip(".") or "record", "must be an object"))

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(self.prefix + name, message))

    def done(self) -> None:
        """Raise InvalidRecord naming every bad field, if there was one."""
        if self.errors:
            raise InvalidRecord(self.errors)

    def get(self, name: str) -> Any:
        """The value, or None when missing, null or an empty string."""
        value = self.raw.get(name)
        return None if value is None or value == "" else value

    def _required(self, name: str, required: bool) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, "is required")
            return None
        return value

    # -- nested structure ------------------------------------------------------------------

    def nested(self, name: str, *, required: bool = True) -> "Fields":
        """A sub-object (``customer``, ``delivery``); missing optional ones read as empty."""
        value = self._required(name, required)
        return Fields(_EMPTY if value is None else value, f"{self.prefix}{name}.", self.errors)

    def items(self, name: str, *, min_items: int = 1) -> list["Fields"]:
        """The objects of a list field (``lines``, ``items``, ``payments``), each with its path."""
        value = self.raw.get(name)
        if value is None:
            value = []
        if not isinstance(value, list | tuple):
            self.fail(name, "must be a list")
            return []
        if len(value) < min_items:
            self.fail(name, f"needs at least {min_items} item(s)")
        return [
            Fields(item, f"{self.prefix}{name}[{i}].", self.errors) for i, item in enumerate(value)
        ]

    # -- scalars ---------------------------------------------------------------------------

    def text(self, name: str, *, required: bool = True, max_len: int = 200) -> str | None:
        value = self.raw.get(name)
        if (
            type(value) is str
            and 0 < len(value) <= max_len
            and not value[0].isspace()
            and not value[-1].isspace()
        ):
            return value  # the common case, answered before the checks below
        value = self._required(name, required)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        elif not isinstance(value, str):
            self.fail(name, "must be text")
            return None
        value = value.strip()
        if not value:
            if required:
                self.fail(name, "is required")
            return None
        if len(value) > max_len:
            self.fail(name, f"is longer than {max_len} characters")
            return None
        return value

    def integer(
        self,
        name: str,
        *,
        required: bool = True,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self.raw.get(name)
        if type(value) is str and value.isdigit() and value.isascii():
            value = int(value)  # the common case (CSV) first
        elif type(value) is not int:
            value = self._required(name, required)
            if value is None:
                return None
            if not (isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit()):
                self.fail(name, f"must be an integer, got {value!r}")
                return None
            value = int(value)
        if minimum is not None and value < minimum:
            self.fail(name, f"must be at least {minimum}, got {value}")
            return None
        if maximum is not None and value > maximum:
            self.fail(name, f"must be at most {maximum}, got {value}")
            return None
        return value

    def minor(self, name: str, *, required: bool = True) -> int | None:
        """A non-negative amount already in minor units (kopecks)."""
        return self.integer(name, required=required, minimum=0)

    def major(self, name: str, *, required: bool = True) -> int | None:
        """A non-negative decimal amount in major units (``"1234.50"``, ``"1 234,50"``)."""
        value = self._required(name, required)
        if value is None:
            return None
        if type(value) is int:
            value = str(value)
        elif not isinstance(value, str):
            self.fail(name, f"must be a decimal string, got {value!r}")
            return None
        try:
            minor = parse_major(value)
        except ValueError as exc:
            self.fail(name, str(exc))
            return None
        if minor < 0:
            self.fail(name, f"must not be negative, got {value!r}")
            return None
        return minor

    def choice(self, name: str, allowed: Collection[str], *, required: bool = True) -> str | None:
        value = self._required(name, required)
        if value is None:
            return None
        if not isinstance(value, str) or value not in allowed:
            self.fail(name, f"must be one of {', '.join(sorted(allowed))}; got {value!r}")
            return None
        return value

    def flag(self, name: str) -> bool | None:
        """``1``/``0`` (or true/false); empty means not given."""
        value = self.get(name)
        if value is None:
            return None
        if value in (1, "1", True, "true"):
            return True
        if value in (0, "0", False, "false"):
            return False
        self.fail(name, f"must be 1 or 0, got {value!r}")
        return None

    # -- time ------------------------------------------------------------------------------

    def _not_future(self, name: str, value: datetime) -> datetime | None:
        if value > latest_time():
            hours = get_settings().future_tolerance_hours
            self.fail(name, f"is in the future ({value.isoformat()}, more than {hours} h from now)")
            return None
        return value

    def aware(self, name: str, *, required: bool = True, future: bool = False) -> datetime | None:
        """ISO 8601 with an offset, as UTC. A time without an offset is ambiguous: rejected, as
        is one in the future (``latest_time``) unless the field is a future time (``future``)."""
        value = self._required(name, required)
        if value is None:
            return None
        if not isinstance(value, datetime):
            if not isinstance(value, str):
                self.fail(name, f"must be an ISO 8601 timestamp, got {value!r}")
                return None
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                self.fail(name, f"not an ISO 8601 timestamp: {value!r}")
                return None
        if value.tzinfo is None:
            self.fail(name, f"timestamp has no time zone offset: {value.isoformat()!r}")
            return None
        value = value.astimezone(UTC)
        return value if future else self._not_future(name, value)

    def local(self, name: str, tz: str | None, *, fmt: str | None = None) -> datetime | None:
        """A wall-clock time in the zone ``tz`` (a till's or a marketplace's local time), as UTC.
        ``fmt`` is a strptime format for sources that do not write ISO. Not in the future."""
        value = self._required(name, True)
        if value is None:
            return None
        if not isinstance(value, datetime):
            try:
                text = value.strip()
                value = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
            except (ValueError, AttributeError):
                self.fail(name, f"not a timestamp{f' ({fmt})' if fmt else ''}: {value!r}")
                return None
        if value.tzinfo is None:
            if tz is None:  # the zone's owner (the store) was bad and is reported already
                return None
            value = value.replace(tzinfo=zone(tz))
        return self._not_future(name, value.astimezone(UTC))

    def epoch_ms(self, name: str) -> datetime | None:
        value = self.integer(name, minimum=0)
        if value is None:
            return None
        try:
            at = datetime.fromtimestamp(value / 1000, UTC)
        except (OverflowError, ValueError, OSError):
            self.fail(name, f"not a time in epoch milliseconds: {value}")
            return None
        return self._not_future(name, at)

    def day(self, name: str, *, required: bool = False, past: bool = False) -> date | None:
        """``YYYY-MM-DD``; with ``past`` (a birth date) not after today anywhere on Earth."""
        value = self._required(name, required)
        if value is not None and not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value).strip())
            except ValueError:
                self.fail(name, f"not a date (YYYY-MM-DD): {value!r}")
                return None
        if past and value is not None and value > (utcnow() + EARLIEST_OFFSET).date():
            self.fail(name, f"is in the future: {value.isoformat()}")
            return None
        return value

    def birth_day(self, name: str) -> tuple[date | None, str | None]:
        """A birth date, or the text as typed when it is no calendar date ("1985-02-30",
        "12.13.1980"): a registry's typo is evidence to compare, not a reason to lose the member.
        A real date in the future is still refused."""
        value = self._required(name, False)
        if value is None or isinstance(value, date):
            return self.day(name, past=True), None
        text = str(value).strip()
        try:
            date.fromisoformat(text)
        except ValueError:
            if len(text) > MAX_RAW_DATE or not any(ch.isdigit() for ch in text):
                self.fail(name, f"not a date (YYYY-MM-DD): {value!r}")
            return None, text
        return self.day(name, past=True), None

    # -- references and identifiers ----------------------------------------------------------

    def store(self, name: str, catalog: Catalog, *, required: bool = True) -> StoreRef | None:
        code = self.text(name, required=required, max_len=32)
        if code is None:
            return None
        ref = catalog.store(code)
        if ref is None:
            self.fail(name, f"unknown store {code!r}")
        return ref

    def product(self, name: str, catalog: Catalog) -> int | None:
        sku = self.text(name, max_len=64)
        if sku is None:
            return None
        product_id = catalog.product(sku)
        if product_id is None:
            self.fail(name, f"unknown sku {sku!r}")
        return product_id

    def ident(self, kind: str, name: str, *, required: bool = False) -> Ident | None:
        """An identifier of ``kind``, normalised; a malformed one is an error."""
        value = self._required(name, required)
        if value is None:
            return None
        raw = value if isinstance(value, str) else str(value)
        try:
            normalised = NORMALIZERS[kind](raw)
        except ValueError as exc:
            self.fail(name, str(exc))
            return None
        return Ident(kind, normalised, None if normalised == raw else raw)


def plain_int(value: Any) -> int | None:
    """``value`` as an int when it is plainly one (an int, or ASCII digits); else None."""
    if type(value) is int:
        return value
    if type(value) is str and value.isdigit() and value.isascii():
        return int(value)
    return None


def idents(*candidates: Ident | None) -> tuple[Ident, ...]:
    """The identifiers present, each (kind, value) once."""
    seen: dict[tuple[str, str], Ident] = {}
    for ident in candidates:
        if ident is not None:
            seen.setdefault((ident.kind, ident.value), ident)
    return tuple(seen.values())
