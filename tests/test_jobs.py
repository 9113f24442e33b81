"""Upload -> rq job -> Ray -> results, with a real rq worker (burst) on real Redis and the test database."""

import json
import subprocess
import sys
from datetime import timedelta

import django_rq
import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from rq.job import Job, JobStatus

from analysis.models import AnalysisRun, Person, Sample
from analysis.runs.lifecycle import cancel
from analysis.runs.reaper import reap_lost_runs

from .conftest import EXPORT_KEYS, VIDEOS
from .factories import upload_clip, work

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ray_session")]


def test_upload_is_analysed_by_a_worker_and_shown_with_charts(alice):
    video = upload_clip(alice, "single_face.mp4")
    run = video.runs.get()
    assert run.status == AnalysisRun.Status.QUEUED and run.rq_job_id
    work()
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert (run.frames_done, run.frames_total, run.persons_count) == (12, 12, 1)
    assert run.started_at <= run.finished_at
    person = run.persons.get()
    assert person.dominant == "happy" and person.number == 1
    assert person.samples.count() == 12 and bytes(person.thumbnail_jpeg)[:2] == b"\xff\xd8"
    # Head pose, attention, valence and identity, stored for the results page and studies.
    assert not person.samples.filter(yaw__isnull=True).exists() and not person.samples.filter(pitch=None).exists()
    assert person.attention >= 0.9 and person.valence > 0.3
    assert np.frombuffer(bytes(person.encoding), dtype=np.float32).shape == (128,)
    timeline = run.timeline
    assert timeline.summary["persons"] == 1 and timeline.summary["attention"] >= 0.9
    assert timeline.summary["valence"] > 0.3 and timeline.summary["seen_s"] >= 2.0
    assert timeline.facing_array().shape == (1, timeline.bins) and np.nanmin(timeline.facing_array()) >= 0.5

    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "plotly/plotly.min.js" in page
    assert f'id="chart-emotions-{person.pk}"' in page and f'id="chart-dominant-{person.pk}"' in page
    assert 'id="chart-distribution"' in page and 'id="charts-data"' in page

    document = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert set(document) == EXPORT_KEYS
    assert document["video"]["id"] == video.pk and document["analysis"]["sample_fps"] == 5.0
    assert document["analysis"]["frames_analyzed"] == 12
    assert [p["dominant"] for p in document["persons"]] == ["happy"]
    assert len(document["persons"][0]["samples"]) == 12
    assert document["persons"][0]["attention"] == person.attention
    assert all(abs(s["yaw"]) < 30 and abs(s["pitch"]) < 30 for s in document["persons"][0]["samples"])


def test_video_without_faces_succeeds_with_an_empty_result(alice):
    video = upload_clip(alice, "no_face.mp4")
    work()
    run = video.runs.get()
    assert run.status == AnalysisRun.Status.SUCCEEDED and run.persons_count == 0
    assert "No faces were found" in alice.get(reverse("analysis:results", args=[video.pk])).content.decode()


def test_every_frame_sampling(alice):
    video = upload_clip(alice, "single_face.mp4", sampling="all")
    work()
    run = video.runs.get()
    assert run.sample_fps is None and run.frames_done == 72
    assert (
        json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)["analysis"]["sample_fps"]
        is None
    )


