"""Making and reading a run's timeline (models.RunTimeline): each person's binned emotions, computed once."""

import numpy as np

from analysis.core.emotions import EMOTIONS
from analysis.core.group_mood import GroupMood, PersonSeries, group_mood, person_bins
from analysis.models import AnalysisRun, RunTimeline, Sample


def sample_arrays(person_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, probabilities (N, 7) and face qualities of a person's samples, in time order."""
    rows = Sample.objects.filter(person_id=person_id).order_by("t").values_list("t", "quality", *EMOTIONS)
    rows = np.array(rows, dtype=float).reshape(-1, 2 + len(EMOTIONS))
    return rows[:, 0], rows[:, 2:], rows[:, 1]


def person_series(run: AnalysisRun) -> list[PersonSeries]:
    return [
        PersonSeries(person.number, *sample_arrays(person.pk))
        for person in run.persons.filter(hidden=False).order_by("number")
    ]


def build_timeline(run: AnalysisRun) -> RunTimeline:
    """(Re)make the run's timeline from its samples: when it completes, and after persons change."""
    series = person_series(run)
    bin_s, per_person = person_bins(series, run.video.duration_s or 0.0)
    timeline, _ = RunTimeline.objects.update_or_create(
        run=run,
        defaults={
            "bin_s": bin_s,
            "numbers": [s.number for s in series],
            "bins": per_person.shape[1],
            "probabilities": per_person.astype(np.float16).tobytes(),
        },
    )
    return timeline


def run_timeline(run: AnalysisRun) -> RunTimeline:
    """The run's stored timeline (made now for runs from before timelines)."""
    try:
        return run.timeline
    except RunTimeline.DoesNotExist:
        return build_timeline(run)


def run_mood(run: AnalysisRun) -> GroupMood:
    timeline = run_timeline(run)
    return group_mood(timeline.numbers, timeline.array(), timeline.bin_s)
