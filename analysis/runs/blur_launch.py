"""Starting a blurred copy of a video: the row, and its job queued once the transaction commits.

Web processes call this; the job itself (analysis.runs.blur_jobs.make_blurred_copy) is named, not
imported, as the analysis job is. Copies have their own rq queue (COPIES_QUEUE, its own worker), so
no number of copies delays anyone's analyses, and fair shares of it: one active copy per video
(CopyRefused, 409) and USER_MAX_ACTIVE_COPIES per user (CopyLimitReached, 429).
"""

import logging
from collections.abc import Iterable

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from analysis.models import AnalysisRun, BlurredCopy
from videos.access_log import Action, Actor, record
from videos.models import Video

log = logging.getLogger(__name__)

MAKE_BLURRED_COPY = "analysis.runs.blur_jobs.make_blurred_copy"
COPIES_QUEUE = "copies"
ACTIVE = (BlurredCopy.Status.QUEUED, BlurredCopy.Status.RUNNING)


class CopyRefused(ValueError):
    """This video cannot have a new copy now (no results, no source, one being made); the message is for the user."""


class CopyLimitReached(CopyRefused):
    """The owner already has USER_MAX_ACTIVE_COPIES copies queued or being made."""


NO_RESULTS = "This video has no finished analysis to take the faces from."


def blur_timeout_s(video: Video) -> int:
    # Decoding and encoding every frame: about the analysis's own budget is ample.
    return int(settings.ANALYSIS_TIMEOUT_BASE_S + video.duration_s * settings.ANALYSIS_TIMEOUT_PER_VIDEO_S)


def latest_copy(video: Video) -> BlurredCopy | None:
    return video.blurred_copies.order_by("-created_at", "-id").first()


def start_blurred_copy(
    video: Video, keep_visible: Iterable[int] = (), by: Actor = None, via: str = "page"
) -> BlurredCopy:
    """A queued copy of `video` from its shown results, asked by `by` (logged); CopyRefused when it has no
    results or no source any more, or has a copy being made; CopyLimitReached past the owner's limit."""
    with transaction.atomic():
        # Under the video's row lock: two requests at once cannot both pass the checks below.
        Video.objects.select_for_update().only("pk").get(pk=video.pk)
        return _start(video, keep_visible, by, via)


def _start(video: Video, keep_visible: Iterable[int], by: Actor, via: str) -> BlurredCopy:
    if video.source_deleted_at:
        raise CopyRefused("The source video was deleted: a blurred copy can no longer be made.")
    run = AnalysisRun.shown_for(video)
    if run is None:
        raise CopyRefused(NO_RESULTS)
    if video.blurred_copies.filter(status__in=ACTIVE).exists():
        raise CopyRefused("A blurred copy of this video is already being made: wait for it to finish.")
    active = BlurredCopy.objects.filter(video__owner_id=video.owner_id, status__in=ACTIVE).count()
    if active >= settings.USER_MAX_ACTIVE_COPIES:
        raise CopyLimitReached(
            f"You have {active} blurred copies queued or being made (at most {settings.USER_MAX_ACTIVE_COPIES}): "
            "ask again when one has finished."
        )
    if run.erased_persons:
        raise CopyRefused(
            "A person was erased from these results, so their face can no longer be found to blur it: a new copy "
            "would show them. Delete the source video, or analyse it again (the erased person will be found again)."
        )
    copy = BlurredCopy.objects.create(video=video, run=run, keep_visible=sorted({int(n) for n in keep_visible}))
    visible = ", ".join(str(n) for n in copy.keep_visible)
    record(by, video, Action.BLUR, detail=f"left visible: {visible}" if visible else "", via=via)
    transaction.on_commit(lambda: enqueue_blur(copy))
    return copy


def fail_copy(copy_id: int, error: str) -> bool:
    """Fail a queued or running copy; False if it had already ended."""
    return bool(
        BlurredCopy.objects.filter(
            pk=copy_id, status__in=[BlurredCopy.Status.QUEUED, BlurredCopy.Status.RUNNING]
        ).update(status=BlurredCopy.Status.FAILED, error=error, finished_at=timezone.now())
    )


def enqueue_blur(copy: BlurredCopy) -> None:
    try:
        job = django_rq.get_queue(COPIES_QUEUE, commit_mode="auto").enqueue(
            MAKE_BLURRED_COPY, copy.pk, job_timeout=blur_timeout_s(copy.video), result_ttl=86400, failure_ttl=7 * 86400
        )
    except Exception as error:  # Redis unreachable: say so instead of leaving the copy queued
        log.exception("Could not enqueue blurred copy %s", copy.pk)
        fail_copy(copy.pk, f"The blurred copy could not be queued ({type(error).__name__}); try again later.")
        return
    BlurredCopy.objects.filter(pk=copy.pk).update(rq_job_id=job.id)


def ready_copy(video: Video) -> BlurredCopy | None:
    """The video's newest finished copy."""
    finished = video.blurred_copies.filter(status=BlurredCopy.Status.SUCCEEDED).exclude(file="")
    return finished.order_by("-created_at", "-id").first()


def copy_state(copy: BlurredCopy) -> dict:
    """What the page's poll and the API say of a copy."""
    done = copy.status == BlurredCopy.Status.SUCCEEDED
    return {
        "id": copy.pk,
        "status": copy.status,
        "status_label": copy.get_status_display(),
        "keep_visible": copy.keep_visible,
        "frames_done": copy.frames_done,
        "frames_total": copy.frames_total,
        "percent": round(100 * copy.frames_done / copy.frames_total, 1) if copy.frames_total else 0,
        "error": copy.error,
        "created_at": copy.created_at.isoformat(),
        "finished_at": copy.finished_at.isoformat() if copy.finished_at else None,
        "size_bytes": copy.file.size if done and copy.file else None,
    }


def download_name(copy: BlurredCopy) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in copy.video.title)[:80] or "video"
    return f"{stem}-blurred.mp4"
