"""Plotly figures of a session link's responses along its stimulus: the participants' mean valence and
attention with their 95% band (top, bottom), each participant's own line on demand (in the legend,
hidden until clicked), and the share of participants whose leading emotion is each one. The layouts are
built once and cached, the traces written as plain dicts (study_charts.py says why)."""

import json
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.emotions import EMOTIONS
from analysis.core.stimulus_responses import Band, Responses
from analysis.pages.chart_style import COLORS, LAYOUT

BAND_FILL = {"valence": "rgba(76,120,168,0.2)", "attention": "rgba(84,162,75,0.2)"}
LINE_COLOR = {"valence": "#4c78a8", "attention": "#54a24b"}


@lru_cache(maxsize=1)
def _layouts() -> tuple[str, str]:
    lines = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.6, 0.4])
    lines.update_xaxes(title="stimulus time (s)", row=2, col=1)
    lines.update_yaxes(title="valence", range=[-1, 1], row=1, col=1)
    lines.update_yaxes(title="attention", range=[0, 1], tickformat=".0%", row=2, col=1)
    lines.update_layout(**LAYOUT, height=480)
    shares = go.Figure()
    shares.update_layout(
        **LAYOUT,
        height=300,
        xaxis=dict(title="stimulus time (s)"),
        yaxis=dict(title="participants whose leading emotion it is", range=[0, 1], tickformat=".0%"),
    )
    return lines.to_json(), shares.to_json()


def _points(values: np.ndarray) -> list[float | None]:
    return [None if v != v else round(v, 4) for v in np.asarray(values, dtype=float).tolist()]


def _band_traces(t: list[float], band: Band, name: str, axis: str) -> list[dict]:
    """The band (the upper edge, then the lower one filled up to it) and the mean line."""
    axes = {"xaxis": "x" if axis == "1" else "x2", "yaxis": "y" if axis == "1" else "y2"}
    edge = dict(type="scatter", x=t, mode="lines", line=dict(width=0), hoverinfo="skip", showlegend=False, **axes)
    return [
        {**edge, "y": _points(band.high), "legendgroup": f"{name} band"},
        {
            **edge,
            "y": _points(band.low),
            "fill": "tonexty",
            "fillcolor": BAND_FILL[name],
            "name": f"{name}: 95% band",
            "showlegend": axis == "1",
            "legendgroup": f"{name} band",
        },
        dict(
            type="scatter",
            x=t,
            y=_points(band.mean),
            name=f"mean {name}",
            line=dict(color=LINE_COLOR[name], width=3),
            customdata=band.seen.tolist(),
            hovertemplate=f"%{{x}} s: mean {name} %{{y:.2f}} (%{{customdata}} participants)<extra></extra>",
            **axes,
        ),
    ]


def responses_figures(responses: Responses) -> dict:
    """{"lines": valence and attention along the stimulus, "shares": the leading emotions' shares}."""
    t = [round(x, 2) for x in responses.t.tolist()]
    traces = _band_traces(t, responses.bands["valence"], "valence", "1")
    traces += _band_traces(t, responses.bands["attention"], "attention", "2")
    for index, name in enumerate(responses.names):  # each participant's line: in the legend, shown on click
        for row, (values, axis) in enumerate(((responses.valence, "1"), (responses.attention, "2"))):
            traces.append(
                dict(
                    type="scatter",
                    x=t,
                    y=_points(values[index]),
                    name=name,
                    legendgroup=name,
                    showlegend=row == 0,
                    visible="legendonly",
                    line=dict(width=1),
                    xaxis="x" if axis == "1" else "x2",
                    yaxis="y" if axis == "1" else "y2",
                )
            )
    shares = [
        dict(
            type="scatter",
            x=t,
            y=_points(responses.bands[name].mean),
            name=name,
            line=dict(color=COLORS.get(name)),
        )
        for name in EMOTIONS
    ]
    lines_layout, shares_layout = _layouts()
    lines_figure, shares_figure = json.loads(lines_layout), json.loads(shares_layout)
    lines_figure["data"], shares_figure["data"] = traces, shares
    return {"lines": lines_figure, "shares": shares_figure}
