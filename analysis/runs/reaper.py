"""Failing runs whose worker is gone, with nobody looking.

`reap_lost_runs` runs every `ANALYSIS_REAP_INTERVAL_S` on the "maintenance" queue, enqueued by
rq's cron (`python manage.py rqcron emotion_site.schedule`, see emotion_site/schedule.py). A run is
lost when
- it is running and its heartbeat (analysis.runs.heartbeat) is older than `ANALYSIS_STALE_AFTER_S`:
  the worker was killed, or its machine lost;
- its rq job failed, was stopped or cancelled, or, while queued, disappeared from Redis (a running
  run's job also disappears when Redis comes back without its data: the heartbeat tells whether a
  worker still works on it);
- it is queued without a job for longer than `ANALYSIS_STALE_AFTER_S`: the process that created it
  died before enqueuing it.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

import django_rq
from django.conf import settings
from django.utils import timezone
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from analysis.models import AnalysisRun, BlurredCopy
from analysis.runs.blur_launch import blur_timeout_s, fail_copy
from analysis.runs.launch import start_waiting_runs
from analysis.runs.lifecycle import fail_run
from analysis.runs.preview_launch import fail_preview, preview_queued_at
from videos.models import PreviewStatus, Video

log = logging.getLogger(__name__)

JOB_ENDED = "The worker processing this video stopped before finishing."
JOB_GONE = "The analysis job disappeared from the queue."
NEVER_QUEUED = "The analysis was never queued; try reprocessing."
SILENT = "The worker processing this video stopped responding."
BLUR_STUCK = "Making the blurred copy stopped before finishing."
PREVIEW_STUCK = "Making it stopped before finishing."


def _rq_job_lost(run: AnalysisRun) -> str | None:
    try:
        status = Job.fetch(run.rq_job_id, connection=django_rq.get_connection("default")).get_status()
    except NoSuchJobError:
        return JOB_GONE if run.status == AnalysisRun.Status.QUEUED else None
    except Exception:  # Redis unreachable: no verdict
        log.warning("Could not read rq job %s of run %s", run.rq_job_id, run.pk, exc_info=True)
        return None
    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
        return JOB_ENDED
    return None


def lost_reason(run: AnalysisRun, stale_before) -> str | None:
    """Why the active `run` is lost, or None while it may still be alive."""
    if run.status == AnalysisRun.Status.WAITING:  # not enqueued yet, on purpose
        return None
    if run.rq_job_id and (reason := _rq_job_lost(run)):
        return reason
    if run.status == AnalysisRun.Status.QUEUED:
        return NEVER_QUEUED if not run.rq_job_id and run.created_at < stale_before else None
    if run.heartbeat_at is None or run.heartbeat_at < stale_before:
        return SILENT
    return None


def fail_lost_runs(runs: Iterable[AnalysisRun]) -> int:
    """Fail the lost runs among `runs`; how many were failed."""
    stale_before = timezone.now() - timedelta(seconds=settings.ANALYSIS_STALE_AFTER_S)
    failed = 0
    for run in runs:
        if run.status not in AnalysisRun.ACTIVE:
            continue
        reason = lost_reason(run, stale_before)
        if reason and fail_run(run.pk, reason):
            log.warning("Run %s failed by the reaper: %s", run.pk, reason)
            failed += 1
    return failed


def reap_lost_runs() -> str:
    """The periodic job: fail every lost run, then queue the waiting runs that now have room (a run
    cancelled or failed outside a job frees its owner's place here)."""
    failed = fail_lost_runs(AnalysisRun.objects.filter(status__in=AnalysisRun.IN_FLIGHT))
    started = start_waiting_runs()
    blurs = fail_stuck_blurs()
    previews = fail_stuck_previews()
    return (
        f"{failed} lost runs failed, {started} waiting runs queued, {blurs} stuck blurred copies failed, "
        f"{previews} stuck previews failed"
    )


def fail_stuck_blurs() -> int:
    """Fail the blurred copies still queued or running well past their job's time limit: rq would
    have stopped the job by then, so its worker died without saying so (a copy has no heartbeat)."""
    now = timezone.now()
    failed = 0
    active = BlurredCopy.objects.select_related("video").filter(
        status__in=[BlurredCopy.Status.QUEUED, BlurredCopy.Status.RUNNING]
    )
    for copy in active:
        limit = timedelta(seconds=blur_timeout_s(copy.video) + settings.ANALYSIS_STALE_AFTER_S)
        if copy.created_at < now - limit and fail_copy(copy.pk, BLUR_STUCK):
            failed += 1
    return failed


def fail_stuck_previews() -> int:
    """Fail the browser previews still being made well past their job's time limit, as fail_stuck_blurs
    does for copies (the same queue, the same limit, counted from the upload, or from a retry's queueing:
    a preview made again long after the upload is not stuck)."""
    now = timezone.now()
    failed = 0
    for video in Video.objects.filter(preview_status=PreviewStatus.MAKING):
        limit = timedelta(seconds=blur_timeout_s(video) + settings.ANALYSIS_STALE_AFTER_S)
        if video.created_at >= now - limit:
            continue
        queued_at = preview_queued_at(video.pk)
        if (queued_at is None or queued_at < now - limit) and fail_preview(video.pk, PREVIEW_STUCK):
            failed += 1
    return failed
