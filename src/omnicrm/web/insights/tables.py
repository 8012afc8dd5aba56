"""Reports as tables people read: column names in the viewer's language, money as ``1 234,50 ₽``,
shares as percentages, dates the local way, codes (channels, segments, stages) as words; customer
ids linked to their profile with a contact beside them, masked for roles that need masking."""

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from omnicrm.analytics.report import Report
from omnicrm.web import formatting
from omnicrm.web.formatting import MONTHS_EN
from omnicrm.web.i18n import CATALOGUES, label, sentence

MAX_ROWS = 200
"""Rows shown on a page; the download carries them all."""

PERCENT = {
    "share", "item_share", "value_share", "cumulative_share", "retention", "repeat_share",
    "share_of_acquired", "share_of_previous", "points_redemption_share", "churn_rate_annual",
    "change",
}  # fmt: skip
DECIMAL = {
    "avg_frequency": 2, "cv": 2, "items_per_receipt": 2, "receipts_per_buyer": 2,
    "receipts_per_buyer_per_year": 2, "position_based": 2, "avg_recency_days": 1,
}  # fmt: skip
LABELLED = {
    "channel": "channel", "segment": "segment", "previous_segment": "segment", "stage": "stage",
    "subject": "opt", "measure": "opt", "dimension": "opt", "gender": "gender", "group": "opt",
    "source": "value", "value": "value", "city": "value", "level": "value", "age_band": "value",
    "category": "value", "brand": "value", "store": "value",
}  # fmt: skip
KPI_PERCENT = {
    "member_receipt_share", "enrolment_conversion", "repeat_rate_new", "points_redemption_share",
    "referrer_share", "churn_rate_annual",
}  # fmt: skip
KPI_LOWER_IS_BETTER = {"churn_rate_annual"}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    numeric: bool = False
    href: str | None = None


@dataclass
class Table:
    key: str
    """The report's name: what the download links ask for."""
    title: str
    columns: list[tuple[str, bool]]
    """(label, numeric)."""
    rows: list[list[Cell]]
    total: int
    notes: list[str] = field(default_factory=list)
    limited: int | None = None
    """Rows the analysis had before its row limit (``Report.total``), when it cut them."""
    all_href: str | None = None
    """The page with a row limit that shows them all."""

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


def column_label(lang: str, name: str) -> str:
    """A column's name; the movement matrix's columns are segments."""
    catalogue = CATALOGUES.get(lang, {})
    for key in (f"col:{name}", f"segment:{name}"):
        if key in catalogue:
            return catalogue[key]
    if name != name.lower() or name.startswith("("):
        return name
    text = name.replace("_", " ")
    return text[:1].upper() + text[1:]


def month_label(value: date, lang: str) -> str:
    """``03.2025`` / ``Mar 2025``."""
    if lang == "ru":
        return f"{value.month:02d}.{value.year}"
    return f"{MONTHS_EN[value.month - 1]} {value.year}"


def text_value(value: str, lang: str) -> str:
    if ISO_DAY.match(value):
        return formatting.day(date.fromisoformat(value), lang)
    if ISO_MONTH.match(value):
        return month_label(date.fromisoformat(f"{value}-01"), lang)
    return value


def coded(lang: str, group: str, value: str) -> str:
    """A code in words; free text (a city, a SKU) as it is; a stand-in for no value
    (``(direct)``, ``(unknown)``) in words whatever the column."""
    catalogue = CATALOGUES.get(lang, {})
    for key in (f"{group}:{value}", f"value:{value}"):
        if key in catalogue:
            return catalogue[key]
    if group in ("channel", "stage"):
        return label(lang, group, value)
    return value


def kpi_value(name: str, value: Any, lang: str) -> str:
    """A KPI's value: money, a share, a count or a ratio, by the KPI."""
    if value is None:
        return "—"
    if name.endswith("_minor"):
        return formatting.money(int(value), lang)
    if name in KPI_PERCENT:
        return formatting.percent(value, lang)
    if isinstance(value, int):
        return formatting.number(value, lang)
    return formatting.number(value, lang, 2)


def cell(
    name: str, value: Any, row: dict[str, Any], lang: str, levels: dict[str, str] | None = None
) -> Cell:
    """One value for people; ``levels`` names the loyalty levels (codes are the program's)."""
    if value is None:
        return Cell("—", numeric=not isinstance(value, str))
    if name in ("value", "previous") and "kpi" in row:
        return Cell(kpi_value(row["kpi"], value, lang), numeric=True)
    if name == "value" and row.get("measure") == "revenue":
        return Cell(formatting.money(int(value), lang), numeric=True)
    if isinstance(value, int | float):
        if name.endswith("_minor"):
            return Cell(formatting.money(round(value), lang), numeric=True)
        if name in PERCENT:
            return Cell(formatting.percent(value, lang), numeric=True)
        if name in DECIMAL:
            return Cell(formatting.number(value, lang, DECIMAL[name]), numeric=True)
        decimals = 0 if float(value).is_integer() else 2
        return Cell(formatting.number(value, lang, decimals), numeric=True)
    if isinstance(value, date):
        return Cell(formatting.day(value, lang))
    text = str(value)
    if name == "level" and levels and text in levels:
        return Cell(levels[text])
    if name in LABELLED:
        return Cell(coded(lang, LABELLED[name], text))
    if name == "kpi":
        return Cell(label(lang, "kpi", text))
    return Cell(text_value(text, lang))


def table_of(
    report: Report,
    lang: str,
    *,
    limit: int = MAX_ROWS,
    contacts: dict[int, str] | None = None,
    link_customers: bool = False,
    hide: frozenset[str] = frozenset(),
    levels: dict[str, str] | None = None,
) -> Table:
    """``report`` for the page; with ``contacts`` (customer id -> contact as the viewer may see it)
    a contact column follows the customer id."""
    names = [name for name in report.columns if name not in hide]
    if contacts is not None and "customer_id" in names:
        names.insert(names.index("customer_id") + 1, "contact")
    rows = []
    for record in report.records()[:limit]:
        cells = []
        for name in names:
            if name == "contact":
                cells.append(Cell((contacts or {}).get(record["customer_id"], "—")))
                continue
            shown = cell(name, record[name], record, lang, levels)
            if name == "customer_id" and link_customers and record[name] is not None:
                shown = Cell(str(record[name]), href=f"/customers/{record[name]}")
            cells.append(shown)
        rows.append(cells)
    numeric = [bool(rows) and rows[0][i].numeric for i in range(len(names))]
    return Table(
        key=report.name,
        title=sentence(lang, report.title),
        columns=[(column_label(lang, n), numeric[i]) for i, n in enumerate(names)],
        rows=rows,
        total=len(report.rows),
        notes=[sentence(lang, note) for note in report.notes],
        limited=report.total,
    )
