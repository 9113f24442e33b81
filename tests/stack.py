"""The app as real processes, for end-to-end tests: a Ray head of its own, and manage.py processes (rq
workers, rq's cron) sharing one on-disk SQLite database, a Redis and that head. Started and stopped
with emotion_site/stack.py, as `make run` starts them; the settings here are the tests' (SQLite in
tmp_path, heartbeats of a second)."""

import json
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from emotion_site.stack import CRON_CONFIG, MiB, Process, free_port, manage_py, stop_processes
from emotion_site.stack import Stack as ProcessStack

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory):
    """A Ray head of our own (own temp dir, free ports, token auth), stopped with everything it started."""
    head = ProcessStack(dict(os.environ))
    log = tmp_path_factory.mktemp("ray-head") / "ray-head.log"
    yield head.start_ray_head(free_port(), num_cpus=1, object_store_bytes=256 * MiB, log=log)
    head.stop()


class Stack:
    """Real processes of the app sharing one on-disk SQLite database, a Redis and a Ray head."""

    def __init__(self, tmp_path: Path, redis_url: str, ray_env: dict[str, str]):
        self.db = tmp_path / "db.sqlite3"
        self.logs = tmp_path / "logs"
        self.logs.mkdir()
        self.processes: list[Process] = []
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
        result = subprocess.run(manage_py(*args), cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-3000:]
        return result.stdout

    def python(self, code: str) -> dict:
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def start(self, name: str, *args: str) -> Process:
        # A second SIGTERM stops an rq worker's job at once (rq's cold shutdown): a quick teardown.
        process = Process(
            manage_py(*args), role=name, env=self.env, log=self.logs / f"{name}.log", cold_stop=args[0] == "rqworker"
        )
        self.processes.append(process)
        self.commands[process.pid] = (name, *args)
        return process

    def worker(self, queue: str) -> Process:
        return self.start(f"rqworker-{queue}", "rqworker", queue, "--worker-class", "rq.worker.SimpleWorker")

    def cron(self) -> Process:
        return self.start("rqcron", "rqcron", CRON_CONFIG)

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
        stop_processes(self.processes, grace_s=20)
