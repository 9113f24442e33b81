"""Plotly figures for the results page, as the plain JSON plotly.js draws (chart_style.py says why not go.Figure).

Charts stay light for long videos: at most MAX_POINTS points per trace are
drawn; the exports keep every sample.
"""

from dataclasses import asdict

import numpy as np
from django.db.models import Max

from analysis.core.emotions import EMOTIONS
from analysis.core.highlights import find_highlights
from analysis.core.markers import after_marker, describe
from analysis.core.series import downsample, smooth
from analysis.models import AnalysisRun, Person
from analysis.pages.chart_style import COLORS, page_layout, page_template, time_axis, toggle, typed
from analysis.pages.group_charts import group_timeline, persons_heatmap
from analysis.results.chart_samples import Series, samples_by_person
from analysis.results.timeline_store import run_mood, sample_arrays

MAX_POINTS = 600
# Persons whose own charts come with the page: at most this many, and only while their samples
# add up to INLINE_SAMPLES (reading samples is most of a page's time); the rest load on scroll.
INLINE_PERSONS = 6
INLINE_SAMPLES = 20_000


def _scatter(x, y, **settings) -> dict:
    return {"type": "scatter", "x": typed(x), "y": typed(y), **settings}


def emotion_timeline(t: np.ndarray, p: np.ndarray, quality: np.ndarray, span_s: float) -> dict:
    """The 7 probabilities over time: smoothed lines (series.smooth, quality-weighted), raw values one click away
    (a toggle); x from 0 to `span_s` (time_span)."""
    t_smooth, p_smooth = _compact(*downsample(t, smooth(t, p, quality), MAX_POINTS))
    t_raw, p_raw = _compact(*downsample(t, p, MAX_POINTS))
    smoothed = [
        _scatter(t_smooth, p_smooth[:, i], name=name, line=dict(color=COLORS[name]), legendgroup=name)
        for i, name in enumerate(EMOTIONS)
    ]
    raw = [
        _scatter(
            t_raw,
            p_raw[:, i],
            name=f"{name} (raw)",
            mode="lines+markers",
            marker=dict(size=3),
            line=dict(color=COLORS[name], width=1),
            legendgroup=name,
            visible=False,
        )
        for i, name in enumerate(EMOTIONS)
    ]
    n = len(EMOTIONS)
    layout = page_layout(
        height=320,
        xaxis=time_axis(span_s),
        yaxis=dict(title=dict(text="probability"), range=[0, 1]),
        meta=toggle("Lines", {"Smoothed": [True] * n + [False] * n, "Raw": [False] * n + [True] * n}),
    )
    return {"data": smoothed + raw, "layout": layout}


def dominant_timeline(t: np.ndarray, p: np.ndarray, quality: np.ndarray, span_s: float) -> dict:
    """Which emotion leads at each moment, on the same smoothed signal as the lines and the summaries."""
    t_d, p_d = _compact(*downsample(t, smooth(t, p, quality), MAX_POINTS))
    names = [EMOTIONS[i] for i in p_d.argmax(axis=1)] if len(p_d) else []
    trace = {
        "type": "scatter",
        "x": typed(t_d),
        "y": names,
        "mode": "markers",
        "marker": dict(color=[COLORS[n] for n in names], size=7, symbol="square"),
        "hovertemplate": "%{x:.1f} s: %{y}<extra></extra>",
    }
    layout = page_layout(
        height=220, xaxis=time_axis(span_s), yaxis=dict(categoryorder="array", categoryarray=list(EMOTIONS))
    )
    return {"data": [trace], "layout": layout}


def distribution(run: AnalysisRun) -> dict:
    """Per person, the share of their time each emotion leads the smoothed signal (core/emotion_summary.py)."""
    bars = [
        {"type": "bar", "x": list(EMOTIONS), "y": [person.shares.get(n, 0) for n in EMOTIONS], "name": person.label}
        for person in run.persons.filter(hidden=False).order_by("number").defer("thumbnail_jpeg", "encoding")
    ]
    layout = page_layout(
        height=300,
        barmode="group",
        yaxis=dict(title=dict(text="share of time leading"), range=[0, 1], tickformat=".0%"),
    )
    return {"data": bars, "layout": layout}


def _compact(t: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """float32 halves the charts' JSON (typed arrays are base64) at no visible cost."""
    return t.astype(np.float32), values.astype(np.float32)


def time_span(run: AnalysisRun) -> float:
    """The end of every time axis of the run's page: the video's duration, or the last sample of a shown
    person where samples run past it (the same end as the room's bins, group_mood.person_bins)."""
    last = run.persons.filter(hidden=False).aggregate(last=Max("last_s"))["last"]
    return max(run.video.duration_s or 0.0, last or 0.0) or 1.0


def person_charts(person: Person, span_s: float | None = None, series: Series | None = None) -> dict:
    """A person's two charts, on the page's time axis (`span_s`: time_span of their run, found when not given),
    from `series` (chart_samples.samples_by_person) or their samples read here."""
    span_s = time_span(person.run) if span_s is None else span_s
    t, p, quality = sample_arrays(person.pk) if series is None else series
    return {
        "emotions": emotion_timeline(t, p, quality, span_s),
        "dominant": dominant_timeline(t, p, quality, span_s),
    }


def marker_rows(run: AnalysisRun, mood) -> list[dict]:
    """The video's markers, each with the room's mood just after it (core/markers.py)."""
    return [
        {"id": marker.pk, "t": marker.t, "label": marker.label, "after": asdict(after), "text": describe(after)}
        for marker in run.video.markers.order_by("t", "id")
        for after in [after_marker(mood, marker.t)]
    ]


def room_charts(run: AnalysisRun, mood, span_s: float) -> dict:
    """The charts of the whole room and its highlights: what every identity edit changes."""
    return {
        "distribution": distribution(run),
        "group": group_timeline(mood, span_s),
        "heatmap": persons_heatmap(mood, span_s),
        "highlights": [
            {"kind": h.kind, "start_s": h.start_s, "end_s": h.end_s, "text": h.text, "person": h.person_number}
            for h in find_highlights(mood)
        ],
    }


def run_charts(run: AnalysisRun) -> dict:
    """Everything the results page draws. Only the first persons' own charts come with the page (see
    INLINE_PERSONS); the others' load as they scroll into view (views.person_charts_json)."""
    mood = run_mood(run)
    span_s = time_span(run)
    inline, samples = [], 0
    for person in (
        run.persons.filter(hidden=False).order_by("number").defer("thumbnail_jpeg", "encoding")[:INLINE_PERSONS]
    ):
        samples += person.sample_count
        if inline and samples > INLINE_SAMPLES:
            break
        inline.append(person)
    series = samples_by_person(person.pk for person in inline)
    persons = {person.pk: person_charts(person, span_s, series[person.pk]) for person in inline}
    charts = {"markers": marker_rows(run, mood), "persons": persons, **room_charts(run, mood, span_s)}
    return {**charts, "template": page_template()}  # once: charts.js applies it to every figure
