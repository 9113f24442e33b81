"""A session link's responses along its stimulus, from the stored timelines of its recordings' analyses
(no sample is read): core/stimulus_responses.py does the arithmetic.

Each recording's participant is the person of its shown analysis seen the longest (a passer-by behind
them is left out); they get the recording's participant code as their study label, so the study's
participant comparisons and exports name them too.
"""

from dataclasses import dataclass

import numpy as np

from analysis.core.stimulus_responses import ParticipantSeries, Responses, responses
from analysis.core.valence import valence
from analysis.models import AnalysisRun, ParticipantLabel, Person, RunTimeline, SessionLink, SessionRecording
from analysis.results.timeline_store import run_timeline

# Stimulus bins: 1 s, or longer so that a long stimulus has at most this many.
MAX_BINS = 1200


@dataclass
class LinkResponses:
    link: SessionLink
    responses: Responses | None  # None: no analysed recording yet
    waiting: int  # recordings whose analysis has not finished (or failed)
    without_start: int  # analysed recordings with no stimulus start (the participant left before it)


def stimulus_step(duration_s: float) -> float:
    return max(1.0, float(np.ceil(duration_s / MAX_BINS)))


def _shown_runs(video_ids: list[int]) -> dict[int, AnalysisRun]:
    shown: dict[int, AnalysisRun] = {}
    runs = AnalysisRun.objects.filter(video_id__in=video_ids, status=AnalysisRun.Status.SUCCEEDED)
    for run in runs.select_related("video").order_by("-created_at", "-id"):
        shown.setdefault(run.video_id, run)
    return shown


def _participant(run: AnalysisRun, timeline: RunTimeline) -> tuple[int, Person] | None:
    """The row of the run's timeline and the person seen longest there."""
    persons = {p.number: p for p in Person.objects.filter(run=run, hidden=False).only("pk", "number", "sample_count")}
    rows = [(row, persons[number]) for row, number in enumerate(timeline.numbers) if number in persons]
    return max(rows, key=lambda item: item[1].sample_count, default=None)


def _label(link: SessionLink, person: Person, code: str) -> None:
    ParticipantLabel.objects.get_or_create(study=link.study, person=person, defaults={"label": code})


def link_responses(link: SessionLink) -> LinkResponses:
    recordings = list(
        link.recordings.filter(video__isnull=False)
        .exclude(state=SessionRecording.State.WITHDRAWN)
        .order_by("participant_code")
    )
    shown = _shown_runs([r.video_id for r in recordings])
    series, waiting, without_start = [], 0, 0
    for recording in recordings:
        run = shown.get(recording.video_id)
        if run is None:
            waiting += 1
            continue
        if recording.stimulus_start_s is None:
            without_start += 1
            continue
        timeline = run_timeline(run)
        found = _participant(run, timeline)
        if found is None:
            continue
        row, person = found
        _label(link, person, recording.participant_code)
        probabilities = timeline.array()[row]
        series.append(
            ParticipantSeries(
                name=recording.participant_code,
                t=np.arange(timeline.bins) * timeline.bin_s,
                bin_s=timeline.bin_s,
                valence=valence(probabilities, timeline.calm_levels()[row]),
                attention=timeline.facing_array()[row],
                probabilities=probabilities,
                stimulus_start_s=recording.stimulus_start_s,
            )
        )
    duration = link.stimulus_duration_s
    result = responses(series, duration, stimulus_step(duration)) if series else None
    return LinkResponses(link, result, waiting, without_start)
