"""`make run` (bin/run-local) for real: it starts Redis, a Ray head, the rq worker, rq's cron, the
reaper's worker and gunicorn on free ports, restarts an rq worker killed with SIGKILL, and leaves
no process behind when it is stopped with SIGTERM."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def command_line(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
        return ""


def rq_workers(pid: int, queue: str) -> list[psutil.Process]:
    return [p for p in descendants(pid) if f"rqworker {queue}" in command_line(p)]


def still_running(processes: list[psutil.Process]) -> list[str]:
    """The processes among `processes` that still run (same pid and start time, not a zombie)."""
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid} {command_line(process)[:120]}")
        except psutil.NoSuchProcess:
            pass
    return left


def wait_until(condition, timeout_s: float, what: str, output: Path):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"not {what} after {timeout_s} s; run-local said:\n{output.read_text()[-4000:]}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture
def run_local(tmp_path):
    """bin/run-local on free ports, with SQLite and its state in tmp_path."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "RAY_ADDRESS"}}
    port = free_port()
    env.update(
        HOST="127.0.0.1",
        PORT=str(port),
        EMBEDDED_REDIS_PORT=str(free_port()),
        RAY_PORT=str(free_port()),
        EMOTION_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    output = tmp_path / "run-local.log"
    with output.open("wb") as log:
        process = subprocess.Popen(
            [str(ROOT / "bin" / "run-local")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    process.url = f"http://127.0.0.1:{port}"
    process.output = output
    process.env = env
    yield process
    if process.poll() is None:  # the test failed half-way: leave nothing running
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_run_local_restarts_a_killed_rq_worker_and_stops_every_child(run_local):
    output = run_local.output
    wait_until(lambda: answers(f"{run_local.url}/accounts/login/"), 90, "serving the login page", output)
    children = descendants(run_local.pid)
    commands = " ".join(command_line(p) for p in children)
    for name in ("redis-server", "gcs_server", "raylet", "gunicorn", "rqworker default", "rqworker maintenance"):
        assert name in commands, name
    assert "rqcron analysis.runs.schedule" in commands
    assert f"--port {run_local.env['RAY_PORT']}" in commands
    # The rq worker connects to the head that run-local started, and keeps one connection (SimpleWorker).
    (worker,) = rq_workers(run_local.pid, "default")
    assert worker.environ()["RAY_ADDRESS"] == f"127.0.0.1:{run_local.env['RAY_PORT']}"
    assert "--worker-class rq.worker.SimpleWorker" in command_line(worker)
    # ...and what the worker was given is enough to use it.
    connect = "import ray; ray.init(log_to_driver=False); print(int(ray.cluster_resources()['CPU']))"
    result = subprocess.run(
        [sys.executable, "-c", connect], env=worker.environ(), capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == str(len(os.sched_getaffinity(0))), result.stderr[-2000:]  # nproc

    worker.send_signal(signal.SIGKILL)
    replacement = wait_until(
        lambda: [p for p in rq_workers(run_local.pid, "default") if p.pid != worker.pid],
        15,
        "restarted the rq worker",
        output,
    )
    assert f"the rq-worker (pid {worker.pid}) exited with status 137; restarting it." in output.read_text()
    assert run_local.poll() is None and answers(f"{run_local.url}/accounts/login/")

    children = descendants(run_local.pid)
    assert replacement[0].pid in {p.pid for p in children}
    (head,) = [p for p in children if "ray start --head" in command_line(p)]
    ray_temp_dir = head.cmdline()[head.cmdline().index("--temp-dir") + 1]
    run_local.send_signal(signal.SIGTERM)
    run_local.wait(40)
    assert run_local.returncode != 0  # stopped by a signal
    assert not still_running(children)
    # Nothing of it is left under another parent either (Ray daemons, gunicorn workers...).
    marks = (ray_temp_dir, f"={run_local.env['RAY_PORT']}", run_local.env["EMOTION_VAR_DIR"])
    leftovers = [command_line(p) for p in psutil.process_iter() if any(m in command_line(p) for m in marks)]
    assert not leftovers
    assert not Path(ray_temp_dir).exists()
    assert "run-local: stopped." in output.read_text()
