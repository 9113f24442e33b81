"""The app as real processes, for end-to-end tests: a Ray head of its own, and manage.py processes (rq
workers, rq's cron) sharing one on-disk SQLite database, a Redis and that head."""

import json
import os
import secrets
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen, timeout_s: float = 20) -> None:
    """SIGTERM, then SIGKILL; with whatever it started."""
    if process.poll() is not None:
        return
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    process.terminate()
    try:
        process.wait(timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for child in children:
        try:
            child.wait(5)
        except psutil.TimeoutExpired:
            child.kill()
        except psutil.NoSuchProcess:
            pass


@pytest.fixture(scope="module")
def ray_head():
    """A Ray head of our own (own temp dir, free ports), stopped with everything it started."""
    temp_dir = tempfile.mkdtemp(prefix="emotion-ray-test.")
    port = free_port()
    # Token authentication, explicitly: Ray turns it on by itself when ~/.ray/auth_token exists.
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
    env = {**os.environ, **auth, "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0", "RAY_USAGE_STATS_ENABLED": "0"}
    command = [str(ROOT / ".venv" / "bin" / "ray"), "start", "--head", "--block", "--port", str(port)]
    command += ["--num-cpus", "1", "--include-dashboard=false", "--disable-usage-stats", "--temp-dir", temp_dir]
    command += ["--object-store-memory", str(256 * 1024**2)]
    command += ["--ray-client-server-port", str(free_port()), "--dashboard-agent-listen-port", str(free_port())]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            break
        except OSError:
            assert process.poll() is None, "ray start failed"
            time.sleep(0.2)
    yield {"RAY_ADDRESS": address, **auth}
    stop(process)
    subprocess.run(["rm", "-rf", temp_dir], check=False)


class Stack:
    """Real processes of the app sharing one on-disk SQLite database, a Redis and a Ray head."""

    def __init__(self, tmp_path: Path, redis_url: str, ray_env: dict[str, str]):
        self.db = tmp_path / "db.sqlite3"
        self.logs = tmp_path / "logs"
        self.logs.mkdir()
        self.processes: list[subprocess.Popen] = []
        self.commands: dict[int, tuple[str, ...]] = {}  # pid -> the name and arguments it was started with
        self.restarted: list[str] = []  # names of the processes that supervise() started again
        self.stopping = threading.Event()
        self.supervisor: threading.Thread | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DATABASE_URL": f"sqlite:///{self.db}",
            "REDIS_URL": redis_url,
            **ray_env,
            "EMOTION_VAR_DIR": str(tmp_path / "var"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "ANALYSIS_HEARTBEAT_S": "1",
            "ANALYSIS_STALE_AFTER_S": "6",
            "ANALYSIS_REAP_INTERVAL_S": "2",
            "ANALYSIS_WORKERS": "1",
        }
        self.manage("migrate", "--noinput", "-v", "0")

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def python(self, code: str) -> dict:
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def start(self, name: str, *args: str) -> subprocess.Popen:
        with (self.logs / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        self.commands[process.pid] = (name, *args)
        return process

    def worker(self, queue: str) -> subprocess.Popen:
        return self.start(f"rqworker-{queue}", "rqworker", queue, "--worker-class", "rq.worker.SimpleWorker")

    def supervise(self) -> None:
        """Start again whichever process exits, as production does (bin/run-local restarts a dead
        rq worker, cron or reaper; the compose file's services are `restart: unless-stopped`)."""

        def loop() -> None:
            while not self.stopping.wait(0.5):
                for process in [p for p in self.processes if p.poll() is not None]:
                    self.processes.remove(process)
                    name, *args = self.commands.pop(process.pid)
                    self.restarted.append(name)
                    self.start(name, *args)

        self.supervisor = threading.Thread(target=loop, name="stack-supervisor", daemon=True)
        self.supervisor.start()

    def run(self, run_id: int) -> dict:
        with sqlite3.connect(self.db, timeout=30) as connection:
            connection.row_factory = sqlite3.Row
            row = connection.execute("SELECT * FROM analysis_analysisrun WHERE id = ?", (run_id,)).fetchone()
        return dict(row) if row else {}

    def wait_for(self, run_id: int, condition, timeout_s: float, what: str) -> dict:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if condition(run := self.run(run_id)):
                return run
            time.sleep(0.2)
        logs = "\n".join(f"--- {p.name}\n{p.read_text()[-2500:]}" for p in sorted(self.logs.iterdir()))
        raise AssertionError(f"run {run_id} not {what} after {timeout_s} s: {self.run(run_id)}\n{logs}")

    def stop(self) -> None:
        self.stopping.set()
        if self.supervisor:
            self.supervisor.join()  # it starts nothing more
        for process in self.processes:
            stop(process)
