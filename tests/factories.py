"""Rows, uploads and jobs made for tests: one place for the helpers many test modules use."""

import json
import re
from datetime import timedelta
from pathlib import Path

import django_rq
import numpy as np
from django.core.files import File
from django.urls import reverse
from django.utils import timezone
from rq import SimpleWorker

from analysis.core.emotions import EMOTIONS
from analysis.core.face_measures import MEASURE_NAMES
from analysis.models import AnalysisRun, Person, Sample
from analysis.results.timeline_store import summary_fields
from videos.models import Video

from .conftest import VIDEOS


def make_video(owner, title: str = "Team meeting", source: Path = VIDEOS / "single_face.mp4", name: str = "clip.mp4"):
    """A Video row for a real clip (single_face.mp4's metadata), its file saved through the storage."""
    video = Video(
        owner=owner,
        title=title,
        original_name=source.name,
        size_bytes=source.stat().st_size,
        duration_s=2.4,
        fps=30.0,
        width=640,
        height=360,
        frame_count=72,
    )
    with source.open("rb") as handle:
        video.file.save(name, File(handle))
    return video


def make_run(video: Video, status=AnalysisRun.Status.SUCCEEDED, **fields) -> AnalysisRun:
    now = timezone.now()
    defaults = dict(
        sample_fps=5.0,
        detector="hog",
        model="fer-mini-xception",
        frames_total=12,
        frames_done=12,
        started_at=now - timedelta(seconds=8),
        heartbeat_at=now,
        finished_at=now if status not in AnalysisRun.ACTIVE else None,
    )
    defaults.update(fields)
    return AnalysisRun.objects.create(video=video, status=status, **defaults)


def probabilities(i: int, favourite: int) -> list[float]:
    """Seven probabilities summing to 1, `favourite` the largest, varying with i."""
    p = np.full(7, 0.05) + 0.01 * ((np.arange(7) + i) % 3)
    p[favourite] = 0.0
    p[favourite] = 1.0 - p.sum()
    return [round(float(v), 5) for v in p]


def add_person(
    run: AnalysisRun,
    number: int,
    favourite: int,
    times: list[float],
    box=(10, 20, 30, 40),
    poses: list[tuple[float, float]] | None = None,
    measures: list[tuple[float, ...] | None] | None = None,
) -> Person:
    """A person and their samples; `poses`: each sample's (yaw, pitch), or none measured (older runs);
    `measures`: each sample's six facial measures (face_measures.MEASURE_NAMES' order) or None."""
    rows = [probabilities(i, favourite) for i in range(len(times))]
    poses = poses or [(None, None)] * len(times)
    measures = measures or [None] * len(times)
    person = Person.objects.create(
        run=run,
        track_key=number * 10,
        number=number,
        first_s=times[0],
        last_s=times[-1],
        sample_count=len(times),
        thumbnail_jpeg=b"\xff\xd8jpeg-of-person-%d\xff\xd9" % number,
    )
    x, y, w, h = box
    Sample.objects.bulk_create(
        [
            Sample(
                person=person,
                t=t,
                frame=round(t * 30),
                x=x + i,
                y=y,
                w=w,
                h=h,
                yaw=yaw,
                pitch=pitch,
                **dict(zip(EMOTIONS, p)),
                **dict(zip(MEASURE_NAMES, m or (None,) * len(MEASURE_NAMES))),
            )
            for i, (t, p, (yaw, pitch), m) in enumerate(zip(times, rows, poses, measures, strict=True))
        ],
        batch_size=1000,
    )
    Person.objects.filter(pk=person.pk).update(**summary_fields(person.pk))  # as the job's sink does
    person.refresh_from_db()
    return person


def charts_data(content: str) -> dict:
    match = re.search(r'<script id="charts-data" type="application/json">(.*?)</script>', content, re.S)
    assert match, "no charts-data json_script"
    return json.loads(match[1])


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def post_upload(client, path: Path, title: str = "My clip", sampling: str = "5"):
    with path.open("rb") as handle:
        return client.post(reverse("videos:upload"), {"title": title, "file": handle, "sampling": sampling})


def upload_clip(client, name: str, sampling: str = "5", title: str = "Clip") -> Video:
    with open(VIDEOS / name, "rb") as handle:
        response = client.post(reverse("videos:upload"), {"title": title, "file": handle, "sampling": sampling})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Video.objects.get(title=title)


def work() -> None:
    """Run every job queued: analyses ("default") and blurred copies ("copies")."""
    queues = [django_rq.get_queue("default"), django_rq.get_queue("copies")]
    worker = SimpleWorker(queues, connection=queues[0].connection)
    worker.work(burst=True)


def queue():
    return django_rq.get_queue("default")
