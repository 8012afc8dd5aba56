"""A person's data as they may ask for it (S2): one JSON document, or a zip of one CSV per table.

Both carry the same rows (``holdings``): every profile merged into the person, their
identifiers as received, orders with lines, payments, fulfilment and returns, events (survey
answers among them), loyalty accounts with the whole ledger, consents with their history, the
merges that formed the profile and the audit of who opened it.
"""

import csv
import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

from omnicrm.privacy.holdings import Holdings

FORMATS = ("json", "csv")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_document(held: Holdings, now: datetime) -> dict:
    return {
        "customer_id": held.customer_id,
        "profile_ids": held.profile_ids,
        "exported_at": now.isoformat(),
        "tables": {
            name: [{k: _plain(v) for k, v in row.items()} for row in rows]
            for name, rows in held.tables.items()
        },
    }


def as_json(held: Holdings, now: datetime) -> bytes:
    return json.dumps(as_document(held, now), ensure_ascii=False, indent=2).encode()


def as_csv_zip(held: Holdings, now: datetime) -> bytes:
    """``<table>.csv`` per table that has rows (JSON cells as JSON text), and ``export.json``
    naming the person and the time."""
    buffer = io.BytesIO()
    document = as_document(held, now)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        head = {k: v for k, v in document.items() if k != "tables"}
        archive.writestr("export.json", json.dumps(head, ensure_ascii=False))
        for name, rows in document["tables"].items():
            if not rows:
                continue
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=list(rows[0]))
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
            archive.writestr(f"{name}.csv", text.getvalue())
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def export_bytes(held: Holdings, fmt: str, now: datetime) -> bytes:
    return as_json(held, now) if fmt == "json" else as_csv_zip(held, now)
