"""The video's results in the export formats (analysis.core.result_formats), read from the database."""

from collections.abc import Iterator, Mapping

from analysis.core.emotions import EMOTIONS
from analysis.core.face_measures import MEASURE_NAMES
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


def wants_boxes(query: Mapping[str, str]) -> bool:
    """The downloads' privacy option: `?boxes=0` or `?privacy=anonymous` leaves the face boxes out.
    (Thumbnails and encodings are never in an export.)"""
    if query.get("privacy", "").lower() == "anonymous":
        return False
    return query.get("boxes", "1").lower() not in ("0", "false", "no", "off")


def person_samples(person: Person, boxes: bool = True) -> Iterator[dict]:
    # Without boxes, x, y, w, h are not even read.
    fields = (
        "t",
        "frame",
        "quality",
        "yaw",
        "pitch",
        *EMOTIONS,
        *MEASURE_NAMES,
        *(("x", "y", "w", "h") if boxes else ()),
    )
    rows = person.samples.order_by("t").values_list(*fields)
    measured = len(EMOTIONS) + len(MEASURE_NAMES)
    for t, frame, quality, yaw, pitch, *rest in rows.iterator(chunk_size=2000):
        probabilities, measures, box = rest[: len(EMOTIONS)], rest[len(EMOTIONS) : measured], rest[measured:]
        yield sample_dict(t, frame, box if boxes else None, probabilities, quality, yaw, pitch, measures)


def persons_dicts(run: AnalysisRun, boxes: bool = True) -> Iterator[dict]:
    # defer(): the encoding and thumbnail are never read for an export.
    persons = run.persons.filter(hidden=False).order_by("number").defer("thumbnail_jpeg", "encoding")
    for person in persons:
        samples = list(person_samples(person, boxes))
        # The attention stored with the person (at the ATTENTION_MAX_DEG of the run or of its last edit),
        # so the export says what the page and the API say.
        # Likewise the calm stretch the user chose, the zero of the person's valence.
        yield person_dict(
            person.number, person.first_s, person.last_s, samples, person.name, person.attention, person.calm_stretch
        )


def results_document(video: Video, run: AnalysisRun, boxes: bool = True) -> dict:
    persons = list(persons_dicts(run, boxes))
    return export_document(video_dict(video), analysis_dict(run), persons, marker_dicts(video), boxes=boxes)


def results_csv_rows(run: AnalysisRun, boxes: bool = True) -> Iterator[list]:
    return csv_rows(persons_dicts(run, boxes), marker_dicts(run.video), boxes=boxes)


def marker_dicts(video: Video) -> list[dict]:
    return [{"t": marker.t, "label": marker.label} for marker in video.markers.order_by("t", "id")]
