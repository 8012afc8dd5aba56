"""Running a source's validator on one raw record, the same way for files and requests."""

from collections.abc import Mapping
from typing import Any

from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.ingest.canonical import Canonical
from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.sources import Source


def validate(
    source: Source,
    data: Mapping[str, Any],
    catalog: Catalog,
    reader_errors: list[FieldError] | None = None,
) -> Canonical:
    """The canonical record, or InvalidRecord naming every bad field (the reader's findings, such
    as header columns that differ between a record's rows, included). A row the reader could not
    read at all (no data) is rejected with the reader's findings alone."""
    if reader_errors and not data:
        raise InvalidRecord(list(reader_errors))
    try:
        record = source.validate(data, catalog)
    except InvalidRecord as exc:
        raise InvalidRecord([*(reader_errors or []), *exc.errors]) from None
    except (TypeError, AttributeError, ValueError) as exc:  # a value of a type no field expects
        raise InvalidRecord(
            [*(reader_errors or []), FieldError("record", f"cannot be read: {exc}")]
        ) from None
    if reader_errors:
        raise InvalidRecord(list(reader_errors))
    return record
