"""The player's overlay: each visible person's box and leading emotion, a window of time at a time.

Boxes are the raw samples'; the label is the person's leading emotion in that moment's bin of the
run's timeline (the smoothed signal the charts draw), so the overlay agrees with the charts.
"""

import numpy as np

from analysis.core.emotions import EMOTIONS
from analysis.models import AnalysisRun, Sample
from analysis.pages.chart_style import COLORS
from analysis.results.timeline_store import run_timeline

OVERLAY_WINDOW_S = 30.0


def overlay_window(run: AnalysisRun, start: float) -> dict:
    timeline = run_timeline(run)
    rows = {number: row for row, number in enumerate(timeline.numbers)}
    binned = timeline.array()
    persons = {p.number: p for p in run.persons.filter(hidden=False).only("number", "name")}
    samples = (
        Sample.objects.filter(person__run=run, person__hidden=False, t__gte=start, t__lt=start + OVERLAY_WINDOW_S)
        .order_by("t")
        .values_list("t", "person__number", "x", "y", "w", "h")
    )
    out = []
    for t, number, x, y, w, h in samples:
        row = rows.get(number)
        column = min(int(t // timeline.bin_s), timeline.bins - 1)
        leading = -1 if row is None or np.isnan(binned[row, column, 0]) else int(np.argmax(binned[row, column]))
        out.append([round(t, 3), number, x, y, w, h, leading])
    return {
        "start": start,
        "end": start + OVERLAY_WINDOW_S,
        "emotions": list(EMOTIONS),
        "colors": [COLORS[name] for name in EMOTIONS],
        "persons": {number: person.label for number, person in persons.items()},
        "samples": out,
    }
