"""The browser preview of a source browsers cannot play (an iPhone's HEVC, ProRes, an mkv...): marked
at upload, its job queued once the upload commits.

The job (analysis.runs.preview_jobs.make_preview) is named, not imported, as the other jobs are. It
runs on the blurred copies' queue (COPIES_QUEUE): the same work (decode and encode every frame), with
its own worker in `make run` and docker-compose, so a preview never waits behind, or delays, anyone's
analysis.
"""

import logging

import django_rq
from django.db import transaction

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


def enqueue_preview(video: Video) -> None:
    try:
        django_rq.get_queue(COPIES_QUEUE, commit_mode="auto").enqueue(
            MAKE_PREVIEW, video.pk, job_timeout=blur_timeout_s(video), result_ttl=86400, failure_ttl=7 * 86400
        )
    except Exception as error:  # Redis unreachable: say so instead of leaving it "being made"
        log.exception("Could not enqueue the preview of video %s", video.pk)
        fail_preview(video.pk, f"It could not be queued ({type(error).__name__}).")


def fail_preview(video_id: int, error: str) -> bool:
    """Fail a preview being made; False if it had already ended."""
    being_made = Video.objects.filter(pk=video_id, preview_status=PreviewStatus.MAKING)
    return bool(being_made.update(preview_status=PreviewStatus.FAILED, preview_error=error[:300]))