def test_a_file_broken_after_upload_fails_with_a_reason_and_no_partial_results(alice):
    video = upload_clip(alice, "WolfgangLanger_Pexels.mp4")
    path = video.file.path
    data = open(path, "rb").read()
    with open(path, "wb") as handle:  # the stored file is damaged before the worker reads it
        handle.write(data[: len(data) // 3])
    work()
    run = video.runs.get()
    assert run.status == AnalysisRun.Status.FAILED
    assert "truncated" in run.error or "decoded" in run.error
    assert not Person.objects.filter(run=run).exists() and not Sample.objects.exists()
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "Failed" in page and run.error.split(":")[0] in page


def test_reprocessing_replaces_old_results(alice):
    video = upload_clip(alice, "single_face.mp4")
    work()
    first = video.runs.get()
    response = alice.post(reverse("analysis:reprocess", args=[video.pk]))
    assert response.status_code == 302
    work()
    runs = list(video.runs.all())
    assert len(runs) == 1 and runs[0].pk != first.pk
    assert runs[0].status == AnalysisRun.Status.SUCCEEDED and runs[0].sample_fps == 5.0
    assert Person.objects.count() == 1 and Person.objects.get().run_id == runs[0].pk


def test_cancelled_run_is_not_processed(alice):
    video = upload_clip(alice, "single_face.mp4")
    run = video.runs.get()
    assert cancel(run)
    work()
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.CANCELLED and run.frames_done == 0
    assert not Person.objects.exists()


def test_job_timeout_ends_the_run_as_failed(alice, settings):
    settings.ANALYSIS_TIMEOUT_BASE_S = 1
    settings.ANALYSIS_TIMEOUT_PER_VIDEO_S = 0
    video = upload_clip(alice, "WolfgangLanger_Pexels.mp4")
    # Every frame: long enough to outlast the 1 s limit even on a warm pool.
    AnalysisRun.objects.filter(video=video).update(sample_fps=None)
    work()
    run = video.runs.get()
    assert run.status == AnalysisRun.Status.FAILED
    assert "time limit" in run.error
    assert not Person.objects.exists()


def test_run_whose_worker_was_killed_is_failed_not_left_processing(alice):
    video = upload_clip(alice, "single_face.mp4")
    run = video.runs.get()
    # What rq records when a work horse is killed: the run is "running", its job failed.
    AnalysisRun.objects.filter(pk=run.pk).update(status=AnalysisRun.Status.RUNNING, heartbeat_at=timezone.now())
    Person.objects.create(run=run, track_key=1)  # partial results of the dead job
    job = Job.fetch(run.rq_job_id, connection=django_rq.get_connection("default"))
    job.set_status(JobStatus.FAILED)
    reap_lost_runs()  # what rq cron runs every ANALYSIS_REAP_INTERVAL_S (tests/test_reaper.py)
    progress = alice.get(reverse("analysis:progress", args=[video.pk])).json()
    assert progress["status"] == "failed" and "stopped" in progress["error"]
    assert not Person.objects.filter(run=run).exists()


def test_run_without_heartbeat_is_failed_as_stale(alice, settings):
    video = upload_clip(alice, "single_face.mp4")
    run = video.runs.get()
    django_rq.get_queue("default").empty()
    AnalysisRun.objects.filter(pk=run.pk).update(
        status=AnalysisRun.Status.RUNNING, rq_job_id="", heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    reap_lost_runs()
    page = alice.get(reverse("videos:list")).content.decode()
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.FAILED and "stopped responding" in run.error
    assert "stopped responding" in page


def test_a_killed_ray_worker_is_reported_in_words():
    import ray

    from analysis.core.pipeline import analyze_video
    from analysis.core.result_formats import CollectingSink
    from analysis.core.segment_analyzer import AnalyzerConfig
    from analysis.core.video_source import probe
    from analysis.runs.jobs import describe_failure
    from analysis.runs.ray_executor import RayExecutor

    path = str(VIDEOS / "single_face.mp4")
    with RayExecutor(AnalyzerConfig(), workers=1) as executor:
        ray.kill(executor.actors[0])
        with pytest.raises(Exception) as raised:
            analyze_video(path, probe(path), 5.0, executor, CollectingSink())
    assert describe_failure(raised.value) == "An analysis worker stopped unexpectedly (it may have run out of memory)."


def test_launch_names_the_job_and_the_web_never_loads_ray():
    """launch.RUN_ANALYSIS is the job itself, by name: web processes, which only enqueue it, do not load Ray."""
    from rq.utils import import_attribute

    from analysis.runs import jobs, launch

    assert import_attribute(launch.RUN_ANALYSIS) is jobs.run_analysis
    web = (
        "import os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'emotion_site.settings'; import django; "
        "django.setup(); import emotion_site.urls, analysis.admin; "
        "print(sorted(m for m in ('ray', 'face_recognition', 'dlib') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", web], capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.strip() == "[]"


def test_a_time_limit_striking_inside_a_database_call_is_told_as_the_time_limit():
    from django.db import DatabaseError
    from rq.timeouts import JobTimeoutException

    from analysis.runs.jobs import describe_failure

    try:
        try:
            raise JobTimeoutException("Task exceeded maximum timeout value (1 seconds)")
        except JobTimeoutException as timeout:
            raise DatabaseError("canceling statement") from timeout
    except DatabaseError as error:
        assert "time limit" in describe_failure(error)
