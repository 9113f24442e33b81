"""The video's results in the export formats (analysis.core.result_formats), read from the database."""

from collections.abc import Iterator

from analysis.core.emotions import EMOTIONS
from analysis.core.result_formats import csv_rows, export_document, person_dict, sample_dict
from analysis.models import AnalysisRun, Person
from videos.models import Video


def video_dict(video: Video | None, **overrides) -> dict:
    fields = {"id": None, "title": "", "duration_s": 0.0, "fps": 0.0, "width": 0, "height": 0}
    if video is not None:
        fields.update(
            id=video.pk,
            title=video.title,
            duration_s=round(video.duration_s, 4),
            fps=round(video.fps, 4),
            width=video.width,
            height=video.height,
        )
    fields.update(overrides)
    return fields


def analysis_dict(run: AnalysisRun) -> dict:
    return {
        "status": run.status,
        "sample_fps": run.sample_fps,
        "frames_analyzed": run.frames_done,
        "detector": run.detector,
        "model": run.model,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def person_samples(person: Person) -> Iterator[dict]:
    fields = ("t", "frame", "x", "y", "w", "h", "quality", "yaw", "pitch", *EMOTIONS)
    rows = person.samples.order_by("t").values_list(*fields)
    for t, frame, x, y, w, h, quality, yaw, pitch, *probabilities in rows.iterator(chunk_size=2000):
        yield sample_dict(t, frame, (x, y, w, h), probabilities, quality, yaw, pitch)


def persons_dicts(run: AnalysisRun) -> Iterator[dict]:
    for person in run.persons.filter(hidden=False).order_by("number"):
        samples = list(person_samples(person))
        # The attention stored with the person (at the ATTENTION_MAX_DEG of the run or of its last edit),
        # so the export says what the page and the API say.
        yield person_dict(person.number, person.first_s, person.last_s, samples, person.name, person.attention)


def results_document(video: Video, run: AnalysisRun) -> dict:
    return export_document(video_dict(video), analysis_dict(run), list(persons_dicts(run)), marker_dicts(video))


def results_csv_rows(run: AnalysisRun) -> Iterator[list]:
    return csv_rows(persons_dicts(run), marker_dicts(run.video))


def marker_dicts(video: Video) -> list[dict]:
    return [{"t": marker.t, "label": marker.label} for marker in video.markers.order_by("t", "id")]
