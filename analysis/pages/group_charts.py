"""Plotly figures for the whole room: the group mood timeline and the persons x time heatmap.

Both come from the run's stored timeline (timeline_store.py), so they cost the same for an hour
with 50 people as for a short clip: the heatmap has at most HEATMAP_COLUMNS columns.
"""

import warnings

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.emotions import EMOTIONS
from analysis.core.group_mood import GroupMood
from analysis.core.valence import CALM_BAND
from analysis.pages.chart_style import ATTENTION_COLOR, COLORS, LAYOUT, add_toggle, time_axis

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


def group_timeline(mood: GroupMood, span_s: float) -> go.Figure:
    """Share of the faces seen in each dominant emotion (stacked), the valence and its spread, the share of
    faces turned to the camera (attention), faces seen: one row each, so no row needs a second axis; x from
    0 to `span_s` (charts.time_span)."""
    figure = make_subplots(
        rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.05, row_heights=[0.42, 0.24, 0.18, 0.16]
    )
    x = bin_middles(mood)
    shown = mood.visible > 0
    for i, name in enumerate(EMOTIONS):
        figure.add_scatter(
            x=x,
            y=np.where(shown, mood.shares[:, i], np.nan).astype(np.float32),
            name=name,
            stackgroup="shares",
            mode="none",
            fillcolor=COLORS[name],
            hovertemplate=f"{name} %{{y:.0%}}<extra></extra>",
            row=1,
            col=1,
        )
    low, high = (mood.valence - mood.spread).astype(np.float32), (mood.valence + mood.spread).astype(np.float32)
    figure.add_scatter(x=x, y=high, mode="lines", line=dict(width=0), showlegend=False, hoverinfo="skip", row=2, col=1)
    figure.add_scatter(
        x=x,
        y=low,
        mode="lines",
        line=dict(width=0),
        fill="tonexty",
        fillcolor="rgba(31,119,180,0.2)",
        name="spread (1 sd)",
        hoverinfo="skip",
        row=2,
        col=1,
    )
    figure.add_scatter(
        x=x,
        y=mood.valence.astype(np.float32),
        name="valence",
        line=dict(color="#1f77b4"),
        hovertemplate="valence %{y:+.2f}<extra></extra>",
        row=2,
        col=1,
    )
    # The calm band: the valence the app reads as calm (valence.CALM_BAND), so a line inside it reads calm.
    figure.add_hrect(
        y0=-CALM_BAND, y1=CALM_BAND, fillcolor="#999", opacity=0.18, line_width=0, layer="below", row=2, col=1
    )
    figure.add_scatter(
        x=x,
        y=mood.attention.astype(np.float32),  # NaN (no pose known) leaves a gap
        name="attention",
        line=dict(color=ATTENTION_COLOR),
        hovertemplate="facing the camera %{y:.0%}<extra></extra>",
        row=3,
        col=1,
    )
    figure.add_scatter(
        x=x,
        y=mood.visible.astype(np.int16),
        name="faces seen",
        line=dict(color="#555", shape="hv"),
        hovertemplate="%{y} faces<extra></extra>",
        row=4,
        col=1,
    )
    figure.update_layout(**{**LAYOUT, "hovermode": "x unified"}, height=540)
    figure.update_yaxes(title_text="share of faces", range=[0, 1], tickformat=".0%", row=1, col=1)
    figure.update_yaxes(title_text="valence", range=[-1, 1], zeroline=True, row=2, col=1)
    figure.update_yaxes(title_text="attention", range=[0, 1.05], tickvals=[0, 0.5, 1], tickformat=".0%", row=3, col=1)
    figure.update_yaxes(title_text="faces", rangemode="tozero", row=4, col=1)
    axis = time_axis(span_s)
    figure.update_xaxes(range=axis["range"])  # the four rows' x axes: one time axis
    figure.update_xaxes(title_text=axis["title"], row=4, col=1)
    return figure


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


def persons_heatmap(mood: GroupMood, span_s: float) -> go.Figure:
    """One row per person (most time on screen first), colour = valence, or the leading emotion (a toggle);
    x from 0 to `span_s` (charts.time_span)."""
    factor = max(1, -(-len(mood.times) // HEATMAP_COLUMNS))
    probabilities = coarsen(mood.person_probabilities, factor)
    valence = coarsen(mood.person_valence, factor)
    seen = ~np.isnan(valence)
    leading = np.where(seen, np.nan_to_num(probabilities).argmax(axis=2), np.nan)
    # A column's x is the middle of the bins it holds: the last one may hold fewer than `factor`.
    x = coarsen(bin_middles(mood)[None, :].astype(float), factor)[0].astype(np.float32)
    y = [f"Person {n}" for n in mood.numbers]
    # Probabilities in whole percent, one byte each: the largest part of the page for a big room.
    hover = "%{y}, %{x:.0f} s<br>" + "<br>".join(f"{n} %{{customdata[{i}]}}%" for i, n in enumerate(EMOTIONS))
    custom = np.round(np.nan_to_num(probabilities) * 100).astype(np.uint8)
    figure = go.Figure()
    figure.add_heatmap(
        x=x,
        y=y,
        z=valence.astype(np.float32),
        zmin=-1,
        zmax=1,
        colorscale=valence_colorscale(),
        colorbar=dict(title="valence", tickvals=[-1, -CALM_BAND, CALM_BAND, 1], ticktext=["-1", "calm", "", "1"]),
        customdata=custom,
        hovertemplate=hover + "<extra>valence %{z:+.2f}</extra>",
        name="valence",
    )
    last = len(EMOTIONS) - 1
    steps = [[i / len(EMOTIONS), COLORS[n]] for i, n in enumerate(EMOTIONS)]
    discrete = [stop for i, (at, color) in enumerate(steps) for stop in ([at, color], [(i + 1) / len(EMOTIONS), color])]
    figure.add_heatmap(
        x=x,
        y=y,
        z=leading.astype(np.float32),
        zmin=-0.5,
        zmax=last + 0.5,
        colorscale=discrete,
        colorbar=dict(tickvals=list(range(len(EMOTIONS))), ticktext=list(EMOTIONS), title="leading"),
        hovertemplate="%{y}, %{x:.0f} s<extra></extra>",  # the colour (and its legend) tells the emotion
        name="leading emotion",
        visible=False,
    )
    margin = LAYOUT["margin"]
    height = max(HEATMAP_MIN_HEIGHT_PX, margin["t"] + margin["b"] + ROW_HEIGHT_PX * len(y))
    figure.update_layout(**LAYOUT, height=height, xaxis=time_axis(span_s), yaxis=dict(autorange="reversed"))
    add_toggle(figure, "Colour", {"Valence": [True, False], "Leading emotion": [False, True]})
    return figure
