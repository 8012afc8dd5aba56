"""Survey scores (M5): per survey, NPS or CSI by store, channel or month with the counts, and
the score by month as a chart. Read-only; the numbers are ``surveys.report``'s."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from omnicrm.api.deps import EngineDep, NowDep
from omnicrm.surveys import repository
from omnicrm.surveys.report import scores
from omnicrm.surveys.scores import Score
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.i18n import translate
from omnicrm.web.insights.charts import Chart, _layout
from omnicrm.web.pages.analytics import PLOTLY_PATH, _figure_json
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import Viewer, lang_of, needs

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)
SurveysViewer = Annotated[Viewer, Depends(needs(Permission.SURVEYS))]
GROUPS = ("store", "channel", "month")


def month_chart(lang: str, kind: str, months: list[Score]) -> Chart:
    """The score by month as bars, each labelled with its number of answers."""
    figure = {
        "data": [
            {
                "type": "bar",
                "x": [s.group for s in months],
                "y": [s.value for s in months],
                "text": [translate(lang, "{n} answers", n=s.answers) for s in months],
                "hovertemplate": "%{x}: %{y}<br>%{text}<extra></extra>",
            }
        ],
        "layout": _layout(lang, yaxis={"rangemode": "normal"}),
    }
    title = translate(lang, "NPS by month" if kind == "nps" else "CSI by month")
    return Chart("survey-months", title, figure)


@router.get("/surveys")
def survey_scores(
    request: Request,
    viewer: SurveysViewer,
    engine: EngineDep,
    now: NowDep,
    survey: str | None = None,
    by: str = "store",
) -> Response:
    by = by if by in GROUPS else "store"
    with engine.connect() as conn:
        surveys = repository.list_all(conn)
        shown = next((q for q in surveys if q.code == survey), surveys[0] if surveys else None)
        rows, months = [], []
        if shown is not None:
            _, rows = scores(conn, shown.code, by=by, since=None, until=None, now=now)
            _, months = scores(conn, shown.code, by="month", since=None, until=None, now=now)
    charts = []
    if shown is not None and months[1:]:
        chart = month_chart(lang_of(request), shown.kind, months[1:])
        charts = [(chart, _figure_json(chart.figure))]
    return render(
        request,
        "surveys.html",
        viewer,
        surveys=surveys,
        survey=shown,
        by=by,
        rows=rows,
        charts=charts,
        plotly_path=PLOTLY_PATH,
    )
