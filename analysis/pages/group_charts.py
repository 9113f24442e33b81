"""Plotly figures (plain JSON, chart_style.py) for the whole room: the group mood timeline and the persons x time
heatmap.

Both come from the run's stored timeline (timeline_store.py), so they cost the same for an hour
with 50 people as for a short clip: the heatmap has at most HEATMAP_COLUMNS columns.
"""

import json
import warnings
from functools import lru_cache

import numpy as np
from plotly.subplots import make_subplots

from analysis.core.emotions import EMOTIONS
from analysis.core.group_mood import GroupMood
from analysis.core.valence import CALM_BAND
from analysis.pages.chart_style import ATTENTION_COLOR, COLORS, LAYOUT, page_layout, time_axis, toggle, typed

HEATMAP_COLUMNS = 300
ROW_HEIGHT_PX = 18
# Tall enough for one person: the colour bars (seven emotions' labels) span the plot's height.
HEATMAP_MIN_HEIGHT_PX = 260


def valence_colorscale(calm_band: float = CALM_BAND) -> list[list]:
    """Red below calm, grey within +-calm_band of 0 (valence.CALM_BAND: calm, not a mood), blue above; for
    z from -1 to 1."""
    low, high = 0.5 - calm_band / 2, 0.5 + calm_band / 2
    return [
        [0.0, "#b2182b"],
        [low, "#f4c7b8"],
        [low, "#e6e6e6"],
        [high, "#e6e6e6"],
        [high, "#c3dbe9"],
        [1.0, "#2166ac"],
    ]


def bin_middles(mood: GroupMood) -> np.ndarray:
    """Where each bin is drawn: its middle (inside the video, group_mood.bin_count); float32, half the JSON."""
    return (mood.times + mood.bin_s / 2).astype(np.float32)


@lru_cache(maxsize=1)
def _group_layout_json() -> str:
    """The group timeline's layout without its x ranges and template: four rows on one time axis, the calm band.
    Laid out by plotly's make_subplots once per process (it costs tens of milliseconds), then copied."""
    figure = make_subplots(
        rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.05, row_heights=[0.42, 0.24, 0.18, 0.16]
    )
    # The calm band: the valence the app reads as calm (valence.CALM_BAND), so a line inside it reads calm.
    figure.add_hrect(
        y0=-CALM_BAND,
        y1=CALM_BAND,
        fillcolor="#999",
        opacity=0.18,
        line_width=0,
        layer="below",
        row=2,
        col=1,
        exclude_empty_subplots=False,  # no traces yet: they are added as dicts
    )
    figure.update_layout(**LAYOUT, height=540)
    figure.update_yaxes(title_text="share of faces", range=[0, 1], tickformat=".0%", row=1, col=1)
    figure.update_yaxes(title_text="valence", range=[-1, 1], zeroline=True, row=2, col=1)
    figure.update_yaxes(title_text="attention", range=[0, 1.05], tickvals=[0, 0.5, 1], tickformat=".0%", row=3, col=1)
    figure.update_yaxes(title_text="faces", rangemode="tozero", row=4, col=1)
    figure.update_xaxes(title=time_axis(1.0)["title"], row=4, col=1)
    layout = figure.to_plotly_json()["layout"]
    del layout["template"]  # the page's, applied by charts.js
    return json.dumps(layout)


def group_timeline(mood: GroupMood, span_s: float) -> dict:
    """Share of the faces seen in each dominant emotion (stacked), the valence and its spread, the share of
    faces turned to the camera (attention), faces seen: one row each, so no row needs a second axis; x from
    0 to `span_s` (charts.time_span)."""
    x = typed(bin_middles(mood))
    row = lambda number: {"xaxis": f"x{number}", "yaxis": f"y{number}"} if number > 1 else {"xaxis": "x", "yaxis": "y"}  # noqa: E731
    shown = mood.visible > 0
    traces = [
        {
            "type": "scatter",
            "x": x,
            "y": typed(np.where(shown, mood.shares[:, i], np.nan).astype(np.float32)),
            "name": name,
            "stackgroup": "shares",
            "mode": "none",
            "fillcolor": COLORS[name],
            "hovertemplate": f"{name} %{{y:.0%}}<extra></extra>",
            **row(1),
        }
        for i, name in enumerate(EMOTIONS)
    ]
    low, high = (mood.valence - mood.spread).astype(np.float32), (mood.valence + mood.spread).astype(np.float32)
    traces += [
        {
            "type": "scatter",
            "x": x,
            "y": typed(high),
            "mode": "lines",
            "line": {"width": 0},
            "showlegend": False,
            "hoverinfo": "skip",
            **row(2),
        },
        {
            "type": "scatter",
            "x": x,
            "y": typed(low),
            "mode": "lines",
            "line": {"width": 0},
            "fill": "tonexty",
            "fillcolor": "rgba(31,119,180,0.2)",
            "name": "spread (1 sd)",
            "hoverinfo": "skip",
            **row(2),
        },
        {
            "type": "scatter",
            "x": x,
            "y": typed(mood.valence.astype(np.float32)),
            "name": "valence",
            "line": {"color": "#1f77b4"},
            "hovertemplate": "valence %{y:+.2f}<extra></extra>",
            **row(2),
        },
        {
            "type": "scatter",
            "x": x,
            "y": typed(mood.attention.astype(np.float32)),  # NaN (no pose known) leaves a gap
            "name": "attention",
            "line": {"color": ATTENTION_COLOR},
            "hovertemplate": "attending %{y:.0%}<extra></extra>",
            **row(3),
        },
        {
            "type": "scatter",
            "x": x,
            "y": typed(mood.visible.astype(np.int16)),
            "name": "faces seen",
            "line": {"color": "#555", "shape": "hv"},
            "hovertemplate": "%{y} faces<extra></extra>",
            **row(4),
        },
    ]
    if mood.states_known.any():  # runs from before the facial measures have none
        traces += [
            {
                "type": "scatter",
                "x": x,
                "y": typed(counts.astype(np.int16)),
                "name": name,
                "line": {"color": color, "shape": "hv", "dash": "dot"},
                "hovertemplate": f"%{{y}} {text}<extra></extra>",
                **row(4),
            }
            for name, counts, color, text in (
                ("talking now", mood.talking, "#2ca02c", "faces talking"),
                ("eyes closed", mood.eyes_closed, "#9467bd", "faces with their eyes closed"),
            )
        ]
    layout = json.loads(_group_layout_json())
    for axis in ("xaxis", "xaxis2", "xaxis3", "xaxis4"):  # the four rows' x axes: one time axis
        layout[axis]["range"] = time_axis(span_s)["range"]
    return {"data": traces, "layout": layout}


