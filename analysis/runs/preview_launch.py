"""The browser preview of a source browsers cannot play (an iPhone's HEVC, ProRes, an mkv...): marked
at upload, its job queued once the upload commits; made again on the owner's request after a failure
(retry_preview), or for a video stored before previews existed (mark_for_preview, the make_previews
command).

The job (analysis.runs.preview_jobs.make_preview) is named, not imported, as the other jobs are. It
runs on the blurred copies' queue (COPIES_QUEUE): the same work (decode and encode every frame), with
its own worker in `make run` and docker-compose, so a preview never waits behind, or delays, anyone's
analysis.
"""

import logging
from datetime import datetime

import django_rq
from django.db import transaction
from rq.exceptions import NoSuchJobError
from rq.job import Job

from analysis.core.video_source import VideoInfo
from analysis.runs.blur_launch import COPIES_QUEUE, blur_timeout_s
from videos.models import PreviewStatus, Video

log = logging.getLogger(__name__)

MAKE_PREVIEW = "analysis.runs.preview_jobs.make_preview"


def plan_preview(video: Video, info: VideoInfo) -> None:
    """Before the new video's row is saved: a source browsers cannot play is marked as getting a preview."""
    if info.browser_obstacle:
        video.preview_status = PreviewStatus.MAKING
        video.preview_reason = info.browser_obstacle[:200]


def start_preview(video: Video) -> None:
    """Inside the transaction that saved the video: its preview's job, queued when that commits."""
    if video.preview_status == PreviewStatus.MAKING:
        transaction.on_commit(lambda: enqueue_preview(video))


def preview_job_id(video_id: int) -> str:
    # One job id per video: the reaper finds when its latest preview job was queued (preview_queued_at).
    return f"preview-{video_id}"


def enqueue_preview(video: Video) -> None:
    try:
        django_rq.get_queue(COPIES_QUEUE, commit_mode="auto").enqueue(
            MAKE_PREVIEW,
            video.pk,
            job_id=preview_job_id(video.pk),
            job_timeout=blur_timeout_s(video),
            result_ttl=86400,
            failure_ttl=7 * 86400,
        )
    except Exception as error:  # Redis unreachable: say so instead of leaving it "being made"
        log.exception("Could not enqueue the preview of video %s", video.pk)
        fail_preview(video.pk, f"It could not be queued ({type(error).__name__}).")


def fail_preview(video_id: int, error: str) -> bool:
    """Fail a preview being made; False if it had already ended."""
    being_made = Video.objects.filter(pk=video_id, preview_status=PreviewStatus.MAKING)
    return bool(being_made.update(preview_status=PreviewStatus.FAILED, preview_error=error[:300]))


def preview_queued_at(video_id: int) -> datetime | None:
    """When the video's latest preview job was queued (a retry's, long after the upload); None when rq
    no longer holds it (or never did: a preview marked before job ids were given)."""
    try:
        job = Job.fetch(preview_job_id(video_id), connection=django_rq.get_connection(COPIES_QUEUE))
    except NoSuchJobError:
        return None
    return job.enqueued_at


def retry_preview(video: Video) -> None:
    """Inside a transaction: a failed preview made again, its job queued when that commits.
    ValueError (the message for the user) when it is being made, not failed, or the source is gone."""
    failed = Video.objects.filter(pk=video.pk, preview_status=PreviewStatus.FAILED, source_deleted_at__isnull=True)
    # A conditional update: two clicks (or a click and the job) cannot both start one.
    if not failed.update(preview_status=PreviewStatus.MAKING, preview_error=""):
        video.refresh_from_db(fields=["preview_status", "source_deleted_at"])
        if video.source_deleted_at:
            raise ValueError("The source video was deleted: no playable copy can be made.")
        if video.preview_status == PreviewStatus.MAKING:
            raise ValueError("A playable copy is already being made.")
        raise ValueError("This video needs no new playable copy.")
    video.preview_status, video.preview_error = PreviewStatus.MAKING, ""
    transaction.on_commit(lambda: enqueue_preview(video))


def mark_for_preview(video: Video, obstacle: str) -> bool:
    """Inside a transaction: a stored video (uploaded before previews existed) whose source browsers
    cannot play (`obstacle`, from browser_playback) gets a preview, queued when that commits. False,
    and nothing queued, when its source is gone or it has a preview or one is being made or failed."""
    without = Video.objects.filter(
        pk=video.pk, preview_status=PreviewStatus.NOT_NEEDED, preview="", source_deleted_at__isnull=True
    )
    if not without.update(preview_status=PreviewStatus.MAKING, preview_reason=obstacle[:200], preview_error=""):
        return False
    video.preview_status, video.preview_reason, video.preview_error = PreviewStatus.MAKING, obstacle[:200], ""
    transaction.on_commit(lambda: enqueue_preview(video))
    return True
