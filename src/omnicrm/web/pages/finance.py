"""The finance workstation: the points liability report (what the program owes, expected
breakage, the monthly roll-forward, deferred revenue, settlement with partners) as of the end
of a day, with CSV / Excel downloads of each table. Read-only and aggregate: no person is named,
so the finance role needs no access to customers."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from omnicrm.analytics.export import MEDIA_TYPES
from omnicrm.api.deps import NowDep, ReadSessionDep
from omnicrm.core.errors import FieldError, InvalidRecord
from omnicrm.loyalty.liability_export import TABLES, download
from omnicrm.loyalty.liability_store import liability_report
from omnicrm.loyalty.queries import latest_versions
from omnicrm.web.downloads import attachment
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import Viewer, needs

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)
FinanceViewer = Annotated[Viewer, Depends(needs(Permission.FINANCE))]


def _day(text: str | None, now: datetime) -> date:
    if not text:
        return now.astimezone(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidRecord([FieldError("as_of", f"not a date: {text!r}")]) from None


def _end_of(day: date) -> datetime:
    """The report covers the whole day (UTC): everything before the next midnight."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


@router.get("/finance/liability")
def liability_page(
    request: Request,
    viewer: FinanceViewer,
    session: ReadSessionDep,
    now: NowDep,
    as_of: str | None = None,
    program: str | None = None,
) -> Response:
    programs = latest_versions(session)
    day = _day(as_of, now)
    report = liability_report(session, program, _end_of(day)) if programs or program else None
    return render(
        request,
        "finance_liability.html",
        viewer,
        programs=programs,
        report=report,
        day=day,
        tables=TABLES,
    )


@router.get("/finance/liability/download")
def liability_download(
    viewer: FinanceViewer,
    session: ReadSessionDep,
    now: NowDep,
    table: str = "roll_forward",
    format: str = "csv",
    as_of: str | None = None,
    program: str | None = None,
) -> Response:
    day = _day(as_of, now)
    report = liability_report(session, program, _end_of(day))
    data = download(report, table, format)
    name = f"liability_{report['program']}_{table}_{day.isoformat()}.{format}"
    return attachment(data, MEDIA_TYPES[format], name)
