"""The liability report's tables as files (CSV / Excel, the analytics exports' format): one
table per download, named as in the report."""

from omnicrm.analytics.export import render
from omnicrm.analytics.report import Report
from omnicrm.core.errors import FieldError, InvalidRecord

TABLES = ("roll_forward", "outstanding", "by_expiry", "cohorts", "settlement")
TITLES = {
    "roll_forward": "Points roll-forward by month",
    "outstanding": "Outstanding points by cohort, expiry month and state",
    "by_expiry": "Live points by expiry month",
    "cohorts": "Cohorts: redemption, expected breakage, deferred revenue",
    "settlement": "Settlement with partners and co-brand issuers",
}


def table(report: dict, name: str) -> Report:
    """One of ``TABLES`` of ``report`` (``liability_store.liability_report``'s answer)."""
    if name not in TABLES:
        raise InvalidRecord([FieldError("table", f"no table {name!r}; one of {list(TABLES)}")])
    if name == "settlement":
        rows = [{"kind": "partner", **row} for row in report["settlement"]["partners"]] + [
            {"kind": "cobrand", **row} for row in report["settlement"]["cobrands"]
        ]
    else:
        rows = report[name]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    totals = report["totals"]
    notes = [
        f"program {report['program']} v{report['program_version']}, as of {report['as_of']}",
        f"one point = {report['point_value_minor']} minor units of {report['currency']}",
        f"deferred revenue {totals['deferred_revenue_minor']} minor units, expected breakage "
        f"{totals['expected_breakage_bp']} bp of {totals['live_points']} live points",
        report["method"],
    ]
    return Report(
        name=name,
        title=TITLES[name],
        columns=columns,
        rows=[tuple(row.get(c) for c in columns) for row in rows],
        notes=notes,
    )


def download(report: dict, name: str, fmt: str) -> bytes:
    if fmt not in ("csv", "xlsx"):
        raise InvalidRecord([FieldError("format", f"no format {fmt!r}; csv or xlsx")])
    return render(table(report, name), fmt)
