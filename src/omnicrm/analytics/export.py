"""Reports as files, two ways.

*Raw* (``render``): the analysis as it is, for integrators: column codes, money in integer minor
units, shares as fractions (CSV UTF-8 with a BOM; Excel one sheet of data, one of notes).

*Presented* (``workbook``, ``sheet_csv``): the report a person reads, built by the workstation in
the viewer's language as ``Sheet`` values: a title, the period and filters above the table, the
screen's column titles, money in rubles with a ruble number format, shares with a percent format,
dates as dates, one sheet per table, the header frozen, columns as wide as their contents. The CSV
has a BOM and ``;`` between fields (what Excel expects where the decimal mark is a comma), numbers
with the language's decimal mark, units in the column titles.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from omnicrm.analytics.report import Report
from omnicrm.core.money import MINOR_PER_MAJOR

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CSV_DELIMITER = ";"
MONEY_FORMAT = '#,##0.00 "₽"'
DATE_FORMATS = {"ru": "DD.MM.YYYY", "en": "YYYY-MM-DD"}
MONTH_FORMATS = {"ru": "MM.YYYY", "en": "mmm yyyy"}
UNITS = {"money": "₽", "percent": "%"}
"""What a CSV column's title says its numbers are in (a CSV cell has no number format)."""
MIN_WIDTH, MAX_WIDTH = 8, 60
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F6")
SHEET_NAME_MAX = 31
SHEET_NAME_BAD = str.maketrans({c: " " for c in "[]:*?/\\"})


# --- raw ----------------------------------------------------------------------------------------


def to_csv(report: Report) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(report.columns)
    writer.writerows(report.rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(report: Report) -> bytes:
    book = Workbook(write_only=True)
    data = book.create_sheet(report.name[:31])
    data.freeze_panes = "A2"
    data.append(report.columns)
    for row in report.rows:
        data.append([v.isoformat() if isinstance(v, date) else v for v in row])
    notes = book.create_sheet("notes")
    notes.append([report.title])
    for note in report.notes:
        notes.append([note])
    return _saved(book)


def render(report: Report, fmt: str) -> bytes:
    """``report`` as a raw ``csv`` or ``xlsx`` file."""
    if fmt == "csv":
        return to_csv(report)
    if fmt == "xlsx":
        return to_xlsx(report)
    raise ValueError(f"unknown export format {fmt!r}; one of {sorted(MEDIA_TYPES)}")


# --- presented ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figure:
    """One cell: its value and what it is."""

    value: Any
    kind: str = "text"
    """``money`` (value in minor units), ``percent`` (a share: 0.25), ``integer``, ``decimal``
    (with ``decimals``), ``id`` (a number read as a name: no grouping), ``date``, ``month`` (a
    date standing for its month) or ``text`` (already in words)."""
    decimals: int = 0


@dataclass(frozen=True)
class Sheet:
    name: str
    """The sheet's tab (Excel allows 31 characters)."""
    title: str
    heading: list[str]
    """Lines above the table: period, filters, options, data date, a cut."""
    columns: list[str]
    rows: list[list[Figure]]
    notes: list[str] = field(default_factory=list)
    lang: str = "ru"


def rubles(minor: int | float) -> Decimal:
    """Minor units as rubles, exactly (a Decimal, never a float's rounding)."""
    return Decimal(round(minor)) / MINOR_PER_MAJOR


def number_format(figure: Figure, lang: str) -> str | None:
    if figure.kind == "money":
        return MONEY_FORMAT
    if figure.kind == "percent":
        return "0.0%"
    if figure.kind in ("integer", "decimal"):
        return "#,##0." + "0" * figure.decimals if figure.decimals else "#,##0"
    if figure.kind == "id":
        return "0"
    if figure.kind == "date":
        return DATE_FORMATS.get(lang, DATE_FORMATS["en"])
    if figure.kind == "month":
        return MONTH_FORMATS.get(lang, MONTH_FORMATS["en"])
    return None


def cell_value(figure: Figure) -> Any:
    """What the spreadsheet cell holds: rubles for money, the share itself for a percent."""
    if figure.value is None:
        return None
    return rubles(figure.value) if figure.kind == "money" else figure.value


def _plain(figure: Figure, lang: str) -> str:
    """The figure as text without grouping (CSV, and the width of a spreadsheet column)."""
    value = figure.value
    if value is None:
        return ""
    if figure.kind == "money":
        text = f"{rubles(value):.2f}"
    elif figure.kind == "percent":
        text = f"{value * 100:.1f}"
    elif figure.kind in ("integer", "decimal"):
        text = f"{value:.{figure.decimals}f}"
    elif figure.kind == "date":
        return value.strftime("%d.%m.%Y") if lang == "ru" else value.isoformat()
    elif figure.kind == "month":
        return value.strftime("%m.%Y") if lang == "ru" else value.strftime("%Y-%m")
    else:
        return str(value)
    return text.replace(".", ",") if lang == "ru" else text


def column_unit(rows: list[list[Figure]], i: int) -> str | None:
    """The unit every figure of column ``i`` shares (``₽``, ``%``), if they share one."""
    kinds = {row[i].kind for row in rows if row[i].value is not None}
    if len(kinds) == 1:
        return UNITS.get(kinds.pop())
    return None


def _width(title: str, rows: list[list[Figure]], i: int, lang: str) -> int:
    longest = len(title)
    for row in rows:
        figure = row[i]
        grouping = len(_plain(figure, lang)) // 3 if figure.kind in ("money", "integer") else 0
        longest = max(longest, len(_plain(figure, lang)) + grouping + 2)
    return max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))


