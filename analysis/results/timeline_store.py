"""Making and reading a run's timeline (models.RunTimeline): each person's binned emotions and facing
shares, the room's valence and attention series, and the video's figures (core/video_figures.py: the
shares, valence and attention every page and export shows), computed once; and each person's summary
fields (models.Person), from the same samples."""

import numpy as np
from django.conf import settings

from analysis.core.emotion_summary import summarize, summarize_weighted
from analysis.core.emotions import EMOTIONS
from analysis.core.group_mood import TIME_GRID, GroupMood, PersonSeries, facing_bins, group_mood, person_bins
from analysis.core.head_pose import attention_share, facing
from analysis.core.valence import SCALE, mood_weights, person_calm
from analysis.core.video_figures import DEFINITION, VideoFigures, video_figures
from analysis.models import AnalysisRun, Person, RunTimeline, Sample


def sample_table(person_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Times, probabilities (N, 7), face qualities, yaws and pitches (NaN where not measured) of a person's
    samples, in time order."""
    rows = Sample.objects.filter(person_id=person_id).order_by("t")
    rows = rows.values_list("t", "quality", "yaw", "pitch", *EMOTIONS)
    rows = np.array(rows, dtype=float).reshape(-1, 4 + len(EMOTIONS))  # None (no pose) becomes NaN
    return rows[:, 0], rows[:, 4:], rows[:, 1], rows[:, 2], rows[:, 3]


def sample_arrays(person_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, probabilities (N, 7) and face qualities of a person's samples, in time order."""
    return sample_table(person_id)[:3]


def facing_samples(yaw: np.ndarray, pitch: np.ndarray) -> np.ndarray:
    """Per sample 1.0 facing the camera, 0.0 turned away, NaN unknown, at the site's ATTENTION_MAX_DEG."""
    return facing(yaw, pitch, settings.ATTENTION_MAX_DEG)


def person_series(run: AnalysisRun) -> list[PersonSeries]:
    series = []
    for person in run.persons.filter(hidden=False).order_by("number"):
        t, probabilities, quality, yaw, pitch = sample_table(person.pk)
        weights = mood_weights(quality, pitch)
        calm = person_calm(probabilities, weights, t, person.calm_stretch)
        series.append(PersonSeries(person.number, t, probabilities, weights, facing_samples(yaw, pitch), calm))
    return series


def summary_fields(person_id: int) -> dict:
    """The person's dominant emotion, shares, mean, valence, looking-down share and attention, from their
    samples as stored."""
    t, probabilities, quality, yaw, pitch = sample_table(person_id)
    calm_stretch = Person.objects.only("calm_from_s", "calm_to_s").get(pk=person_id).calm_stretch
    summary = summarize(t, probabilities, quality, pitch, calm_stretch)
    return {
        "dominant": summary.dominant,
        "shares": summary.shares,
        "mean": summary.mean,
        "valence": summary.valence,
        "looking_down": summary.looking_down,
        "attention": attention_share(yaw, pitch, settings.ATTENTION_MAX_DEG),
    }


def figures_summary(series: list[PersonSeries], mood: GroupMood) -> dict:
    """The run's totals, for the study page and the exports: plain floats (JSON), rounded to 4 places.

    `shares`, `valence` and `attention` are the video's figures (core/video_figures.py: the persons'
    samples pooled, weighted as in each person's own figures); `weights`: each person's weight in them, by
    person number. `valence_scale` and `figures` name the definitions they were made with."""
    summaries = [summarize_weighted(s.t, s.probabilities, s.quality, s.calm) for s in series]
    figures = video_figures(summaries, [s.facing for s in series])
    return {
        "persons": len(mood.numbers),
        "seen_s": round(float((mood.visible > 0).sum() * mood.bin_s), 4),
        "valence": figures.valence,
        "attention": figures.attention,
        "shares": figures.shares,
        "weight": figures.weight,
        "weights": {str(s.number): summary.weight for s, summary in zip(series, summaries)},
        "valence_scale": SCALE,
        "figures": DEFINITION,
    }


def stored_figures(summary: dict) -> VideoFigures:
    """The video's figures as a timeline's summary holds them."""
    return VideoFigures(
        shares=summary.get("shares") or {},
        valence=summary.get("valence"),
        attention=summary.get("attention"),
        weight=summary.get("weight", 0.0),
    )


def _float16(values: np.ndarray) -> bytes:
    return values.astype(np.float16).tobytes()


def build_timeline(run: AnalysisRun) -> RunTimeline:
    """(Re)make the run's timeline from its samples: when it completes, and after persons change."""
    series = person_series(run)
    bin_s, per_person = person_bins(series, run.video.duration_s or 0.0)
    per_person_facing = facing_bins(series, bin_s, per_person.shape[1])
    calm = [s.calm for s in series]
    mood = group_mood([s.number for s in series], per_person, bin_s, per_person_facing, np.array(calm))
    timeline, _ = RunTimeline.objects.update_or_create(
        run=run,
        defaults={
            "bin_s": bin_s,
            "numbers": [s.number for s in series],
            "bins": per_person.shape[1],
            "probabilities": _float16(per_person),
            "facing": _float16(per_person_facing),
            "room_valence": _float16(mood.valence),
            "room_attention": _float16(mood.attention),
            "summary": {**figures_summary(series, mood), "calm": [round(c, 4) for c in calm], "time_grid": TIME_GRID},
        },
    )
    return timeline


def run_timeline(run: AnalysisRun) -> RunTimeline:
    """The run's stored timeline (made now for runs from before timelines, or before their summaries; and
    made again when it is on an older time grid, group_mood.TIME_GRID)."""
    try:
        timeline = run.timeline
    except RunTimeline.DoesNotExist:
        return refresh_valence(run)
    if not is_current(timeline.summary):
        return refresh_valence(run)
    return timeline if timeline.summary.get("time_grid") == TIME_GRID else build_timeline(run)


def is_current(summary: dict) -> bool:
    """Whether a timeline's summary was made on today's valence scale (valence.SCALE) and definition of a
    video's figures (video_figures.DEFINITION)."""
    return summary.get("valence_scale") == SCALE and summary.get("figures") == DEFINITION


def refresh_valence(run: AnalysisRun) -> RunTimeline:
    """Recompute a run's persons' summaries and its timeline from their samples (after valence.SCALE changed)."""
    for person_id in run.persons.values_list("pk", flat=True):
        Person.objects.filter(pk=person_id).update(**summary_fields(person_id))
    return build_timeline(run)


def refresh_stale_runs(runs) -> int:
    """refresh_valence for each of `runs` (a queryset) whose timeline is missing or not current; how many."""
    count = 0
    for run in runs.select_related("video", "timeline"):
        timeline = getattr(run, "timeline", None)
        if timeline is None or not is_current(timeline.summary):
            refresh_valence(run)
            count += 1
    return count


def run_mood(run: AnalysisRun) -> GroupMood:
    timeline = run_timeline(run)
    return group_mood(
        timeline.numbers, timeline.array(), timeline.bin_s, timeline.facing_array(), timeline.calm_levels()
    )
