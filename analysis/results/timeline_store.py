"""Making and reading a run's timeline (models.RunTimeline): each person's binned emotions and facing
shares, the room's valence and attention series, and the video's figures (core/video_figures.py: the
shares, valence and attention every page and export shows), computed once; and each person's summary
fields (models.Person), from the same samples."""

import numpy as np

from analysis.core.emotions import EMOTIONS
from analysis.core.group_mood import TIME_GRID, GroupMood, bin_count, bin_seconds, group_mood
from analysis.core.valence import SCALE
from analysis.core.video_figures import DEFINITION, VideoFigures, video_figures
from analysis.models import AnalysisRun, Person, RunTimeline
from analysis.results.person_parts import PersonPart, PersonTable, sample_table


def sample_arrays(person_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, probabilities (N, 7) and face qualities of a person's samples, in time order."""
    return sample_table(person_id)[:3]


def summary_fields(person_id: int) -> dict:
    """The person's dominant emotion, shares, mean, valence, looking-down share, attention and facial
    states, from their samples as stored."""
    person = Person.objects.only("pk", "number", "calm_from_s", "calm_to_s").get(pk=person_id)
    fields = PersonTable.read(person).person_fields()
    return {
        name: fields[name] for name in ("dominant", "shares", "mean", "valence", "looking_down", "attention", "facial")
    }


def figures_summary(parts: list[PersonPart], mood: GroupMood) -> dict:
    """The run's totals, for the study page and the exports: plain floats (JSON), rounded to 4 places.

    `shares`, `valence`, `attention`, `talking` and `eyes_closed` are the video's figures
    (core/video_figures.py: the persons' samples pooled, weighted as in each person's own figures);
    `weights`: each person's weight in them, by person number; `person_figures`: what each person adds to
    them, so that an edit of a few persons recomputes them without reading the others' samples
    (timeline_update.py). `valence_scale` and `figures` name the definitions they were made with."""
    figures = video_figures(
        [part.summary for part in parts],
        facing_counts=[part.facing_counts for part in parts],
        state_counts=[part.state_counts for part in parts],
    )
    return {
        "persons": len(mood.numbers),
        "seen_s": round(float((mood.visible > 0).sum() * mood.bin_s), 4),
        "valence": figures.valence,
        "attention": figures.attention,
        "talking": figures.talking,
        "eyes_closed": figures.eyes_closed,
        "shares": figures.shares,
        "weight": figures.weight,
        "weights": {str(part.number): part.summary.weight for part in parts},
        "person_figures": {str(part.number): part.stored_figures() for part in parts},
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
        talking=summary.get("talking"),
        eyes_closed=summary.get("eyes_closed"),
    )


def _float16(values: np.ndarray) -> bytes:
    return values.astype(np.float16).tobytes()


def grid(run: AnalysisRun, last_sample_s: float) -> tuple[float, int]:
    """The bin length and count of `run`'s timeline, whose shown persons' last sample is at `last_sample_s`
    (the grid ends at the video's end, or at the last sample where samples run past the stated duration)."""
    duration = run.video.duration_s or 0.0
    bin_s = bin_seconds(duration)
    return bin_s, bin_count(max(duration, last_sample_s), bin_s)


def store_timeline(run: AnalysisRun, bin_s: float, bins: int, parts: list[PersonPart]) -> RunTimeline:
    """Write the run's timeline from its shown persons' parts (in person-number order): their rows as they
    are, and the room's series and figures computed from those rows, so a timeline made from a few new
    parts and the others' stored rows (timeline_update.py) is the one a full build makes."""
    per_person = np.array([part.probabilities for part in parts]).reshape(len(parts), bins, len(EMOTIONS))
    per_person_facing = np.array([part.facing for part in parts]).reshape(len(parts), bins)
    per_person_states = np.array([part.states for part in parts]).reshape(len(parts), bins, 2)
    numbers = [part.number for part in parts]
    calm = [part.calm for part in parts]
    mood = group_mood(numbers, per_person, bin_s, per_person_facing, np.array(calm), per_person_states)
    timeline, _ = RunTimeline.objects.update_or_create(
        run=run,
        defaults={
            "bin_s": bin_s,
            "numbers": numbers,
            "bins": bins,
            "probabilities": _float16(per_person),
            "facing": _float16(per_person_facing),
            "states": _float16(per_person_states),
            "room_valence": _float16(mood.valence),
            "room_attention": _float16(mood.attention),
            "summary": {**figures_summary(parts, mood), "calm": calm, "time_grid": TIME_GRID},
        },
    )
    return timeline


def build_timeline(run: AnalysisRun) -> RunTimeline:
    """(Re)make the run's timeline from its samples: when it completes, and after persons change."""
    persons = list(run.persons.filter(hidden=False).order_by("number").only("pk", "number", "calm_from_s", "calm_to_s"))
    tables = [PersonTable.read(person) for person in persons]
    bin_s, bins = grid(run, max((table.last_s for table in tables), default=0.0))
    return store_timeline(run, bin_s, bins, [table.part(bin_s, bins) for table in tables])


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
        timeline.numbers,
        timeline.array(),
        timeline.bin_s,
        timeline.facing_array(),
        timeline.calm_levels(),
        timeline.states_array(),
    )
