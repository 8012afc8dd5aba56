"""Predictions (X1-X3): per model kind, the version in force with its training window, its
holdout metrics and charts, and the versions before it. Read-only; training is the
``omnicrm predict train`` command (or ``POST /api/v1/predict/train``)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from omnicrm.api.deps import EngineDep
from omnicrm.predict import models
from omnicrm.web.errors import PAGE_TAG
from omnicrm.web.pages.analytics import PLOTLY_PATH, _figure_json
from omnicrm.web.prediction_charts import charts_of
from omnicrm.web.rendering import render
from omnicrm.web.roles import Permission
from omnicrm.web.sessions import Viewer, lang_of, needs

router = APIRouter(tags=[PAGE_TAG], include_in_schema=False)
PredictionsViewer = Annotated[Viewer, Depends(needs(Permission.ANALYTICS))]


@router.get("/predictions")
def predictions(
    request: Request, viewer: PredictionsViewer, engine: EngineDep, kind: str = "clv"
) -> Response:
    kind = kind if kind in models.KINDS else "clv"
    with engine.connect() as conn:
        history = models.versions(conn, kind)
    shown = history[0] if history else None
    charts = charts_of(lang_of(request), shown) if shown else []
    return render(
        request,
        "predictions.html",
        viewer,
        kinds=models.KINDS,
        kind=kind,
        version=shown,
        history=history,
        charts=[(c, _figure_json(c.figure)) for c in charts],
        plotly_path=PLOTLY_PATH,
    )
