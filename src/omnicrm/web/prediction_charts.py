"""The charts of the predictions page, from what each model version stored (``charts`` and
``metrics``): CLV's tracking plot (actual vs expected cumulative repeat purchases, the holdout
weeks marked), churn's calibration and feature importance, the recommenders' holdout scores
against popularity, and the clusters' sizes."""

from typing import Any

from omnicrm.predict.models import Version
from omnicrm.web.i18n import label, translate
from omnicrm.web.insights.charts import Chart, _layout

TOP_FEATURES = 15


def _line(name: str, x: list, y: list, **extra: Any) -> dict:
    return {"type": "scatter", "mode": "lines", "name": name, "x": x, "y": y, **extra}


def tracking(lang: str, v: Version) -> Chart | None:
    weeks = v.charts.get("tracking")
    if not weeks:
        return None
    x = weeks["week"]
    first_held = next((w for w, h in zip(x, weeks["holdout"], strict=True) if h), None)
    layout = _layout(lang, xaxis={"title": {"text": translate(lang, "week")}})
    if first_held is not None:
        layout["shapes"] = [
            {
                "type": "line",
                "x0": first_held,
                "x1": first_held,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "color": "#6e7781"},
            }
        ]
    data = [
        _line(translate(lang, "actual"), x, weeks["actual"]),
        _line(
            translate(lang, "expected by the model"), x, weeks["expected"], line={"dash": "dash"}
        ),
    ]
    title = translate(
        lang, "Cumulative repeat purchases: actual vs expected (dotted: holdout starts)"
    )
    return Chart("clv-tracking", title, {"data": data, "layout": layout})


def calibration(lang: str, v: Version) -> Chart | None:
    bins = v.charts.get("calibration")
    if not bins:
        return None
    data = [
        _line(
            translate(lang, "observed churn"),
            [b["mean_predicted"] for b in bins],
            [b["observed_rate"] for b in bins],
            mode="lines+markers",
        ),
        _line(translate(lang, "perfect calibration"), [0, 1], [0, 1], line={"dash": "dot"}),
    ]
    layout = _layout(lang, xaxis={"title": {"text": translate(lang, "predicted risk")}})
    return Chart(
        "churn-calibration",
        translate(lang, "Calibration on the holdout"),
        {"data": data, "layout": layout},
    )


def importance(lang: str, v: Version) -> Chart | None:
    shares = sorted(v.charts.get("importance", {}).items(), key=lambda kv: -kv[1])[:TOP_FEATURES]
    if not shares:
        return None
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "x": [s for _, s in shares][::-1],
            "y": [label(lang, "feature", n) for n, _ in shares][::-1],
        }
    ]
    layout = _layout(lang, height=420, margin={"l": 220})
    return Chart(
        "churn-importance",
        translate(lang, "What the model weighs (share of gain)"),
        {"data": data, "layout": layout},
    )


def recommenders(lang: str, v: Version) -> Chart | None:
    scores = v.charts.get("models")
    if not scores:
        return None
    k = v.metrics.get("k", 10)
    names = list(scores)
    data = [
        {
            "type": "bar",
            "name": f"{measure.upper()}@{k}",
            "x": [label(lang, "model", n) for n in names],
            "y": [scores[n][f"{measure}_at_{k}"] for n in names],
        }
        for measure in ("map", "precision", "recall")
    ]
    return Chart(
        "recommend-holdout",
        translate(lang, "Holdout scores against popularity"),
        {"data": data, "layout": _layout(lang, barmode="group")},
    )


def cluster_sizes(lang: str, v: Version) -> Chart | None:
    """Horizontal bars: a cluster's name is a phrase, too long under a column."""
    found = v.params.get("clusters")
    if not found:
        return None
    names = [c.get(f"name_{lang}", c["name_en"]) for c in found]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": names[::-1],
            "x": [c["customers"] for c in found][::-1],
        }
    ]
    layout = _layout(lang, height=max(240, 40 * len(found)), margin={"l": 320})
    return Chart(
        "cluster-sizes", translate(lang, "Customers per cluster"), {"data": data, "layout": layout}
    )


CHARTS = {
    "clv": (tracking,),
    "churn": (calibration, importance),
    "recommend": (recommenders,),
    "clusters": (cluster_sizes,),
}


def charts_of(lang: str, v: Version) -> list[Chart]:
    return [c for build in CHARTS[v.kind] if (c := build(lang, v)) is not None]
