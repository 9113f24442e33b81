"""The life of an analysis run: create and enqueue, claim, complete, fail, cancel.

Lost runs (their worker died) are failed by analysis.reaper, on a schedule.
"""

import logging

import django_rq
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rq.job import Job

from videos.models import Video

from .core.video_source import VideoInfo, expected_samples
from .models import AnalysisRun, Person

log = logging.getLogger(__name__)


class RunCancelled(Exception):
    """The run was cancelled (or failed by the reaper) while it was processing."""


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


def start_analysis(video: Video, sample_fps: float | None) -> AnalysisRun:
    """Create a queued run and enqueue its job once the transaction commits."""
    run = AnalysisRun.objects.create(
        video=video, sample_fps=sample_fps, detector=settings.FACE_DETECTOR, model=settings.EMOTION_MODEL
    )
    transaction.on_commit(lambda: enqueue(run))
    return run


# The job, by name: analysis.jobs imports this module, not the other way round.
RUN_ANALYSIS = "analysis.jobs.run_analysis"


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
    comes here, so a video never has two analyses at once."""
    with transaction.atomic():
        Video.objects.select_for_update().filter(pk=video.pk).first()  # one reprocess of a video at a time
        if video.runs.filter(status__in=AnalysisRun.ACTIVE).exists():
            return None
        if sample_fps is None and (last := video.latest_run) is not None:
            sample_fps = last.sample_fps
        elif sample_fps is None:
            sample_fps = 5.0
        return start_analysis(video, sample_fps)


def claim(run_id: int) -> AnalysisRun | None:
    """Move a queued run to running; None if it was cancelled or already taken."""
    now = timezone.now()
    run = AnalysisRun.objects.select_related("video").filter(pk=run_id).first()
    if run is None:
        return None
    frames_total = expected_samples(video_info(run.video), run.sample_fps)
    claimed = AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.QUEUED).update(
        status=AnalysisRun.Status.RUNNING, started_at=now, heartbeat_at=now, frames_done=0, frames_total=frames_total
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
    )
    if not published:
        raise RunCancelled()
    AnalysisRun.objects.filter(video_id=run.video_id, status=AnalysisRun.Status.SUCCEEDED).exclude(pk=run.pk).delete()


@transaction.atomic
def fail_run(run_id: int, reason: str, status: str = AnalysisRun.Status.FAILED) -> bool:
    """End an unfinished run with `reason`, dropping any partial results."""
    ended = AnalysisRun.objects.filter(pk=run_id, status__in=AnalysisRun.ACTIVE).update(
        status=status, error=reason, finished_at=timezone.now()
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
