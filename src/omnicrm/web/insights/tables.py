"""Reports as tables people read: column names in the viewer's language, money as ``1 234,50 ₽``,
shares as percentages, dates the local way, codes (channels, segments, stages) as words; customer
ids linked to their profile with a contact beside them, masked for roles that need masking."""

import re
from dataclasses import dataclass, field, replace
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
    "category": "value", "brand": "value", "store": "value", "total": "value",
}  # fmt: skip
KPI_PERCENT = {
    "member_receipt_share", "enrolment_conversion", "repeat_rate_new", "points_redemption_share",
    "referrer_share", "churn_rate_annual",
}  # fmt: skip
KPI_LOWER_IS_BETTER = {"churn_rate_annual"}
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass(frozen=True, slots=True)
class Kind:
    """What a column holds: ``money`` (minor units), ``percent`` (a share), ``integer``,
    ``decimal`` (with ``decimals``), ``date`` or ``text``."""

    name: str
    decimals: int = 0


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
    found: int | None = None
    """Rows the analysis found before its own row limit (``Report.found``)."""

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


def title_of(report: Report, lang: str) -> str:
    """A report's title in the viewer's language (the page's table and its download)."""
    return sentence(lang, report.title)


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


def kpi_kind(name: str, value: Any) -> Kind:
    """What a KPI's value is: money, a share, a count or a ratio, by the KPI."""
    if name.endswith("_minor"):
        return Kind("money")
    if name in KPI_PERCENT:
        return Kind("percent")
    return Kind("integer") if isinstance(value, int) else Kind("decimal", 2)


def kind_of(name: str, value: Any, row: dict[str, Any]) -> Kind:
    """What the cell ``name`` of ``row`` holds, as the screen and the exports show it."""
    if name in ("value", "previous") and "kpi" in row:
        return kpi_kind(row["kpi"], value)
    if name == "value" and row.get("measure") == "revenue":
        return Kind("money")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if name.endswith("_minor"):
            return Kind("money")
        if name in PERCENT:
            return Kind("percent")
        if name in DECIMAL:
            return Kind("decimal", DECIMAL[name])
        return Kind("integer") if float(value).is_integer() else Kind("decimal", 2)
    if isinstance(value, date):
        return Kind("date")
    return Kind("text")


def show(kind: Kind, value: Any, lang: str) -> str:
    """A value of ``kind`` for people."""
    if value is None:
        return "—"
    if kind.name == "money":
        return formatting.money(round(value), lang)
    if kind.name == "percent":
        return formatting.percent(value, lang)
    if kind.name in ("integer", "decimal"):
        return formatting.number(value, lang, kind.decimals)
    if kind.name == "date":
        return formatting.day(value, lang)
    return str(value)


def kpi_value(name: str, value: Any, lang: str) -> str:
    """A KPI's value: money, a share, a count or a ratio, by the KPI."""
    return show(kpi_kind(name, value), value, lang)


def kpi_tile(name: str, value: Any, lang: str) -> str:
    """A KPI's value short enough for its tile (``84,3 млн ₽``); ``kpi_value`` is the exact one,
    shown on hover."""
    kind = kpi_kind(name, value)
    if value is None or kind.name not in ("money", "integer"):
        return kpi_value(name, value, lang)
    if kind.name == "money":
        return formatting.compact_money(round(value), lang)
    return formatting.compact(value, lang) if abs(value) >= 10**6 else kpi_value(name, value, lang)


def words(name: str, text: str, lang: str) -> str:
    """A text cell for people: codes (channels, segments, KPIs) as words, ISO days and months
    the local way."""
    if name in LABELLED:
        return coded(lang, LABELLED[name], text)
    if name == "kpi":
        return label(lang, "kpi", text)
    return text_value(text, lang)


def cell(
    name: str, value: Any, row: dict[str, Any], lang: str, levels: dict[str, str] | None = None
) -> Cell:
    """One value for people; ``levels`` names the loyalty levels (codes are the program's)."""
    if value is None:
        return Cell("—", numeric=not isinstance(value, str))
    kind = kind_of(name, value, row)
    if kind.name != "text":
        return Cell(show(kind, value, lang), numeric=kind.name != "date")
    text = str(value)
    if name == "level" and levels and text in levels:
        return Cell(levels[text])
    return Cell(words(name, text, lang))


PERSON = "person"
"""The column ``named`` adds: the listed customer's name, for charts that show people."""


def named(report: Report, people: dict[int, str] | None) -> Report:
    """``report`` with each customer's name beside the id (``PERSON``), for a chart's labels;
    unchanged where it lists no customers or the viewer may not see their names."""
    if not people or "customer_id" not in report.columns:
        return report
    at = report.columns.index("customer_id")
    return replace(
        report,
        columns=[*report.columns, PERSON],
        rows=[(*row, people.get(row[at])) for row in report.rows],
    )


def table_of(
    report: Report,
    lang: str,
    *,
    limit: int = MAX_ROWS,
    contacts: dict[int, str] | None = None,
    people: dict[int, str] | None = None,
    link_customers: bool = False,
    hide: frozenset[str] = frozenset(),
    levels: dict[str, str] | None = None,
) -> Table:
    """``report`` for the page; with ``contacts`` (customer id -> contact as the viewer may see it)
    a contact column follows the customer id; with ``people`` (id -> name) the customer is named
    (``#id`` where the profile has no name), linked to the 360 page when ``link_customers``."""
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
            if name == "customer_id" and record[name] is not None:
                cid = record[name]
                text = (people or {}).get(cid) or f"#{cid}"
                shown = Cell(text, href=f"/customers/{cid}" if link_customers else None)
            cells.append(shown)
        rows.append(cells)
    numeric = [bool(rows) and rows[0][i].numeric for i in range(len(names))]
    return Table(
        key=report.name,
        title=title_of(report, lang),
        columns=[(column_label(lang, n), numeric[i]) for i, n in enumerate(names)],
        rows=rows,
        total=len(report.rows),
        notes=[sentence(lang, note) for note in report.notes],
        found=report.found if report.cut else None,
    )