def _sheet_name(name: str, taken: set[str]) -> str:
    base = " ".join(name.translate(SHEET_NAME_BAD).split())
    if len(base) > SHEET_NAME_MAX:  # at a word's end where there is one
        cut = base[: SHEET_NAME_MAX + 1].rsplit(" ", 1)[0]
        base = cut if len(cut) <= SHEET_NAME_MAX else base[:SHEET_NAME_MAX]
    base = base or "sheet"
    unique, n = base, 2
    while unique.lower() in taken:
        suffix = f" ({n})"
        unique, n = base[: SHEET_NAME_MAX - len(suffix)] + suffix, n + 1
    taken.add(unique.lower())
    return unique


def _styled(ws: Worksheet, value: Any, font: Font, fill: PatternFill | None = None) -> Any:
    cell = WriteOnlyCell(ws, value=value)
    cell.font = font
    if fill:
        cell.fill = fill
    return cell


def _write_sheet(book: Workbook, sheet: Sheet, taken: set[str]) -> None:
    ws = book.create_sheet(_sheet_name(sheet.name, taken))
    header_row = len(sheet.heading) + 3  # the title, the heading lines, one blank row
    ws.freeze_panes = f"A{header_row + 1}"
    for i, title in enumerate(sheet.columns):
        width = _width(title, sheet.rows, i, sheet.lang)
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    if sheet.rows:
        last = get_column_letter(len(sheet.columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(sheet.rows)}"
    ws.append([_styled(ws, sheet.title, TITLE)])
    for line in sheet.heading:
        ws.append([line])
    ws.append([])
    ws.append([_styled(ws, title, BOLD, HEADER_FILL) for title in sheet.columns])
    for row in sheet.rows:
        cells = []
        for figure in row:
            cell = WriteOnlyCell(ws, value=cell_value(figure))
            fmt = number_format(figure, sheet.lang)
            if fmt and figure.value is not None:
                cell.number_format = fmt
            cells.append(cell)
        ws.append(cells)
    if sheet.notes:
        ws.append([])
        for note in sheet.notes:
            ws.append([note])


def workbook(sheets: list[Sheet]) -> bytes:
    """One workbook, one sheet per table."""
    book = Workbook(write_only=True)
    taken: set[str] = set()
    for sheet in sheets:
        _write_sheet(book, sheet, taken)
    return _saved(book)


def sheet_csv(sheet: Sheet) -> bytes:
    """One table as CSV: the title and heading lines, a blank line, the table, the notes. A
    column whose figures share a unit says it in its title; a mixed one (a KPI's values) beside
    each figure."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=CSV_DELIMITER)
    for line in (sheet.title, *sheet.heading):
        writer.writerow([line])
    writer.writerow([])
    units = [column_unit(sheet.rows, i) for i in range(len(sheet.columns))]
    titles = zip(sheet.columns, units, strict=True)
    writer.writerow([f"{title}, {unit}" if unit else title for title, unit in titles])
    for row in sheet.rows:
        texts = []
        for figure, unit in zip(row, units, strict=True):
            text, own = _plain(figure, sheet.lang), UNITS.get(figure.kind)
            texts.append(f"{text} {own}" if own and not unit and text else text)
        writer.writerow(texts)
    if sheet.notes:
        writer.writerow([])
        for note in sheet.notes:
            writer.writerow([note])
    return out.getvalue().encode("utf-8-sig")


def _saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
