"""The study page's charts, written as plain dicts for speed, are the JSON Plotly itself makes."""

import json

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis.core.emotions import EMOTIONS
from analysis.core.study_stats import Interval
from analysis.pages.chart_style import COLORS, LAYOUT
from analysis.pages.study_charts import BARS, PALETTE, comparison_figures, lines_figure, participants_figure
from analysis.studies.comparison import Comparison, Group, Line, ParticipantCell


def plotly_json(figure: go.Figure) -> dict:
    return json.loads(figure.to_json())


def same(ours: dict, plotly: dict) -> None:
    assert json.loads(json.dumps(ours)) == plotly


def test_lines_are_plotly_s_figure():
    t = np.arange(5) * 3.0 - 4.5
    lines = [
        Line("video 1", t, np.array([0.12345, np.nan, -0.5, 0.25, 1 / 3]), np.array([0.5, 0.6, np.nan, 1, 0]), 1, 7),
        Line("A", t, np.linspace(-1, 1, 5), np.linspace(0, 1, 5), videos=3),
    ]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.6, 0.4])
    for index, line in enumerate(lines):
        name = line.name if line.videos == 1 else f"{line.name} ({line.videos} videos)"
        x = [round(float(v), 2) for v in line.t]
        y = [[None if np.isnan(v) else round(float(v), 4) for v in values] for values in (line.valence, line.attention)]
        color = PALETTE[index]
        figure.add_scatter(x=x, y=y[0], name=name, legendgroup=name, line=dict(color=color), row=1, col=1)
        style = dict(color=color, dash="dot")
        figure.add_scatter(x=x, y=y[1], name=name, legendgroup=name, showlegend=False, line=style, row=2, col=1)
    figure.update_xaxes(title="seconds from “slide 4”", row=2, col=1)
    figure.update_yaxes(title="room valence", range=[-1, 1], row=1, col=1)
    figure.update_yaxes(title="attention", range=[0, 1], tickformat=".0%", row=2, col=1)
    figure.update_layout(**LAYOUT, height=460)
    same(lines_figure(lines, "slide 4"), plotly_json(figure))
    lines_figure(lines, "slide 4")["layout"]["height"] = 1  # the cached layout is copied, not shared
    assert lines_figure(lines, "slide 4")["layout"]["height"] == 460


def test_comparison_bars_are_plotly_s_figures():
    def interval(mean, spread):
        return Interval(mean, None, None, 1) if spread is None else Interval(mean, mean - spread, mean + spread, 4)

    def pair(first, second):  # two videos: no interval, each one's value
        return Interval((first + second) / 2, None, None, 2, (("week 1", first), ("week 2", second)))

    facial = (interval(0.1, None), interval(0.02, None))  # talking, eyes closed: not drawn
    groups = [
        Group(
            "A", 3, 12, 3, interval(0.2, 0.1), interval(0.7, 0.05), *facial, {e: interval(0.1, 0.02) for e in EMOTIONS}
        ),
        Group(
            "(no value)",
            1,
            2,
            1,
            interval(float("nan"), None),
            interval(0.5, None),
            *facial,
            {e: interval(1 / 7, None) for e in EMOTIONS},
        ),
        Group("B", 2, 3, 2, pair(0.25, -0.5), pair(0.5, 0.75), *facial, {e: pair(0.1, 0.3) for e in EMOTIONS}),
    ]
    ours = comparison_figures(Comparison("condition", "videos", groups, left_out=0))
    names = [g.value for g in groups]
    counts = [f"{g.videos} video{'s' * (g.videos != 1)}, {g.persons} persons" for g in groups]

    def hover(intervals, show):
        return [
            f"{c}; 95% interval over {i.units} videos"
            if i.low is not None
            else f"{c}; no interval with {i.units} video{'s' * (i.units != 1)}"
            + (": " + "; ".join(f"{n} {show(v)}" for n, v in i.each) if len(i.each) > 1 else "")
            for c, i in zip(counts, intervals)
        ]

    def signed(v):
        return f"{v:+.2f}"

    def percent(v):
        return f"{v * 100:.0f}%"

    def errors(intervals):
        return dict(
            type="data",
            symmetric=False,
            array=[(i.high - i.mean) if i.high is not None else 0 for i in intervals],
            arrayminus=[(i.mean - i.low) if i.low is not None else 0 for i in intervals],
            thickness=1.5,
        )

    def means(intervals):
        return [None if np.isnan(i.mean) else round(i.mean, 4) for i in intervals]

    valence = make_subplots(rows=1, cols=2, subplot_titles=("mean valence", "attention (faces turned to the camera)"))
    v, a = [g.valence for g in groups], [g.attention for g in groups]
    bar = dict(x=names, y=means(v), error_y=errors(v), name="valence", marker_color="#4c78a8", text=counts)
    valence.add_bar(**bar, hovertext=hover(v, signed), textposition="outside", row=1, col=1)
    valence.add_bar(
        x=names,
        y=means(a),
        error_y=errors(a),
        name="attention",
        marker_color="#59a14f",
        hovertext=hover(a, percent),
        row=1,
        col=2,
    )
    valence.update_yaxes(range=[-1, 1], row=1, col=1)
    valence.update_yaxes(range=[0, 1], tickformat=".0%", row=1, col=2)
    valence.update_layout(**BARS, height=340, showlegend=False)
    shares = go.Figure()
    for name in EMOTIONS:
        s = [g.shares[name] for g in groups]
        shares.add_bar(
            x=names, y=means(s), error_y=errors(s), name=name, marker_color=COLORS[name], hovertext=hover(s, percent)
        )
    shares.update_layout(
        **BARS,
        height=340,
        barmode="group",
        yaxis=dict(title="share of face-time leading", range=[0, 1], tickformat=".0%"),
    )
    # The pair's hover names each video's own value.
    assert (
        ours["valence"]["data"][0]["hovertext"][2]
        == "2 videos, 3 persons; no interval with 2 videos: week 1 +0.25; week 2 -0.50"
    )
    same(ours["valence"], plotly_json(valence))
    same(ours["shares"], plotly_json(shares))


def test_participants_are_plotly_s_figure():
    cells = {
        "P01": [ParticipantCell(1, "week 1", 2, 0.25, 0.5, "happy"), ParticipantCell(2, "week 2", 1, None, None, "")],
        "P02": [ParticipantCell(2, "week 2", 3, -0.125, 0.9, "sad")],
    }
    figure = go.Figure()
    for label, row in cells.items():
        figure.add_scatter(
            x=[c.title for c in row],
            y=[c.valence for c in row],
            name=label,
            mode="lines+markers",
            customdata=[[f"person {c.person_number}", c.dominant or "-"] for c in row],
            hovertemplate="%{x}: valence %{y:.2f} (%{customdata[0]}, mostly %{customdata[1]})",
        )
    figure.update_layout(**BARS, height=320, yaxis=dict(title="mean valence", range=[-1, 1]))
    same(participants_figure(cells), plotly_json(figure))
