"""Plotly figures of the study page, as JSON for plotly.js: the groups' bars with their 95% intervals
(a group too small for one says each unit's value on hover), the room's valence and attention over
time, and each participant across videos.

Plotly builds each figure's layout (subplots, axes, the template), once per distinct layout: it
costs tens of milliseconds each time. The traces are written as the plain dicts plotly's `to_json`
would give (type, and the subplot's axes): plotly validates every point it is given, which for a
study of 100 videos (200 lines of 400 points) cost more than the rest of the page.
"""

import json
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.emotions import EMOTIONS
from analysis.core.study_stats import Interval
from analysis.pages.chart_style import COLORS, LAYOUT
from analysis.studies.comparison import Comparison, Line, ParticipantCell

BARS = dict(margin=dict(l=50, r=20, t=40, b=60), template="plotly_white")
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac"]


def _figure(layout_json: str, traces: list[dict]) -> dict:
    """A figure as charts.to_json gives it: a fresh copy of the cached layout, and the traces."""
    figure = json.loads(layout_json)
    figure["data"] = traces
    return figure


@lru_cache(maxsize=1)
def _comparison_layouts() -> tuple[str, str]:
    valence = make_subplots(rows=1, cols=2, subplot_titles=("mean valence", "attention (faces turned to the camera)"))
    valence.update_yaxes(range=[-1, 1], row=1, col=1)
    valence.update_yaxes(range=[0, 1], tickformat=".0%", row=1, col=2)
    valence.update_layout(**BARS, height=340, showlegend=False)
    shares = go.Figure()
    shares.update_layout(
        **BARS,
        height=340,
        barmode="group",
        yaxis=dict(title="share of face-time leading", range=[0, 1], tickformat=".0%"),
    )
    return valence.to_json(), shares.to_json()


@lru_cache(maxsize=64)
def _lines_layout(aligned_on: str | None) -> str:
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.6, 0.4])
    axis = f"seconds from “{aligned_on}”" if aligned_on else "video time (s)"
    figure.update_xaxes(title=axis, row=2, col=1)
    figure.update_yaxes(title="room valence", range=[-1, 1], row=1, col=1)
    figure.update_yaxes(title="attention", range=[0, 1], tickformat=".0%", row=2, col=1)
    figure.update_layout(**LAYOUT, height=460)
    return figure.to_json()


@lru_cache(maxsize=1)
def _participants_layout() -> str:
    figure = go.Figure()
    figure.update_layout(**BARS, height=320, yaxis=dict(title="mean valence", range=[-1, 1]))
    return figure.to_json()


def _errors(intervals: list[Interval]) -> dict:
    """Plotly's asymmetric error bars; none where a group has one unit."""
    return dict(
        type="data",
        symmetric=False,
        array=[(i.high - i.mean) if i.high is not None else 0 for i in intervals],
        arrayminus=[(i.mean - i.low) if i.low is not None else 0 for i in intervals],
        thickness=1.5,
    )


def _mean(interval: Interval) -> float | None:
    return None if np.isnan(interval.mean) else round(interval.mean, 4)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _signed(value: float) -> str:
    return f"{value:+.2f}"


def _percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def _hover(count: str, unit: str, interval: Interval, show: Callable[[float], str]) -> str:
    """What a bar's hover says of its interval, or, for a group too small for one, each unit's value."""
    if interval.low is not None:
        return f"{count}; 95% interval over {interval.units} {unit}"
    each = "; ".join(f"{name} {show(value)}" for name, value in interval.each) if len(interval.each) > 1 else ""
    units = f"{interval.units} {unit if interval.units != 1 else unit.removesuffix('s')}"
    return f"{count}; no interval with {units}" + (f": {each}" if each else "")


def comparison_figures(comparison: Comparison) -> dict:
    """{"valence": valence and attention bars per group, "shares": the emotion shares per group}."""
    names = [group.value for group in comparison.groups]
    counts = [f"{_count(g.videos, 'video')}, {_count(g.persons, 'person')}" for g in comparison.groups]
    unit = "participants" if comparison.unit == "participants" else "videos"
    valence = [g.valence for g in comparison.groups]
    attention = [g.attention for g in comparison.groups]
    bars = [
        dict(
            type="bar",
            x=names,
            y=[_mean(i) for i in valence],
            error_y=_errors(valence),
            name="valence",
            marker=dict(color="#4c78a8"),
            text=counts,
            hovertext=[_hover(c, unit, i, _signed) for c, i in zip(counts, valence)],
            textposition="outside",
            xaxis="x",
            yaxis="y",
        ),
        dict(
            type="bar",
            x=names,
            y=[_mean(i) for i in attention],
            error_y=_errors(attention),
            name="attention",
            marker=dict(color="#59a14f"),
            hovertext=[_hover(c, unit, i, _percent) for c, i in zip(counts, attention)],
            xaxis="x2",
            yaxis="y2",
        ),
    ]
    shares = []
    for name in EMOTIONS:
        intervals = [g.shares[name] for g in comparison.groups]
        shares.append(
            dict(
                type="bar",
                x=names,
                y=[_mean(i) for i in intervals],
                error_y=_errors(intervals),
                name=name,
                marker=dict(color=COLORS[name]),
                hovertext=[_hover(c, unit, i, _percent) for c, i in zip(counts, intervals)],
            )
        )
    valence_layout, shares_layout = _comparison_layouts()
    return {"valence": _figure(valence_layout, bars), "shares": _figure(shares_layout, shares)}


def _points(values: np.ndarray) -> list[float | None]:
    return [None if v != v else round(v, 4) for v in values.tolist()]  # v != v: NaN


def lines_figure(lines: list[Line], aligned_on: str | None) -> dict:
    """The room's valence (top) and attention (bottom) over time, one line per video or group."""
    traces = []
    for index, line in enumerate(lines):
        color = PALETTE[index % len(PALETTE)]
        t = [round(x, 2) for x in np.asarray(line.t, dtype=float).tolist()]
        name = line.name if line.videos == 1 else f"{line.name} ({line.videos} videos)"
        traces.append(
            dict(
                type="scatter",
                x=t,
                y=_points(line.valence),
                name=name,
                legendgroup=name,
                line=dict(color=color),
                xaxis="x",
                yaxis="y",
            )
        )
        traces.append(
            dict(
                type="scatter",
                x=t,
                y=_points(line.attention),
                name=name,
                legendgroup=name,
                showlegend=False,
                line=dict(color=color, dash="dot"),
                xaxis="x2",
                yaxis="y2",
            )
        )
    return _figure(_lines_layout(aligned_on), traces)


def participants_figure(participants: dict[str, list[ParticipantCell]]) -> dict:
    """Each labelled participant's valence in each video they are in."""
    traces = [
        dict(
            type="scatter",
            x=[cell.title for cell in cells],
            y=[cell.valence for cell in cells],
            name=label,
            mode="lines+markers",
            customdata=[[f"person {cell.person_number}", cell.dominant or "-"] for cell in cells],
            hovertemplate="%{x}: valence %{y:.2f} (%{customdata[0]}, mostly %{customdata[1]})",
        )
        for label, cells in participants.items()
    ]
    return _figure(_participants_layout(), traces)