def coarsen(values: np.ndarray, factor: int) -> np.ndarray:
    """Mean over runs of `factor` columns (axis 1), ignoring NaN; NaN where a run is all NaN."""
    if factor <= 1:
        return values
    columns = values.shape[1]
    padded = np.full((values.shape[0], -(-columns // factor) * factor, *values.shape[2:]), np.nan)
    padded[:, :columns] = values
    grouped = padded.reshape(values.shape[0], -1, factor, *values.shape[2:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a run of unseen columns stays NaN
        return np.nanmean(grouped, axis=2)


def persons_heatmap(mood: GroupMood, span_s: float) -> dict:
    """One row per person (most time on screen first), colour = valence, or the leading emotion (a toggle);
    x from 0 to `span_s` (charts.time_span)."""
    factor = max(1, -(-len(mood.times) // HEATMAP_COLUMNS))
    probabilities = coarsen(mood.person_probabilities, factor)
    valence = coarsen(mood.person_valence, factor)
    seen = ~np.isnan(valence)
    leading = np.where(seen, np.nan_to_num(probabilities).argmax(axis=2), np.nan)
    # A column's x is the middle of the bins it holds: the last one may hold fewer than `factor`.
    x = typed(coarsen(bin_middles(mood)[None, :].astype(float), factor)[0].astype(np.float32))
    y = [f"Person {n}" for n in mood.numbers]
    # Probabilities in whole percent, one byte each: the largest part of the page for a big room.
    hover = "%{y}, %{x:.0f} s<br>" + "<br>".join(f"{n} %{{customdata[{i}]}}%" for i, n in enumerate(EMOTIONS))
    custom = np.round(np.nan_to_num(probabilities) * 100).astype(np.uint8)
    by_valence = {
        "type": "heatmap",
        "x": x,
        "y": y,
        "z": typed(valence.astype(np.float32)),
        "zmin": -1,
        "zmax": 1,
        "colorscale": valence_colorscale(),
        "colorbar": dict(
            title=dict(text="valence"), tickvals=[-1, -CALM_BAND, CALM_BAND, 1], ticktext=["-1", "calm", "", "1"]
        ),
        "customdata": typed(custom),
        "hovertemplate": hover + "<extra>valence %{z:+.2f}</extra>",
        "name": "valence",
    }
    last = len(EMOTIONS) - 1
    steps = [[i / len(EMOTIONS), COLORS[n]] for i, n in enumerate(EMOTIONS)]
    discrete = [stop for i, (at, color) in enumerate(steps) for stop in ([at, color], [(i + 1) / len(EMOTIONS), color])]
    by_leading = {
        "type": "heatmap",
        "x": x,
        "y": y,
        "z": typed(leading.astype(np.float32)),
        "zmin": -0.5,
        "zmax": last + 0.5,
        "colorscale": discrete,
        "colorbar": dict(tickvals=list(range(len(EMOTIONS))), ticktext=list(EMOTIONS), title=dict(text="leading")),
        "hovertemplate": "%{y}, %{x:.0f} s<extra></extra>",  # the colour (and its legend) tells the emotion
        "name": "leading emotion",
        "visible": False,
    }
    margin = LAYOUT["margin"]
    height = max(HEATMAP_MIN_HEIGHT_PX, margin["t"] + margin["b"] + ROW_HEIGHT_PX * len(y))
    layout = page_layout(
        height=height,
        xaxis=time_axis(span_s),
        yaxis=dict(autorange="reversed"),
        meta=toggle("Colour", {"Valence": [True, False], "Leading emotion": [False, True]}),
    )
    return {"data": [by_valence, by_leading], "layout": layout}
