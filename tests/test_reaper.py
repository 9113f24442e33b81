"""Lost runs are failed on a schedule, with nobody looking: the job's heartbeat, the reaper, rq's cron.

The end-to-end test runs everything as real processes sharing an on-disk SQLite database and the
test Redis: an rq worker whose job is killed with SIGKILL mid-run, rq's cron with the reaper's
worker that fail the run with no page view, then a reprocessing that succeeds through a fresh worker
and a Ray head.
"""

import ast
import signal
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

import django_rq
import psutil
import pytest
from django.urls import reverse
from django.utils import timezone
from rq.job import JobStatus

from analysis.models import AnalysisRun, Person, RunCancelled
from analysis.runs import reaper
from analysis.runs.heartbeat import run_heartbeat
from analysis.runs.lifecycle import complete, fail_run
from analysis.runs.reaper import reap_lost_runs
from emotion_site.stack import CRON_CONFIG

from .conftest import VIDEOS
from .factories import make_video
from .stack import Stack, ray_head  # noqa: F401 (ray_head: a fixture, found by name)

ROOT = Path(__file__).resolve().parents[1]


# --- The job of the end-to-end test: claims its run, heartbeats, and works until it is killed ---


def claim_and_work(run_id: int, seconds: float) -> str:
    """Like analysis.runs.jobs.run_analysis, but its "analysis" is sleeping: a partial result, then time."""
    from analysis.runs.lifecycle import claim

    run = claim(run_id)
    assert run is not None
    with run_heartbeat(run.pk):
        Person.objects.create(run=run, track_key=1)
        time.sleep(seconds)
    return "worked"


# --- Unit tests, in this process ----------------------------------------------------------------


@pytest.fixture
def run_of(user):
    video = make_video(user)

    def make(status=AnalysisRun.Status.RUNNING, heartbeat_age_s=0.0, rq_job_id="", **fields) -> AnalysisRun:
        now = timezone.now()
        return AnalysisRun.objects.create(
            video=video,
            status=status,
            sample_fps=5.0,
            detector="hog",
            model="emotion-net-v3",
            rq_job_id=rq_job_id,
            started_at=now - timedelta(seconds=heartbeat_age_s) if status == AnalysisRun.Status.RUNNING else None,
            heartbeat_at=now - timedelta(seconds=heartbeat_age_s) if status == AnalysisRun.Status.RUNNING else None,
            **fields,
        )

    return make


def job_in(status: str) -> str:
    job = django_rq.get_queue("default", commit_mode="auto").enqueue("analysis.runs.jobs.run_analysis", 0)
    if status != JobStatus.QUEUED:
        job.set_status(status)
    return job.id


@pytest.mark.django_db
def test_a_running_run_with_a_stale_heartbeat_is_failed_and_its_partial_results_dropped(run_of, settings):
    lost = run_of(heartbeat_age_s=settings.ANALYSIS_STALE_AFTER_S + 5)
    alive = run_of(heartbeat_age_s=settings.ANALYSIS_STALE_AFTER_S - 20)
    Person.objects.create(run=lost, track_key=1)
    assert reap_lost_runs().startswith("1 lost runs failed,")
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert (lost.status, lost.error) == (AnalysisRun.Status.FAILED, reaper.SILENT) and lost.finished_at
    assert not Person.objects.filter(run=lost).exists()
    assert alive.status == AnalysisRun.Status.RUNNING


@pytest.mark.django_db
@pytest.mark.parametrize("job_status", [JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED])
def test_a_run_whose_rq_job_ended_is_failed_at_once(run_of, job_status):
    run = run_of(rq_job_id=job_in(job_status))  # a fresh heartbeat: rq knows better
    assert reap_lost_runs().startswith("1 lost runs failed,")
    run.refresh_from_db()
    assert (run.status, run.error) == (AnalysisRun.Status.FAILED, reaper.JOB_ENDED)


@pytest.mark.django_db
def test_a_queued_run_whose_job_disappeared_is_failed(run_of):
    gone = run_of(status=AnalysisRun.Status.QUEUED, rq_job_id="no-such-job")
    waiting = run_of(status=AnalysisRun.Status.QUEUED, rq_job_id=job_in(JobStatus.QUEUED))
    assert reap_lost_runs().startswith("1 lost runs failed,")
    gone.refresh_from_db()
    waiting.refresh_from_db()
    assert (gone.status, gone.error) == (AnalysisRun.Status.FAILED, reaper.JOB_GONE)
    assert waiting.status == AnalysisRun.Status.QUEUED


