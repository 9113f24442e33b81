"""Starting analyses: store an upload and queue its run, queue a run for a stored video (reprocess).

Every way a run starts (the upload page and API, the results page, the admin, the reprocess
command) comes through here, so that a video never has two analyses at once.
"""

import logging
from collections.abc import Iterable

import django_rq
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from analysis.core.video_source import VideoInfo
from analysis.models import AnalysisRun
from analysis.runs.lifecycle import fail_run, job_timeout_s
from analysis.runs.limits import LimitReached, UploadRefused, active_runs_refusal, free_slots, upload_refusals
from analysis.runs.preview_launch import plan_preview, start_preview
from videos.models import Video
from videos.storage_quota import lock_owner

log = logging.getLogger(__name__)

# The rq job (analysis.runs.jobs.run_analysis), named rather than imported: importing it would load
# Ray and the models into every web process, which only enqueue it. tests/test_upload.py checks the name.
RUN_ANALYSIS = "analysis.runs.jobs.run_analysis"


def store_and_start(
    owner: AbstractBaseUser, title: str, upload: UploadedFile, info: VideoInfo, sample_fps: float | None
) -> Video:
    """Store a checked upload as the owner's video and queue its analysis.

    UploadRefused when a concurrent request took the owner past a limit since the form checked them.
    The row and the queued run commit together, the job is enqueued on commit, and a failure or
    refusal leaves no file behind. A source browsers cannot play gets its browser preview made
    (analysis.runs.preview_launch), queued on commit too.
    """
    video = Video(
        owner=owner,
        title=title,
        original_name=upload.name[:255],
        size_bytes=upload.size,
        duration_s=info.duration_s,
        fps=info.fps,
        width=info.width,
        height=info.height,
        frame_count=info.frame_count,
    )
    plan_preview(video, info)
    # Stored before the transaction: the owner's row stays locked only while counting and inserting.
    video.file.save(upload.name, upload, save=False)
    try:
        with transaction.atomic():
            lock_owner(owner)
            if refusals := upload_refusals(owner, upload.size):  # counted again, now under the lock
                raise UploadRefused(refusals)
            video.save()
            start_analysis(video, sample_fps, wait_turn=True)
            start_preview(video)
    except BaseException:
        video.file.delete(save=False)
        raise
    return video


def start_analysis(video: Video, sample_fps: float | None, wait_turn: bool = False) -> AnalysisRun:
    """Create a queued run and enqueue its job once the transaction commits.

    With `wait_turn` (uploads, under the owner's lock), a run past the owner's USER_MAX_ACTIVE_RUNS
    waits instead: start_waiting_runs() queues it when one of the owner's analyses ends. So a user
    who drops twenty files gets twenty videos, analysed a few at a time, and other users' analyses
    are not held up behind them.
    """
    waits = wait_turn and not free_slots(video.owner_id)
    run = AnalysisRun.objects.create(
        video=video,
        sample_fps=sample_fps,
        detector=settings.FACE_DETECTOR,
        model=settings.EMOTION_MODEL,
        status=AnalysisRun.Status.WAITING if waits else AnalysisRun.Status.QUEUED,
    )
    if not waits:
        transaction.on_commit(lambda: enqueue(run))
    return run


def start_waiting_runs(owner_ids: Iterable[int] | None = None) -> int:
    """Queue each owner's oldest waiting runs, as many as their cap has room for (all owners with
    waiting runs when None); how many were queued. Called when a job ends and by the reaper's tick."""
    if owner_ids is None:
        waiting = AnalysisRun.objects.filter(status=AnalysisRun.Status.WAITING)
        owner_ids = set(waiting.values_list("video__owner_id", flat=True))
    started = 0
    for owner_id in owner_ids:
        with transaction.atomic():
            lock_owner(get_user_model()(pk=owner_id))
            oldest = AnalysisRun.objects.select_related("video").filter(
                video__owner_id=owner_id, status=AnalysisRun.Status.WAITING
            )
            for run in oldest.order_by("created_at", "id")[: free_slots(owner_id)]:
                AnalysisRun.objects.filter(pk=run.pk).update(status=AnalysisRun.Status.QUEUED)
                transaction.on_commit(lambda run=run: enqueue(run))
                started += 1
    return started


def enqueue(run: AnalysisRun) -> None:
    try:
        # "auto": enqueue now; start_analysis already defers this call to the commit.
        job = django_rq.get_queue("default", commit_mode="auto").enqueue(
            RUN_ANALYSIS, run.pk, job_timeout=job_timeout_s(run.video), result_ttl=86400, failure_ttl=7 * 86400
        )
    except Exception as error:  # Redis unreachable: say so instead of leaving the run queued
        log.exception("Could not enqueue run %s", run.pk)
        fail_run(run.pk, f"The analysis could not be queued ({type(error).__name__}); try reprocessing later.")
        return
    AnalysisRun.objects.filter(pk=run.pk).update(rq_job_id=job.id)


def reprocess(video: Video, sample_fps: float | None = None) -> AnalysisRun | None:
    """A new run with the last run's sampling unless told otherwise; None, and nothing queued, while
    the video is already queued or being analysed. Every way to reprocess (page, admin, command)
    comes here, so a video never has two analyses at once. None too for a video whose source was
    deleted (analysis.results.source_removal, which takes the same lock): there is no file to read."""
    with transaction.atomic():
        locked = Video.objects.select_for_update().filter(pk=video.pk).first()  # one reprocess of a video at a time
        if locked is None or locked.source_deleted_at or video.runs.filter(status__in=AnalysisRun.ACTIVE).exists():
            return None
        if sample_fps is None and (last := video.latest_run) is not None:
            sample_fps = last.sample_fps
        elif sample_fps is None:
            sample_fps = 5.0
        return start_analysis(video, sample_fps)


SOURCE_DELETED = "The source video was deleted: there is nothing to analyse again."


def reprocess_for_owner(video: Video) -> AnalysisRun | None:
    """reprocess() under the owner's USER_MAX_ACTIVE_RUNS (LimitReached past it): the results page's button."""
    if video.source_deleted_at:
        raise LimitReached(SOURCE_DELETED)
    with transaction.atomic():
        lock_owner(video.owner)
        if message := active_runs_refusal(video.owner, "starting another analysis"):
            raise LimitReached(message)
        return reprocess(video)
