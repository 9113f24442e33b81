"""The rq job: analyse one run's video on Ray and store the results."""

import logging
import time

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from rq.timeouts import JobTimeoutException

from analysis.core.face_detection import DetectorConfig
from analysis.core.pipeline import analyze_video
from analysis.core.segment_analyzer import AnalyzerConfig
from analysis.core.video_source import VideoError
from analysis.models import AnalysisRun, RunCancelled
from analysis.results.sample_store import DatabaseSink
from analysis.runs.heartbeat import run_heartbeat
from analysis.runs.launch import start_waiting_runs
from analysis.runs.lifecycle import claim, complete, discard_partial_results, fail_run, job_timeout_s, video_info
from analysis.runs.ray_executor import RayExecutor
from analysis.runs.video_files import worker_video_location

log = logging.getLogger(__name__)


def analyzer_config(run: AnalysisRun) -> AnalyzerConfig:
    return AnalyzerConfig(
        detector=DetectorConfig(model=run.detector, min_face_px=settings.FACE_MIN_SIZE), emotion_model=run.model
    )


def _causes(error: BaseException):
    """The error and what it was raised from or during (a timeout inside Ray's C code arrives wrapped;
    an error raised in a Ray actor arrives as a RayTaskError whose `cause` is the original)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        remote = getattr(error, "cause", None)
        if isinstance(remote, BaseException):
            yield remote
        yield error
        error = error.__cause__ or error.__context__


def describe_failure(error: BaseException) -> str:
    """A reason a user can act on."""
    # The time limit first: it can strike inside a database call, which then fails with it as cause.
    if any(isinstance(cause, JobTimeoutException) for cause in _causes(error)):
        return "The analysis took longer than its time limit and was stopped. Try a lower sampling rate."
    for cause in _causes(error):
        if isinstance(cause, VideoError):
            return str(cause)
        if type(cause).__name__ in {"RayActorError", "ActorDiedError", "WorkerCrashedError", "OutOfMemoryError"}:
            return "An analysis worker stopped unexpectedly (it may have run out of memory)."
        if isinstance(cause, FileNotFoundError):
            return "The video file is missing from storage."
        if isinstance(cause, DatabaseError):
            return "The results could not be saved: the database failed or was unreachable. Try reprocessing."
    return f"The analysis failed: {type(error).__name__}: {error}"


def run_analysis(run_id: int) -> str:
    # A worker lives for many jobs: drop a connection that the database closed since the last one
    # (a restart, an idle timeout), as Django does before each request.
    close_old_connections()
    run = claim(run_id)
    if run is None:
        return "not queued (cancelled or already taken)"
    video = run.video
    info = video_info(video)
    limit_s = job_timeout_s(video)
    deadline = time.monotonic() + limit_s
    try:
        with (
            run_heartbeat(run.pk),
            worker_video_location(video.file, valid_s=limit_s) as path,
            RayExecutor(
                analyzer_config(run), workers=settings.ANALYSIS_WORKERS, address=settings.RAY_ADDRESS
            ) as executor,
        ):
            stats = analyze_video(path, info, run.sample_fps, executor, DatabaseSink(run))
        stop_if_past(deadline, limit_s)
        complete(run, stats.frames_analyzed, stats.persons, stats.faces)
    except RunCancelled:
        discard_partial_results(run.pk)
        return "cancelled"
    except BaseException as error:
        log.exception("Run %s failed", run.pk)
        record_failure(run.pk, describe_failure(error))
        raise
    finally:
        start_next_for(video.owner_id)
    return f"{stats.frames_analyzed} frames, {stats.persons} persons"


def stop_if_past(deadline: float, limit_s: int) -> None:
    """rq's time limit is a SIGALRM whose exception Python drops when it strikes inside a weakref callback
    or a __del__ (the run then went on and succeeded past its limit): enforce it once more before publishing."""
    if time.monotonic() > deadline:
        raise JobTimeoutException(f"Task exceeded maximum timeout value ({limit_s} seconds)")


def start_next_for(owner_id: int) -> None:
    """The owner's place is free again: queue their next waiting upload (the reaper's tick would, later)."""
    try:
        start_waiting_runs([owner_id])
    except Exception:
        log.exception("Could not queue the waiting runs of user %s; the reaper will", owner_id)


def record_failure(run_id: int, reason: str) -> None:
    """Fail the run, on a fresh connection if the error broke this one. Should the database still be
    unreachable, the run stays running only until the reaper fails it (its heartbeat stopped with
    the job, and rq marks the job failed)."""
    close_old_connections()  # outside a request Django never replaces a broken connection by itself
    try:
        fail_run(run_id, reason)
    except DatabaseError:
        log.exception("Run %s: the failure could not be recorded; the reaper will fail it", run_id)