@pytest.mark.django_db
def test_a_running_run_whose_job_disappeared_is_judged_by_its_heartbeat(run_of, settings):
    # Redis restarted without its data: the job is gone, but a worker may still be analysing.
    working = run_of(rq_job_id="no-such-job")
    silent = run_of(rq_job_id="no-such-job", heartbeat_age_s=settings.ANALYSIS_STALE_AFTER_S + 5)
    assert reap_lost_runs().startswith("1 lost runs failed,")
    working.refresh_from_db()
    silent.refresh_from_db()
    assert working.status == AnalysisRun.Status.RUNNING
    assert (silent.status, silent.error) == (AnalysisRun.Status.FAILED, reaper.SILENT)


@pytest.mark.django_db
def test_a_run_failed_while_its_results_were_published_stays_failed_and_the_old_results_stay(run_of):
    shown = run_of(status=AnalysisRun.Status.SUCCEEDED)
    Person.objects.create(run=shown, track_key=1, number=1)
    late = run_of()
    Person.objects.create(run=late, track_key=1, number=1)
    fail_run(late.pk, reaper.SILENT)  # the reaper (or a cancel) lands between finish() and complete()
    with pytest.raises(RunCancelled):
        complete(late, frames_analyzed=12, persons=1, faces=12)
    late.refresh_from_db()
    assert late.status == AnalysisRun.Status.FAILED and not late.persons.exists()
    assert AnalysisRun.shown_for(late.video) == shown and shown.persons.count() == 1


@pytest.mark.django_db
def test_a_queued_run_never_enqueued_is_failed_once_stale(run_of, settings):
    fresh = run_of(status=AnalysisRun.Status.QUEUED)
    old = run_of(status=AnalysisRun.Status.QUEUED)
    AnalysisRun.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.ANALYSIS_STALE_AFTER_S + 1)
    )
    assert reap_lost_runs().startswith("1 lost runs failed,")
    fresh.refresh_from_db()
    old.refresh_from_db()
    assert (old.status, old.error) == (AnalysisRun.Status.FAILED, reaper.NEVER_QUEUED)
    assert fresh.status == AnalysisRun.Status.QUEUED


@pytest.mark.django_db
def test_finished_runs_are_left_alone(run_of):
    for status in (AnalysisRun.Status.SUCCEEDED, AnalysisRun.Status.FAILED, AnalysisRun.Status.CANCELLED):
        run_of(status=status, rq_job_id="no-such-job")
    assert reap_lost_runs().startswith("0 lost runs failed,")
    assert not AnalysisRun.objects.exclude(error="").exists()


@pytest.mark.django_db
def test_page_views_no_longer_reap(alice, run_of, settings):
    """Showing a page has no side effect: the schedule does the reaping."""
    run = run_of(heartbeat_age_s=settings.ANALYSIS_STALE_AFTER_S + 60)
    for url in (reverse("videos:list"), reverse("analysis:results", args=[run.video_id])):
        assert alice.get(url).status_code == 200
    assert alice.get(reverse("analysis:progress", args=[run.video_id])).json()["status"] == "running"
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.RUNNING


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_stamps_a_running_run_until_the_block_ends(run_of):
    run = run_of(heartbeat_age_s=30)
    stamps = []
    with run_heartbeat(run.pk, interval_s=0.05):
        for _ in range(3):
            time.sleep(0.15)
            stamps.append(AnalysisRun.objects.get(pk=run.pk).heartbeat_at)
    assert stamps[0] > timezone.now() - timedelta(seconds=1)
    assert stamps[0] < stamps[1] < stamps[2]
    final = AnalysisRun.objects.get(pk=run.pk).heartbeat_at
    time.sleep(0.2)  # the block is over: no more stamps
    assert AnalysisRun.objects.get(pk=run.pk).heartbeat_at == final


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_never_revives_a_failed_run(run_of):
    run = run_of(status=AnalysisRun.Status.FAILED)
    with run_heartbeat(run.pk, interval_s=0.05):
        time.sleep(0.2)
    assert AnalysisRun.objects.get(pk=run.pk).heartbeat_at is None


def test_run_analysis_runs_inside_the_heartbeat():
    tree = ast.parse((ROOT / "analysis" / "runs" / "jobs.py").read_text())
    (function,) = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "run_analysis"]
    items = [item.context_expr for node in ast.walk(function) if isinstance(node, ast.With) for item in node.items]
    beats = [c for c in items if isinstance(c, ast.Call) and getattr(c.func, "id", None) == "run_heartbeat"]
    assert beats and ast.unparse(beats[0].args[0]) == "run.pk"


def test_defaults_fail_a_killed_run_within_two_minutes(settings):
    assert settings.ANALYSIS_STALE_AFTER_S == 60 and settings.ANALYSIS_HEARTBEAT_S <= 10
    # Worst case: the last stamp just before the kill, then a reaper tick just before it turns stale.
    assert settings.ANALYSIS_STALE_AFTER_S + settings.ANALYSIS_REAP_INTERVAL_S <= 90


