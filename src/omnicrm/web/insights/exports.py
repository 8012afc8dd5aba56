"""The workstation's downloads: each table of a page as the person sees it on screen, in their
language (the screen's column titles, codes in words, money in rubles, shares as percentages),
with the period, the filters and the page's options written above it (``analytics.export`` writes
the files). Customer lists carry customer ids, never names or contacts. ``?raw=1`` on a download
gives the analysis as it is (codes, minor units, fractions) for integrators instead."""

from dataclasses import dataclass
from datetime import date, datetime

from omnicrm.analytics.export import Figure, Sheet
from omnicrm.analytics.report import Report
from omnicrm.web import formatting
from omnicrm.web.config import get_web_settings
from omnicrm.web.i18n import label, sentence, translate
from omnicrm.web.insights.cache import Choices
from omnicrm.web.insights.filters import Option, PageFilters
from omnicrm.web.insights.tables import ISO_DAY, column_label, kind_of, title_of, words


@dataclass(frozen=True)
class Context:
    """What a download writes above its tables."""

    lang: str
    filters: PageFilters
    options: tuple[Option, ...]
    choices: Choices
    as_of: datetime | None


def figure(name: str, value: object, record: dict, lang: str) -> Figure:
    """One cell of a download: the figure itself, typed as the screen shows it."""
    if value is None:
        return Figure(None)
    if name == "customer_id":
        return Figure(value, "id")
    kind = kind_of(name, value, record)
    if kind.name != "text":
        return Figure(value, kind.name, kind.decimals)
    text = str(value)
    if ISO_DAY.match(text):  # a week or month bucket starts on its first day
        return Figure(date.fromisoformat(text), "month" if name == "month" else "date")
    return Figure(words(name, text, lang))


def _store(code: str, choices: Choices) -> str:
    names = dict(choices.stores)
    return f"{code} · {names[code]}" if names.get(code, code) != code else code


def filter_lines(context: Context) -> list[str]:
    """Period, filters, the page's options and the data's date, in words."""
    lang, f = context.lang, context.filters
    period = f"{formatting.day(f.since, lang)} – {formatting.day(f.until, lang)}"
    given = [
        (translate(lang, title), shown)
        for title, value, shown in (
            ("Channel", f.channel, f.channel and label(lang, "channel", f.channel)),
            ("Store", f.store, f.store and _store(f.store, context.choices)),
            ("City", f.city, f.city),
            ("Level", f.level, f.level and words("level", f.level, lang)),
            ("Segment", f.segment, f.segment and label(lang, "segment", f.segment)),
        )
        if value
    ]
    lines = [
        translate(lang, "Period: {period}", period=period),
        translate(
            lang,
            "Filters: {filters}",
            filters="; ".join(f"{t}: {v}" for t, v in given) or translate(lang, "none"),
        ),
    ]
    for option in context.options:
        value = f.option(option.name)
        shown = str(value) if option.is_number else label(lang, "opt", str(value))
        lines.append(f"{translate(lang, option.label)}: {shown}")
    if context.as_of:
        moment = formatting.moment(context.as_of, lang, get_web_settings().zone)
        lines.append(translate(lang, "Data as of {moment}", moment=moment))
    return lines


def cut_line(report: Report, lang: str) -> str | None:
    """ "First N of M rows" when the analysis stopped at its row limit."""
    if not report.cut:
        return None
    return translate(
        lang,
        "First {shown} of {total} rows: raise “Rows” to get them all",
        shown=formatting.number(len(report.rows), lang),
        total=formatting.number(report.found or 0, lang),
    )


def sheet_of(report: Report, context: Context, hide: frozenset[str] = frozenset()) -> Sheet:
    """``report`` as the sheet a person reads."""
    lang = context.lang
    names = [n for n in report.columns if n not in hide]
    heading = filter_lines(context)
    cut = cut_line(report, lang)
    if cut:
        heading.append(cut)
    return Sheet(
        name=title_of(report, lang),
        title=title_of(report, lang),
        heading=heading,
        columns=[column_label(lang, n) for n in names],
        rows=[[figure(n, r[n], r, lang) for n in names] for r in report.records()],
        notes=[sentence(lang, note) for note in report.notes],
        lang=lang,
    )
