"""Writing a run's results to the database as the pipeline streams them.

Rows of a run that has not succeeded are never shown: the results page reads
only succeeded runs, and a failed or cancelled run's rows are deleted.
"""

import time

import numpy as np
from django.db import transaction
from django.utils import timezone

from analysis.core.emotions import EMOTIONS
from analysis.core.face_measures import MEASURE_NAMES
from analysis.core.person_linker import LinkedFace, PersonSummary
from analysis.core.time_left import ProgressReport, measured_speed
from analysis.models import AnalysisRun, Person, RunCancelled, Sample
from analysis.results.timeline_store import build_timeline, summary_fields


class DatabaseSink:
    def __init__(self, run: AnalysisRun):
        self.run_id = run.pk
        self.person_ids: dict[int, int] = {}
        self.reports: list[ProgressReport] = []  # this job's progress reports: the measured speed

    def _person_id(self, track_key: int) -> int:
        if track_key not in self.person_ids:
            self.person_ids[track_key] = Person.objects.create(run_id=self.run_id, track_key=track_key).pk
        return self.person_ids[track_key]

    def add(self, faces: list[LinkedFace]) -> None:
        rows = []
        for linked in faces:
            x, y, w, h = linked.face.box
            probabilities = {name: float(p) for name, p in zip(EMOTIONS, linked.face.probabilities)}
            measures = linked.face.measures
            facial = dict.fromkeys(MEASURE_NAMES) if measures is None else measures._asdict()
            rows.append(
                Sample(
                    person_id=self._person_id(linked.track_key),
                    t=linked.t,
                    frame=linked.frame,
                    x=x,
                    y=y,
                    w=w,
                    h=h,
                    quality=linked.face.quality,
                    yaw=linked.face.yaw,
                    pitch=linked.face.pitch,
                    **probabilities,
                    **facial,
                )
            )
        Sample.objects.bulk_create(rows, batch_size=1000)

    def progress(self, done: int, total: int, elapsed_s: float) -> None:
        self.reports.append(ProgressReport(time.monotonic(), done))
        # With one report only, the speed since the analysis started (its start-up included).
        speed = measured_speed(self.reports) or (done / elapsed_s if elapsed_s > 0 else None)
        now = timezone.now()
        updated = AnalysisRun.objects.filter(pk=self.run_id, status=AnalysisRun.Status.RUNNING).update(
            frames_done=done, frames_total=total, heartbeat_at=now, progress_at=now, progress_speed=speed
        )
        if not updated:
            raise RunCancelled()

    @transaction.atomic
    def finish(self, persons: list[PersonSummary]) -> None:
        kept = []
        for person in persons:
            person_id, *merged = (self.person_ids[key] for key in person.track_keys)
            if merged:
                Sample.objects.filter(person_id__in=merged).update(person_id=person_id)
            Person.objects.filter(pk=person_id).update(
                number=person.number,
                first_s=person.first_s,
                last_s=person.last_s,
                sample_count=person.sample_count,
                thumbnail_jpeg=person.thumbnail_jpeg,
                encoding=encoding_bytes(person.encoding),
                **summary_fields(person_id),
            )
            kept.append(person_id)
        # Merged tracks and tracks too short to be a person.
        Person.objects.filter(run_id=self.run_id).exclude(pk__in=kept).delete()
        build_timeline(AnalysisRun.objects.select_related("video").get(pk=self.run_id))


def encoding_bytes(encoding: np.ndarray | None) -> bytes:
    """Person.encoding: 128 float32, or b"" without one."""
    return b"" if encoding is None else np.asarray(encoding, dtype=np.float32).tobytes()


def encoding_array(stored: bytes | memoryview | None) -> np.ndarray | None:
    return np.frombuffer(bytes(stored), dtype=np.float32) if stored else None