def test_cron_config_enqueues_the_maintenance_jobs_on_the_maintenance_queue(settings, redis_url):
    from django_rq.cron import DjangoCronScheduler

    settings.RQ_QUEUES = {name: {"URL": redis_url} for name in ("default", "maintenance")}
    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file(CRON_CONFIG)
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    assert set(jobs) == {
        "analysis.runs.reaper.reap_lost_runs",
        "videos.partial_uploads.remove_expired",
        "analysis.runs.retention.apply_retention",  # tests/test_source_retention.py
        "analysis.sessions.recordings.finish_idle",  # tests/test_participant_sessions.py
    }
    assert {job.queue_name for job in jobs.values()} == {"maintenance"}
    assert jobs["analysis.runs.reaper.reap_lost_runs"].interval == settings.ANALYSIS_REAP_INTERVAL_S
    assert jobs["videos.partial_uploads.remove_expired"].interval <= settings.UPLOAD_EXPIRE_S


# --- End to end, with real processes ------------------------------------------------------------


@pytest.fixture
def stack(tmp_path, redis_url, ray_head):  # noqa: F811 (the fixture imported above)
    stack = Stack(tmp_path, redis_url, ray_head)
    yield stack
    stack.stop()


CREATE_RUN = f"""
import json
import django_rq
from django.contrib.auth.models import User
from django.core.files import File
from analysis.models import AnalysisRun
from videos.models import Video
owner = User.objects.create_user("alice", password="a-long-pass-phrase-1")
video = Video(owner=owner, title="Clip", original_name="single_face.mp4", size_bytes=1, duration_s=2.4, fps=30.0,
              width=640, height=360, frame_count=72)
with open({str(VIDEOS / "single_face.mp4")!r}, "rb") as handle:
    video.file.save("clip.mp4", File(handle))
run = AnalysisRun.objects.create(video=video, sample_fps=5.0, detector="hog", model="emotion-net-v3")
job = django_rq.get_queue("default").enqueue("tests.test_reaper.claim_and_work", run.pk, 600, job_timeout=900)
AnalysisRun.objects.filter(pk=run.pk).update(rq_job_id=job.id)
print(json.dumps({{"run": run.pk, "video": video.pk}}))
"""

REPROCESS = """
import json
from django.db import transaction
from analysis.runs.launch import reprocess
from videos.models import Video
with transaction.atomic():
    run = reprocess(Video.objects.get(pk={video}))
print(json.dumps({{"run": run.pk}}))
"""


def test_a_killed_worker_run_is_failed_by_the_schedule_and_reprocessing_succeeds(stack):
    ids = stack.python(CREATE_RUN)
    stack.cron()
    stack.worker("maintenance")
    worker = stack.worker("default")

    # The job claimed the run and its heartbeat ticks.
    first = stack.wait_for(ids["run"], lambda r: r["status"] == "running", 60, "running")["heartbeat_at"]
    stack.wait_for(ids["run"], lambda r: r["heartbeat_at"] != first, 10, "heartbeating")
    time.sleep(3)  # the reaper has run meanwhile and left a live run alone
    assert stack.run(ids["run"])["status"] == "running"

    worker.send_signal(signal.SIGKILL)
    worker.wait()
    killed_at = time.monotonic()
    failed = stack.wait_for(ids["run"], lambda r: r["status"] == "failed", 60, "failed")
    seconds = time.monotonic() - killed_at
    print(f"SIGKILL to failed: {seconds:.1f} s (stale after 6 s, reaper every 2 s)")
    assert seconds < 6 + 2 + 10
    assert failed["error"] == reaper.SILENT and failed["finished_at"]
    with sqlite3.connect(stack.db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM analysis_person").fetchone()[0] == 0

    # Reprocess: a fresh worker analyses the video for real, on the Ray head.
    retry = stack.python(REPROCESS.format(video=ids["video"]))["run"]
    analysing_worker = stack.worker("default")
    done = stack.wait_for(retry, lambda r: r["status"] in {"succeeded", "failed"}, 240, "finished")
    assert done["status"] == "succeeded", done["error"]
    assert (done["frames_done"], done["persons_count"]) == (12, 1)
    assert stack.run(ids["run"])["status"] == "failed"  # the failed run stays as it was

    # The worker is only a Ray driver: the models live in the shared actors on the head, so a
    # killed worker leaves no Ray process of its own behind.
    left = psutil.Process(analysing_worker.pid).children(recursive=True)
    analysing_worker.send_signal(signal.SIGKILL)
    analysing_worker.wait()
    assert not [child for child in left if child.is_running() and child.status() != psutil.STATUS_ZOMBIE]
