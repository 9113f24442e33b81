"""The states of an analysis run after it is queued: claim, complete, fail, cancel.

Runs are created and enqueued by analysis.runs.launch; lost runs (their worker died) are failed by
analysis.runs.reaper, on a schedule.
"""

import logging

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rq.job import Job

from analysis.core.video_source import VideoInfo, expected_samples
from analysis.models import AnalysisRun, Person, RunCancelled
from analysis.results.participant_carry import carry_labels
from videos.models import Video

log = logging.getLogger(__name__)


def video_info(video: Video) -> VideoInfo:
    return VideoInfo(
        duration_s=video.duration_s,
        fps=video.fps,
        width=video.width,
        height=video.height,
        frame_count=video.frame_count,
    )


def job_timeout_s(video: Video) -> int:
    return int(settings.ANALYSIS_TIMEOUT_BASE_S + video.duration_s * settings.ANALYSIS_TIMEOUT_PER_VIDEO_S)


def claim(run_id: int) -> AnalysisRun | None:
    """Move a queued run to running; None if it was cancelled or already taken."""
    now = timezone.now()
    run = AnalysisRun.objects.select_related("video").filter(pk=run_id).first()
    if run is None:
        return None
    frames_total = expected_samples(video_info(run.video), run.sample_fps)
    claimed = AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.QUEUED).update(
        status=AnalysisRun.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        frames_done=0,
        frames_total=frames_total,
        progress_at=None,
        progress_speed=None,
    )
    return AnalysisRun.objects.select_related("video").get(pk=run_id) if claimed else None


@transaction.atomic
def complete(run: AnalysisRun, frames_analyzed: int, persons: int, faces: int) -> None:
    """Publish the run's results and drop the video's older results, in one transaction.

    RunCancelled if the run is no longer running (cancelled, deleted or failed by the reaper since its
    results were written): it stays as it is and the video's older results stay shown.
    """
    published = AnalysisRun.objects.filter(pk=run.pk, status=AnalysisRun.Status.RUNNING).update(
        status=AnalysisRun.Status.SUCCEEDED,
        frames_done=frames_analyzed,
        frames_total=frames_analyzed,
        persons_count=persons,
        faces_count=faces,
        finished_at=timezone.now(),
        finish_unseen=True,
    )
    if not published:
        raise RunCancelled()
    older = AnalysisRun.objects.filter(video_id=run.video_id, status=AnalysisRun.Status.SUCCEEDED).exclude(pk=run.pk)
    carry_labels(list(older.values_list("pk", flat=True)), run)
    older.delete()


@transaction.atomic
def fail_run(run_id: int, reason: str, status: str = AnalysisRun.Status.FAILED) -> bool:
    """End an unfinished run with `reason`, dropping any partial results."""
    ended = AnalysisRun.objects.filter(pk=run_id, status__in=AnalysisRun.ACTIVE).update(
        # A cancel is the user's own doing: nothing to tell them.
        status=status,
        error=reason,
        finished_at=timezone.now(),
        finish_unseen=status == AnalysisRun.Status.FAILED,
    )
    # Rows a job wrote after the run was failed go too; a run that succeeded meanwhile (a cancel
    # racing the end) keeps its results.
    if not AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.SUCCEEDED).exists():
        discard_partial_results(run_id)
    return bool(ended)


def discard_partial_results(run_id: int) -> None:
    Person.objects.filter(run_id=run_id).delete()


def cancel(run: AnalysisRun) -> bool:
    """Cancel a queued or running run; a running job notices at its next chunk and stops."""
    if not fail_run(run.pk, "Cancelled by a user.", status=AnalysisRun.Status.CANCELLED):
        return False
    if run.rq_job_id:
        try:
            Job.fetch(run.rq_job_id, connection=django_rq.get_connection("default")).cancel()
        except Exception:  # already finished, expired or running: the status check stops it
            log.info("rq job %s of run %s not cancelled in rq", run.rq_job_id, run.pk)
    return True
