"""The rq job: make a blurred copy of a video from its analysis's face boxes."""

import logging
import tempfile
from collections import defaultdict

from django.core.files import File
from django.db import close_old_connections
from django.utils import timezone
from rq.timeouts import JobTimeoutException

from analysis.core.face_blur import BlurPlan, blur_video
from analysis.core.video_error import VideoError
from analysis.models import BlurredCopy, Sample
from analysis.runs.blur_launch import fail_copy
from analysis.runs.copy_failures import describe_copy_failure
from analysis.runs.video_files import local_video_path

log = logging.getLogger(__name__)


def blur_plan(copy: BlurredCopy) -> BlurPlan:
    """Every person of the copy's run, hidden ones too (a hidden "false face" may be a real one),
    but those the owner chose to leave visible."""
    rows = (
        Sample.objects.filter(person__run_id=copy.run_id)
        .exclude(person__number__in=copy.keep_visible)
        .order_by("person_id", "t")
        .values_list("person_id", "t", "x", "y", "w", "h")
    )
    persons = defaultdict(list)
    for person_id, *track in rows:
        persons[person_id].append(tuple(track))
    return BlurPlan.from_samples(list(persons.values()))


def _claim(copy_id: int) -> BlurredCopy | None:
    claimed = BlurredCopy.objects.filter(pk=copy_id, status=BlurredCopy.Status.QUEUED).update(
        status=BlurredCopy.Status.RUNNING, frames_done=0
    )
    return BlurredCopy.objects.select_related("video").get(pk=copy_id) if claimed else None


def make_blurred_copy(copy_id: int) -> str:
    close_old_connections()
    copy = _claim(copy_id)
    if copy is None:
        return "not queued (deleted, failed or already taken)"

    def progress(done: int, total: int) -> None:
        BlurredCopy.objects.filter(pk=copy_id).update(frames_done=done, frames_total=total)

    try:
        if copy.run_id is None:
            raise VideoError("The analysis this copy was asked from is gone.")
        plan = blur_plan(copy)
        with local_video_path(copy.video.file) as source, tempfile.NamedTemporaryFile(suffix=".mp4") as target:
            frames = blur_video(source, target.name, plan, progress)
            target.seek(0)
            name = f"{copy.video.pk}-blurred-{copy.pk}.mp4"
            copy.file.save(name, File(target, name=name), save=False)
        stored = BlurredCopy.objects.filter(pk=copy_id, status=BlurredCopy.Status.RUNNING).update(
            status=BlurredCopy.Status.SUCCEEDED,
            file=copy.file.name,
            frames_done=frames,
            frames_total=frames,
            finished_at=timezone.now(),
        )
        if not stored:  # failed by the reaper meanwhile: keep no orphan file
            copy.file.storage.delete(copy.file.name)
            return "ended elsewhere"
        return f"{frames} frames blurred"
    except BaseException as error:  # a timeout too: the copy must never stay "running"
        log.exception("Blurred copy %s failed", copy_id)
        fail_copy(copy_id, describe_copy_failure(error, "The blurred copy"))
        if isinstance(error, JobTimeoutException | KeyboardInterrupt | SystemExit):
            raise
        return "failed"
