"""A study in long ("tidy") format for R and pandas, and as one JSON document.

The CSV has one row per person and time bin in which the person was seen (docs/studies.md lists
the columns). Rows come from each shown run's timeline, one video at a time, so memory stays with
one video's timeline however large the study.
"""

from collections.abc import Iterator

import numpy as np

from analysis.core.emotions import EMOTIONS
from analysis.core.markers import STIMULUS_START
from analysis.core.valence import valence
from analysis.models import Marker, RunTimeline, Study
from analysis.studies.comparison import VideoRow, room_lines, video_rows

FIXED_COLUMNS = ["study", "video_id", "video_title"]
MEASURE_COLUMNS = ["person", "participant", "t_s", "bin_s", *EMOTIONS, "valence", "attention", "talking", "eyes_closed"]
# Seconds from the video's first "stimulus start" marker (a participant session's recording); empty without one.
STIMULUS_COLUMN = "stimulus_t_s"


def export_detail(study: Study, extension: str) -> str:
    """The access log's detail of a study export: its format first (as a video export's "csv" or "json"),
    so a CSV and a JSON download read apart, and the study's name."""
    return f"{extension}, study {study.name}"


def _cell(value) -> str:
    return "" if value is None else str(value)


def _rounded(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.4f}"


def study_csv_rows(study: Study) -> Iterator[list[str]]:
    names = list(study.variables.values_list("name", flat=True))
    yield [*FIXED_COLUMNS, *names, *MEASURE_COLUMNS, STIMULUS_COLUMN]
    rows = [row for row in video_rows(study) if row.run_id is not None]
    starts: dict[int, float] = {}
    markers = Marker.objects.filter(video_id__in=[row.video_id for row in rows], label=STIMULUS_START)
    for video_id, t in markers.order_by("t").values_list("video_id", "t"):
        starts.setdefault(video_id, t)
    labels = {
        (run_id, number): label
        for run_id, number, label in study.participant_labels.values_list("person__run_id", "person__number", "label")
    }
    for row in rows:
        yield from _video_rows(study, row, names, labels, starts.get(row.video_id))


def _video_rows(
    study: Study, row: VideoRow, names: list[str], labels: dict, stimulus_start: float | None
) -> Iterator[list[str]]:
    timeline = RunTimeline.objects.filter(run_id=row.run_id).first()
    if timeline is None:
        return
    head = [study.name, str(row.video_id), row.title, *(_cell(row.values.get(name)) for name in names)]
    probabilities, facing, calm = timeline.array(), timeline.facing_array(), timeline.calm_levels()
    states = timeline.states_array()
    for index, number in enumerate(timeline.numbers):
        seen = np.flatnonzero(~np.isnan(probabilities[index, :, 0]))
        person_valence = valence(probabilities[index, seen], calm[index])
        participant = labels.get((row.run_id, number), "")
        for k, b in enumerate(seen):
            yield [
                *head,
                str(number),
                participant,
                f"{b * timeline.bin_s:g}",
                f"{timeline.bin_s:g}",
                *(f"{p:.4f}" for p in probabilities[index, b]),
                f"{person_valence[k]:.4f}",
                _rounded(facing[index, b]),
                _rounded(states[index, b, 0]),
                _rounded(states[index, b, 1]),
                "" if stimulus_start is None else f"{b * timeline.bin_s - stimulus_start:.3f}",
            ]


def _number(value: float | None) -> float | None:
    return None if value is None or np.isnan(value) else round(float(value), 4)


def study_document(study: Study) -> dict:
    """The study, its variables, and per video its values, summary, participants and room series."""
    rows = video_rows(study)
    lines = {line.video_id: line for line in room_lines(study, None, None, rows=rows)[0]}
    labels = {
        (run_id, number): label
        for run_id, number, label in study.participant_labels.values_list("person__run_id", "person__number", "label")
    }
    videos = []
    for row in rows:
        entry = {
            "id": row.video_id,
            "title": row.title,
            "duration_s": row.duration_s,
            "values": row.values,
            "status": row.status,
            "persons": row.persons,
            "valence": _number(row.valence),
            "attention": _number(row.attention),
            "talking": _number(row.talking),
            "eyes_closed": _number(row.eyes_closed),
            "shares": row.shares,
            "participants": {str(number): label for (run_id, number), label in labels.items() if run_id == row.run_id},
        }
        if (line := lines.get(row.video_id)) is not None:
            entry["room"] = {
                "t_s": [round(float(t), 3) for t in line.t],
                "valence": [_number(v) for v in line.valence],
                "attention": [_number(a) for a in line.attention],
            }
        videos.append(entry)
    return {
        "study": {"id": study.pk, "name": study.name, "description": study.description},
        "variables": [{"name": v.name, "kind": v.kind} for v in study.variables.all()],
        "emotions": list(EMOTIONS),
        "videos": videos,
    }
