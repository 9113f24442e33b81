"""`make run` (bin/run-local, which runs emotion_site/stack.py) for real: it starts Redis, a Ray head,
the rq worker, rq's cron, the reaper's worker and gunicorn on free ports, restarts an rq worker
killed with SIGKILL, and stops cleanly every time: exit status 0 on Ctrl-C or SIGTERM, no process
left, every port free for the next start."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from emotion_site.stack import CRON_CONFIG, free_port

ROOT = Path(__file__).resolve().parents[1]


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


def run_local_env(tmp_path: Path) -> dict[str, str]:
    """bin/run-local's environment: free ports, SQLite and its state in tmp_path."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "RAY_ADDRESS"}}
    env.update(
        HOST="127.0.0.1",
        PORT=str(free_port()),
        EMBEDDED_REDIS_PORT=str(free_port()),
        RAY_PORT=str(free_port()),
        EMOTION_VAR_DIR=str(tmp_path / "var"),
        MEDIA_ROOT=str(tmp_path / "media"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    return env


def start_run_local(env: dict[str, str], output: Path) -> subprocess.Popen:
    """bin/run-local as a terminal starts it: the leader of its own process group."""
    with output.open("ab") as log:
        return subprocess.Popen(
            [str(ROOT / "bin" / "run-local")],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def leave_nothing_running(process: subprocess.Popen) -> None:
    """After a test that failed half-way: stop run-local, or kill it and all it started."""
    if process.poll() is not None:
        return
    children = descendants(process.pid)
    process.terminate()
    try:
        process.wait(40)
    except subprocess.TimeoutExpired:
        for child in [process, *children]:
            with contextlib.suppress(OSError):
                os.killpg(child.pid, signal.SIGKILL)
        process.wait()


@pytest.fixture
def run_local(tmp_path):
    """bin/run-local on free ports, with SQLite and its state in tmp_path."""
    env = run_local_env(tmp_path)
    output = tmp_path / "run-local.log"
    process = start_run_local(env, output)
    process.url = f"http://127.0.0.1:{env['PORT']}"
    process.output = output
    process.env = env
    yield process
    leave_nothing_running(process)


def test_run_local_restarts_a_killed_rq_worker_and_stops_every_child(run_local):
    output = run_local.output
    wait_until(lambda: answers(f"{run_local.url}/accounts/login/"), 90, "serving the login page", output)
    children = descendants(run_local.pid)
    commands = " ".join(command_line(p) for p in children)
    for name in ("redis-server", "gcs_server", "raylet", "gunicorn", "rqworker default", "rqworker maintenance"):
        assert name in commands, name
    assert "rqworker copies" in commands  # blurred copies: a worker of their own
    # What listens where: the web and the embedded Redis on loopback only (Ray's own servers are in the README).
    for name, port in (("gunicorn", run_local.env["PORT"]), ("redis-server", run_local.env["EMBEDDED_REDIS_PORT"])):
        addresses = listening_addresses([p for p in children if name in command_line(p)])
        assert addresses and {host for host, _ in addresses} == {"127.0.0.1"}, (name, addresses)
        assert int(port) in {listened for _, listened in addresses}
    assert f"rqcron {CRON_CONFIG}" in commands
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
    assert run_local.returncode == 0  # a stop asked for is no failure
    assert not still_running(children)
    # Nothing of it is left under another parent either (Ray daemons, gunicorn workers...).
    marks = (ray_temp_dir, f"={run_local.env['RAY_PORT']}", run_local.env["EMOTION_VAR_DIR"])
    leftovers = [command_line(p) for p in psutil.process_iter() if any(m in command_line(p) for m in marks)]
    assert not leftovers
    assert not Path(ray_temp_dir).exists()
    assert "run-local: stopped." in output.read_text()


def listening_addresses(processes: list[psutil.Process]) -> set[tuple[str, int]]:
    addresses = set()
    for process in processes:
        with contextlib.suppress(psutil.Error):
            connections = process.net_connections("inet")
            addresses |= {(c.laddr.ip, c.laddr.port) for c in connections if c.status == psutil.CONN_LISTEN}
    return addresses


def listening_ports(processes: list[psutil.Process]) -> set[int]:
    ports = set()
    for process in processes:
        with contextlib.suppress(psutil.Error):
            ports |= {c.laddr.port for c in process.net_connections("inet") if c.status == psutil.CONN_LISTEN}
    return ports


def port_taken(port: int) -> bool:
    """Whether a server could not listen on the port now (it sets SO_REUSEADDR, as gunicorn does)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("0.0.0.0", port))
        except OSError:
            return True
    return False


def held_by_us(port: int, processes: list[psutil.Process], marks: tuple[str, ...]) -> bool:
    """Whether what listens on the port is one of `processes`, or names one of our paths (a Ray
    process started after we looked). Another's process (a Ray head beside ours, that took a port
    ours freed) is not: this machine is shared."""
    holders = [c.pid for c in psutil.net_connections("inet") if c.laddr.port == port and c.status == "LISTEN"]
    for pid in holders:
        with contextlib.suppress(psutil.Error):
            holder = psutil.Process(pid) if pid else None
            if holder is None or holder in processes or any(mark in command_line(holder) for mark in marks):
                return True
    return not holders  # unknown: count it as ours


def ray_temp_dirs(processes: list[psutil.Process]) -> list[str]:
    lines = [p.cmdline() for p in processes if "ray start --head" in command_line(p)]
    return [line[line.index("--temp-dir") + 1] for line in lines]


def gunicorn_up(pid: int, output: Path) -> list[psutil.Process]:
    """Its processes, once run-local said it runs and gunicorn's master and 2 workers are there."""
    if "is running at" not in output.read_text():
        return []
    processes = descendants(pid)
    return processes if sum("gunicorn" in command_line(p) for p in processes) >= 3 else []


# Ctrl-C in a terminal (SIGINT to the whole foreground group, run-local being its leader), and SIGTERM.
STOPS = [("Ctrl-C", lambda p: os.killpg(p.pid, signal.SIGINT)), ("SIGTERM", lambda p: p.send_signal(signal.SIGTERM))]


@dataclass
class Run:
    """One start and stop of run-local: what it ran and listened on while up, how long it took."""

    process: subprocess.Popen
    processes: list[psutil.Process]  # its descendants while up
    ports: set[int]
    marks: tuple[str, ...]  # paths in the command lines of its processes
    up_s: float
    stop_s: float


def start_and_stop(env: dict[str, str], output: Path, stop) -> Run:
    output.write_text("")
    started = time.monotonic()
    process = start_run_local(env, output)
    try:
        processes = wait_until(lambda: gunicorn_up(process.pid, output), 120, "up", output)
        up_s = time.monotonic() - started
        ports = listening_ports(processes) | {int(env[name]) for name in ("PORT", "EMBEDDED_REDIS_PORT", "RAY_PORT")}
        marks = (env["EMOTION_VAR_DIR"], *ray_temp_dirs(processes))
        stopping = time.monotonic()
        stop(process)
        process.wait(60)
    finally:
        leave_nothing_running(process)
    return Run(process, processes, ports, marks, up_s, time.monotonic() - stopping)


@pytest.mark.slow
def test_run_local_stops_cleanly_every_time(tmp_path):
    """Started and stopped 10 times on the same ports: each stop exits 0, reports no crash, and
    leaves no process it started and no port it listened on (the next start needs them)."""
    env = run_local_env(tmp_path)
    output = tmp_path / "run-local.log"
    runs = []
    for attempt in range(10):
        how, stop = STOPS[1] if attempt % 3 == 2 else STOPS[0]
        run = start_and_stop(env, output, stop)
        runs.append(run)
        said = output.read_text()
        where = f"start {attempt + 1}, stopped with {how}; run-local said:\n{said[-3000:]}"
        assert run.process.returncode == 0, where
        assert "run-local: stopped." in said and "exited with status" not in said, where
        assert not still_running(run.processes), where
        held = [port for port in sorted(run.ports) if port_taken(port) and held_by_us(port, run.processes, run.marks)]
        assert not held, where
    ups, stops = [run.up_s for run in runs], [run.stop_s for run in runs]
    print(
        f"\n10 starts and stops: up in {min(ups):.1f}-{max(ups):.1f} s, "
        f"stopped in {min(stops):.1f}-{max(stops):.1f} s (mean {sum(stops) / len(stops):.1f} s)"
    )


def test_free_ports_are_never_handed_out_twice():
    # The kernel may answer a port again once its probe is closed and nobody has bound it yet: a Ray head once
    # got the same port for --port and --ray-client-server-port. This process never hands one out twice.
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
