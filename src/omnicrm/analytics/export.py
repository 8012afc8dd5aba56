"""Reports as files: CSV (UTF-8 with a BOM, so that Excel opens Cyrillic right) and Excel
(one sheet of data, one of notes)."""

import csv
import io
from datetime import date

from openpyxl import Workbook

from omnicrm.analytics.report import Report

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def to_csv(report: Report) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(report.columns)
    writer.writerows(report.rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(report: Report) -> bytes:
    book = Workbook(write_only=True)
    data = book.create_sheet(report.name[:31])
    data.append(report.columns)
    for row in report.rows:
        data.append([v.isoformat() if isinstance(v, date) else v for v in row])
    notes = book.create_sheet("notes")
    notes.append([report.title])
    for note in report.notes:
        notes.append([note])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def render(report: Report, fmt: str) -> bytes:
    """``report`` as a ``csv`` or ``xlsx`` file."""
    if fmt == "csv":
        return to_csv(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    raise ValueError(f"unknown export format {fmt!r}; one of {sorted(MEDIA_TYPES)}")
