"""Load: several users at once upload real clips and watch their runs, against a whole stack started here.

    nice -n 5 .venv/bin/python -m bench.load                 # 5 users x 4 clips at 2 fps (a few minutes)
    .venv/bin/python -m bench.load --quick                   # 2 users x 2 clips at 1 fps
    .venv/bin/python -m bench.load --keep                    # keep the temp dir (database, media, logs)

Loopback only. The script starts its own stack in a temp dir, as `make run` (bin/run-local) starts
the app: a Ray head on a free port, a fresh database (SQLite in the temp dir, or
--database-url, which must hold no videos), 2 rq workers of the "default" queue, rq cron and the
"maintenance" worker (the lost-run reaper), gunicorn on 127.0.0.1; Redis is the one at --redis-url,
a private database that is flushed. Each user logs in with its own HTTP session; all upload at once,
then poll their list page, each video's progress and results page until their runs end. Then it
checks the database and the pages (see bench/README.md), prints the figures, tears everything down
(also on Ctrl-C or an error) and exits non-zero if a check failed.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import psutil
import redis
import requests
from rq import Worker

from bench.common import LOG_DIR, PROJECT_ROOT, BenchError, bench_env, data_file, machine_header, manage_py
from emotion_site.stack import MiB, Process, free_port, kill_now, kill_ray_leftovers, log_tail, port_open
from emotion_site.stack import Stack as AppStack

CLIPS = ("single_face.mp4", "no_face.mp4", "short_hamilton_clip.mp4", "face_noface.mov")
CONTENT_TYPES = {".mp4": "video/mp4", ".mov": "video/quicktime"}
SAMPLING_CHOICES = ("1", "2", "5", "10", "all")  # analysis.pages.upload_form.SAMPLING_CHOICES
FINAL = {"succeeded", "failed", "cancelled"}
PAGE_KINDS = ("upload", "list", "progress", "results")


# --------------------------------------------------------------------------- the stack


def indented(message: str) -> None:
    print(f"  {message}", flush=True)


class Stack:
    """The app's processes, started and stopped by emotion_site.stack as `make run` does (each in its
    own process group, so Ctrl-C reaches us only), logging to ROOT/logs/ROLE.log."""

    def __init__(self, args: argparse.Namespace, root: Path):
        self.args = args
        self.root = root
        self.logs = root / "logs"
        self.logs.mkdir(parents=True)
        var = root / "var"
        (var / "uploads").mkdir(parents=True)
        self.ray_temp = root / "ray"  # short: Ray keeps Unix sockets under it
        self.port = args.port or free_port()
        self.ray_port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.peak_rss: dict[str, int] = defaultdict(int)
        env = bench_env()  # no RAY_ADDRESS, quiet TensorFlow, no Ray usage stats
        for name in ("DATABASE_URL", "AWS_STORAGE_BUCKET_NAME", "HTTPS", "SECRET_KEY", "MEDIA_ROOT", "RAY_AUTH_TOKEN"):
            env.pop(name, None)
        env.update(
            EMOTION_VAR_DIR=str(var),
            MEDIA_ROOT=str(var / "media"),
            FILE_UPLOAD_TEMP_DIR=str(var / "uploads"),
            REDIS_URL=args.redis_url,
            SECRET_KEY=secrets.token_urlsafe(50),
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            USER_MAX_ACTIVE_RUNS="100",  # a per-user cap on active runs must not hold the load back
            PYTHONUNBUFFERED="1",
        )
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        self.app = AppStack(env, logs=self.logs, say=indented)
        self.env = self.app.env  # the same: the Ray head's address and token are added to it

    @property
    def processes(self) -> dict[str, Process]:
        return self.app.children

    def check_alive(self) -> None:
        for role in self.app.exited():
            process = self.processes[role]
            raise BenchError(f"{role} exited with status {process.status}; its log ends:\n{log_tail(process.log)}")

    def wait_until(self, what: str, ready, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while not ready():
            self.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"{what} not ready after {timeout_s:.0f} s (logs in {self.logs})")
            time.sleep(0.2)

    def manage(self, name: str, *args: str, extra_env: dict | None = None) -> str:
        """A manage.py command to its end; its stdout (also kept in logs/NAME.log)."""
        result = subprocess.run(
            manage_py(*args), cwd=PROJECT_ROOT, env={**self.env, **(extra_env or {})}, capture_output=True, text=True
        )
        (self.logs / f"{name}.log").write_text(result.stdout + result.stderr)
        if result.returncode:
            raise BenchError(
                f"manage.py {args[0]} failed ({result.returncode}):\n{log_tail(self.logs / f'{name}.log')}"
            )
        return result.stdout

    def shell(self, name: str, code: str, **extra_env: str) -> dict:
        """Python run in `manage.py shell`; it prints one JSON document as its last line."""
        out = self.manage(name, "shell", "--no-imports", "-c", code, extra_env=extra_env)
        return json.loads(out.strip().splitlines()[-1])

    def up(self, users: list[str], password: str) -> None:
        connection = redis.Redis.from_url(self.args.redis_url)
        try:
            connection.flushdb()
        except redis.RedisError as error:
            raise BenchError(f"Redis at {self.args.redis_url} is not reachable: {error}") from error
        # As make run: free side ports, token auth, no draining on SIGTERM, a small object store.
        self.app.start_ray_head(self.ray_port, num_cpus=os.cpu_count() or 1, temp_dir=self.ray_temp, wait=False)
        self.manage("migrate", "migrate", "--noinput")  # while Ray starts
        fresh = self.shell(
            "create-users",
            CREATE_USERS,
            LOAD_USERS=json.dumps(users),
            LOAD_PASSWORD=password,
        )
        if fresh["videos"] or fresh["taken"]:
            raise BenchError(
                f"The database is not fresh ({fresh['videos']} videos, users {fresh['taken']}): "
                "give an empty one (--database-url)."
            )
        self.wait_until("the Ray head", lambda: port_open(self.ray_port))
        for i in range(1, self.args.rq_workers + 1):
            self.app.start_rq_worker(f"rq-worker-{i}", "default")
        self.app.start_cron()
        self.app.start_rq_worker("reaper", "maintenance")
        self.app.start_web(
            "127.0.0.1", self.port, workers=self.args.web_workers, threads=self.args.web_threads, wait=False
        )
        self.wait_until("gunicorn", self.login_page_ok)
        self.wait_until("the rq workers", lambda: self.workers_listening(connection))

    def login_page_ok(self) -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{self.base_url}/accounts/login/", timeout=5).status_code == 200
        return False

    def workers_listening(self, connection: redis.Redis) -> bool:
        queues = [name for worker in Worker.all(connection=connection) for name in worker.queue_names()]
        return queues.count("default") >= self.args.rq_workers and "maintenance" in queues

    def sample_rss(self) -> None:
        """Each role's process tree: the peak of its summed RSS (shared pages counted in every process)."""
        for role, process in self.processes.items():
            with contextlib.suppress(psutil.Error):
                parent = psutil.Process(process.pid)
                total = 0
                for p in [parent, *parent.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                self.peak_rss[role] = max(self.peak_rss[role], total)

    def down(self) -> None:
        """The app's processes, then the Ray head; a second Ctrl-C kills what is left at once."""
        try:
            self.app.stop()
        except KeyboardInterrupt:
            kill_now(self.processes.values())
            kill_ray_leftovers(self.ray_temp)
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(self.args.redis_url).flushdb()


CREATE_USERS = """
import json, os
from django.contrib.auth import get_user_model
from videos.models import Video
User = get_user_model()
names = json.loads(os.environ["LOAD_USERS"])
taken = sorted(User.objects.filter(username__in=names).values_list("username", flat=True))
videos = Video.objects.count()
if not taken and not videos:
    for name in names:
        User.objects.create_user(name, password=os.environ["LOAD_PASSWORD"])
print(json.dumps({"videos": videos, "taken": taken}))
"""

SNAPSHOT = """
import json
from analysis.models import AnalysisRun
from videos.models import Video
stamp = lambda t: t.timestamp() if t else None
videos = [
    {"id": v.id, "owner": v.owner.username, "title": v.title, "name": v.original_name, "duration_s": v.duration_s}
    for v in Video.objects.select_related("owner").order_by("id")
]
runs = [
    {"id": r.id, "video": r.video_id, "status": r.status, "error": r.error, "sample_fps": r.sample_fps,
     "frames": r.frames_done, "faces": r.faces_count, "persons": r.persons_count,
     "created": stamp(r.created_at), "started": stamp(r.started_at), "finished": stamp(r.finished_at)}
    for r in AnalysisRun.objects.order_by("id")
]
print(json.dumps({"videos": videos, "runs": runs}))
"""


# --------------------------------------------------------------------------- the users


@dataclass
class Recorder:
    """Every request's latency by page kind, and every unexpected answer."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    problems: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, session: requests.Session, kind: str, method: str, url: str, expect: int = 200, **kwargs):
        start = time.perf_counter()
        try:
            response = session.request(method, url, timeout=120, allow_redirects=False, **kwargs)
        except requests.RequestException as error:
            self.add(kind, time.perf_counter() - start, "error", f"{method} {url}: {type(error).__name__}: {error}")
            return None
        elapsed = time.perf_counter() - start
        problem = None if response.status_code == expect else f"{method} {url}: {response.status_code}, not {expect}"
        self.add(kind, elapsed, str(response.status_code), problem)
        return response

    def add(self, kind: str, seconds: float, status: str, problem: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if problem:
                self.problems.append(f"{kind}: {problem}")


class TitleLinks(HTMLParser):
    """The text of every link to a results page (/videos/N/): the list page's titles."""

    def __init__(self):
        super().__init__()
        self.titles: list[str] = []
        self._text: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a" and re.fullmatch(r"/videos/\d+/", dict(attrs).get("href") or ""):
            self._text = []

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._text is not None:
            self.titles.append(html.unescape("".join(self._text)).strip())
            self._text = None


def list_titles(page: str) -> list[str]:
    parser = TitleLinks()
    parser.feed(page)
    return parser.titles


def csrf_token(page: str, session: requests.Session) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1) if found else session.cookies.get("csrftoken", "")


@dataclass
class User:
    name: str
    clips: list[tuple[str, Path]]  # (title, clip)
    session: requests.Session = field(default_factory=requests.Session)
    videos: dict[int, str] = field(default_factory=dict)  # video id -> title
    final: dict[int, dict] = field(default_factory=dict)  # video id -> its last progress document
    first_upload: float | None = None
    last_upload: float | None = None
    rounds: int = 0
    error: str | None = None


def log_in(user: User, base: str, password: str, recorder: Recorder) -> None:
    page = recorder.request(user.session, "login", "GET", f"{base}/accounts/login/")
    token = csrf_token(page.text if page is not None else "", user.session)
    data = {"username": user.name, "password": password, "csrfmiddlewaretoken": token}
    response = recorder.request(user.session, "login", "POST", f"{base}/accounts/login/", expect=302, data=data)
    if response is None or response.status_code != 302 or "sessionid" not in user.session.cookies:
        raise BenchError(f"{user.name} could not log in ({response.status_code if response else 'no answer'})")


def user_thread(user, base, args, recorder, start: threading.Barrier, deadline: float, progress: dict) -> None:
    try:
        start.wait()
        user.first_upload = time.time()
        for title, clip in user.clips:
            form = recorder.request(user.session, "upload form", "GET", f"{base}/videos/upload/")
            token = csrf_token(form.text if form is not None else "", user.session)
            data = {"title": title, "sampling": args.sampling, "csrfmiddlewaretoken": token}
            with clip.open("rb") as f:
                files = {"file": (clip.name, f, CONTENT_TYPES.get(clip.suffix, "application/octet-stream"))}
                response = recorder.request(
                    user.session, "upload", "POST", f"{base}/videos/upload/", expect=302, data=data, files=files
                )
            found = re.fullmatch(r"/videos/(\d+)/", response.headers.get("Location", "")) if response else None
            if found:
                user.videos[int(found.group(1))] = title
        user.last_upload = time.time()
        pending = set(user.videos)
        while True:
            user.rounds += 1
            recorder.request(user.session, "list", "GET", f"{base}/videos/")
            for video in user.videos:
                response = recorder.request(user.session, "progress", "GET", f"{base}/videos/{video}/progress.json")
                if response is not None and response.status_code == 200:
                    document = response.json()
                    progress[video] = document.get("status")
                    if document.get("status") in FINAL:
                        user.final[video] = document
                        pending.discard(video)
            for video in user.videos:
                recorder.request(user.session, "results", "GET", f"{base}/videos/{video}/")
            if not pending:
                return
            if time.time() > deadline:
                user.error = f"{len(pending)} run(s) not finished within --timeout"
                return
            time.sleep(args.poll_interval)
    except Exception as error:  # reported with the checks
        user.error = f"{type(error).__name__}: {error}"


# --------------------------------------------------------------------------- figures and checks


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between the closest ranks (as numpy's default)."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def scan_logs(logs: Path, roles) -> dict[str, list[str]]:
    """Tracebacks and ERROR lines in the app's logs, and 5xx answers in gunicorn's access log."""
    found: dict[str, list[str]] = {}
    for role in roles:
        path = logs / f"{role}.log"
        if not path.exists():
            continue
        lines = path.read_text(errors="replace").splitlines()
        hits = [
            line
            for i, line in enumerate(lines)
            if line.startswith("Traceback")
            or " ERROR " in line
            or line.startswith("ERROR")
            or (role == "web" and re.search(r'HTTP/1\.[01]" 5\d\d ', line))
            or (i > 0 and lines[i - 1].startswith("Traceback"))
        ]
        if hits:
            found[role] = hits
    return found


class Checks:
    def __init__(self):
        self.results: list[tuple[bool, str, list[str]]] = []

    def add(self, ok: bool, label: str, details: list[str] | None = None) -> None:
        self.results.append((ok, label, details or []))

    @property
    def passed(self) -> bool:
        return all(ok for ok, _, _ in self.results)

    def print(self) -> None:
        print("\nchecks")
        for ok, label, details in self.results:
            print(f"  [{'ok' if ok else 'FAIL'}] {label}")
            for line in details[:20]:
                print(f"         {line}")
            if len(details) > 20:
                print(f"         ... and {len(details) - 20} more")


def check_pages(users: list[User], base: str, recorder: Recorder, checks: Checks) -> None:
    """Each user's list shows exactly their titles; another user's results and progress are 404."""
    all_titles = {title for user in users for title, _ in user.clips}
    wrong = []
    for user in users:
        response = recorder.request(user.session, "check", "GET", f"{base}/videos/")
        shown = list_titles(response.text) if response is not None else []
        own = sorted(title for title, _ in user.clips)
        if sorted(shown) != own:
            foreign = sorted(set(shown) & (all_titles - set(own)))
            wrong.append(f"{user.name}: shows {sorted(shown)}, expected {own}; another's: {foreign or 'none'}")
    checks.add(not wrong, f"each user's list page shows exactly their {len(users[0].clips)} titles", wrong)

    wrong = []
    tried = 0
    for i, user in enumerate(users):
        others = [other for other in users if other is not user and other.videos]
        if not others:
            continue
        other = others[i % len(others)]
        video = min(other.videos)
        for kind, path in (("results", f"/videos/{video}/"), ("progress", f"/videos/{video}/progress.json")):
            tried += 1
            response = recorder.request(user.session, "check", "GET", f"{base}{path}", expect=404)
            status = response.status_code if response is not None else "no answer"
            if status != 404:
                wrong.append(f"{user.name} GET {path} ({other.name}'s {kind}): {status}")
    checks.add(
        tried > 0 and not wrong, f"another user's results page and progress: 404 ({tried - len(wrong)}/{tried})", wrong
    )


def check_database(snapshot: dict, users: list[User], checks: Checks) -> None:
    expected = {(user.name, title) for user in users for title, _ in user.clips}
    videos, runs = snapshot["videos"], snapshot["runs"]
    stored = [(v["owner"], v["title"]) for v in videos]
    failed = [r for r in runs if r["status"] != "succeeded"]
    by_video = {v["id"]: v for v in videos}
    checks.add(
        not failed and len(runs) == len(expected),
        f"every run succeeded ({len(runs) - len(failed)}/{len(runs)})",
        [
            f"run {r['id']} ({by_video.get(r['video'], {}).get('title', r['video'])}): {r['status']}: {r['error']}"
            for r in failed
        ],
    )
    runs_per_video = defaultdict(int)
    for r in runs:
        runs_per_video[r["video"]] += 1
    problems = []
    if len(videos) != len(expected):
        problems.append(f"{len(videos)} videos, expected {len(expected)}")
    if set(stored) != expected or len(set(stored)) != len(stored):
        missing = sorted(expected - set(stored))
        extra = sorted({s for s in stored if stored.count(s) > 1 or s not in expected})
        problems.append(f"missing {missing or 'none'}; duplicated or unexpected {extra or 'none'}")
    succeeded = sum(r["status"] == "succeeded" for r in runs)
    if succeeded != len(expected):
        problems.append(f"{succeeded} succeeded runs, expected {len(expected)}")
    odd = {video: n for video, n in runs_per_video.items() if n != 1}
    odd.update({v["id"]: 0 for v in videos if v["id"] not in runs_per_video})
    if odd:
        problems.append(f"videos without exactly one run (video id: runs): {odd}")
    checks.add(
        not problems,
        f"{len(expected)} videos and {len(expected)} succeeded runs in the database, one run per video, "
        "owners and titles as uploaded",
        problems,
    )


def print_latencies(recorder: Recorder) -> dict:
    print("\nlatency by page kind (all users; polling until each user's runs ended)")
    print(f"  {'page':12} {'requests':>8} {'not as expected':>15} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    figures = {}
    expected = {"upload": "302"}
    for kind in PAGE_KINDS:
        values = recorder.latencies.get(kind, [])
        if not values:
            continue
        statuses = recorder.statuses[kind]
        bad = sum(n for status, n in statuses.items() if status != expected.get(kind, "200"))
        p50, p95, top = (percentile(values, q) * 1000 for q in (0.5, 0.95, 1.0))
        print(f"  {kind:12} {len(values):8d} {bad:15d} {p50:8.0f} {p95:8.0f} {top:8.0f}")
        figures[kind] = {"requests": len(values), "unexpected": bad, "p50_ms": p50, "p95_ms": p95, "max_ms": top}
        figures[kind]["statuses"] = dict(statuses)
    return figures


def print_throughput(snapshot: dict, users: list[User], clip_seconds: dict[str, float]) -> dict:
    videos = {v["id"]: v for v in snapshot["videos"]}
    runs = [r for r in snapshot["runs"] if r["finished"]]
    if not runs or not any(u.first_upload for u in users):
        print("\nno run finished: no throughput figures")
        return {}
    first_upload = min(u.first_upload for u in users if u.first_upload)
    last_upload = max(u.last_upload for u in users if u.last_upload)
    last_finished = max((r["finished"] for r in runs), default=None)
    wall = (last_finished - first_upload) if last_finished else float("nan")
    total_video = sum(videos[r["video"]]["duration_s"] for r in runs if r["video"] in videos)
    total_frames = sum(r["frames"] for r in runs)
    print(
        f"\nwall time, first upload to last run finished: {wall:.1f} s "
        f"(the uploads took {last_upload - first_upload:.1f} s)"
    )
    print(
        f"  {len(runs)} runs, {total_video:.1f} s of video, {total_frames} frames analysed: "
        f"{total_video / wall:.2f}x realtime, {total_frames / wall:.2f} frames/s, "
        f"{len(runs) / wall * 60:.1f} clips/min over the whole stack"
    )
    print("\nper clip (its runs; queued = created to started, analysis = started to finished, shared machine)")
    print(
        f"  {'clip':24} {'video s':>7} {'runs':>4} {'frames':>6} {'faces':>5} {'queued s':>9} "
        f"{'analysis s (min-max)':>21} {'realtime':>8} {'frames/s':>8}"
    )
    figures = {"wall_s": wall, "uploads_s": last_upload - first_upload, "video_s": total_video, "frames": total_frames}
    per_clip = {}
    for clip in clip_seconds:
        mine = [r for r in runs if r["video"] in videos and videos[r["video"]]["name"] == clip and r["started"]]
        if not mine:
            continue
        analysis = [r["finished"] - r["started"] for r in mine]
        queued = [r["started"] - r["created"] for r in mine]
        mean_analysis = sum(analysis) / len(analysis)
        frames = mine[0]["frames"]
        faces = round(sum(r["faces"] for r in mine) / len(mine))
        span = f"{mean_analysis:.1f} ({min(analysis):.1f}-{max(analysis):.1f})"
        print(
            f"  {clip:24} {clip_seconds[clip]:7.1f} {len(mine):4d} {frames:6d} {faces:5d} "
            f"{sum(queued) / len(queued):9.1f} {span:>21} {clip_seconds[clip] / mean_analysis:7.2f}x "
            f"{frames / mean_analysis:8.2f}"
        )
        per_clip[clip] = {"runs": len(mine), "frames": frames, "analysis_s": analysis, "queued_s": queued}
    figures["per_clip"] = per_clip
    return figures


# --------------------------------------------------------------------------- the run


def load(args: argparse.Namespace, stack: Stack, figures: dict) -> bool:
    clip_paths = [data_file(f"videos/{name}") for name in CLIPS]
    names = [f"user{i}" for i in range(1, args.users + 1)]
    password = secrets.token_urlsafe(16)
    users = [
        User(name, [(f"{name} clip {j + 1}", clip_paths[j % len(clip_paths)]) for j in range(args.clips_per_user)])
        for name in names
    ]
    database = "DATABASE_URL" if args.database_url else f"SQLite in {stack.root}/var"
    print(f"starting the stack in {stack.root} ({database}) ...", flush=True)
    started = time.monotonic()
    stack.up(names, password)
    print(
        f"  up in {time.monotonic() - started:.0f} s: Ray head 127.0.0.1:{stack.ray_port} ({os.cpu_count()} CPUs), "
        f"{args.rq_workers} rq workers (default), rq cron + maintenance worker, "
        f"gunicorn {stack.base_url} ({args.web_workers} workers x {args.web_threads} threads), "
        f"Redis {args.redis_url} (flushed)",
        flush=True,
    )

    recorder = Recorder()
    for user in users:
        log_in(user, stack.base_url, password, recorder)
    total = args.users * args.clips_per_user
    print(
        f"{args.users} users logged in; each uploads {args.clips_per_user} clips at sampling {args.sampling} "
        f"({total} uploads), then polls every {args.poll_interval:g} s",
        flush=True,
    )
    barrier = threading.Barrier(len(users))
    deadline = time.time() + args.timeout
    progress: dict[int, str] = {}
    threads = [
        threading.Thread(
            target=user_thread, args=(u, stack.base_url, args, recorder, barrier, deadline, progress), daemon=True
        )
        for u in users
    ]
    for thread in threads:
        thread.start()
    dead_role = None
    last_report = time.monotonic()
    while any(thread.is_alive() for thread in threads):
        time.sleep(1.0)
        stack.sample_rss()
        if dead_role is None:
            dead_role = next((r for r, p in stack.processes.items() if p.poll() is not None), None)
            if dead_role:
                print(f"  ! {dead_role} exited with status {stack.processes[dead_role].returncode}", flush=True)
        if time.monotonic() - last_report >= 15:
            last_report = time.monotonic()
            states = list(progress.values())
            counts = ", ".join(f"{states.count(s)} {s}" for s in ("queued", "running", "succeeded", "failed"))
            print(f"  {time.time() - min(u.first_upload or time.time() for u in users):5.0f} s: {counts}", flush=True)

    snapshot = stack.shell("snapshot", SNAPSHOT)
    checks = Checks()
    upload_failures = [p for p in recorder.problems if p.startswith("upload")]
    accepted = sum(len(u.videos) for u in users)
    checks.add(
        accepted == total and not upload_failures,
        f"{accepted}/{total} uploads accepted (302 to their results page)",
        upload_failures,
    )
    check_database(snapshot, users, checks)
    user_errors = [f"{u.name}: {u.error}" for u in users if u.error]
    polling = [p for p in recorder.problems if not p.startswith(("upload", "check"))]
    checks.add(
        not polling and not user_errors,
        "every page answered 200 while polling, and every user saw their runs end",
        user_errors + polling,
    )
    check_pages(users, stack.base_url, recorder, checks)
    checks.add(dead_role is None, "every process of the stack stayed up", [dead_role] if dead_role else [])
    stack.sample_rss()
    logged = scan_logs(stack.logs, [r for r in stack.processes if r != "ray-head"])
    checks.add(
        not logged,
        "no traceback, ERROR line or 5xx in the logs of gunicorn, the rq workers, cron and the reaper",
        [f"{role}.log: {line}" for role, lines in logged.items() for line in lines],
    )

    figures["latency"] = print_latencies(recorder)
    clip_seconds = {}
    for v in snapshot["videos"]:
        clip_seconds.setdefault(v["name"], v["duration_s"])
    figures["throughput"] = print_throughput(snapshot, users, clip_seconds)
    rounds = [u.rounds for u in users]
    print(
        f"  polling rounds per user: {min(rounds)}-{max(rounds)} (a round: list, then each video's progress, results)"
    )
    peaks = {role: rss / MiB for role, rss in stack.peak_rss.items()}
    web = peaks.get("web", 0)
    workers = sum(mib for role, mib in peaks.items() if role.startswith("rq-worker"))
    print(
        f"  peak RSS (summed per process tree, sampled every ~1 s): gunicorn {web:.0f} MiB, "
        f"rq workers {workers:.0f} MiB, Ray head with its actors {peaks.get('ray-head', 0):.0f} MiB"
    )
    figures["peak_rss_mib"] = peaks
    checks.print()
    figures["checks"] = [{"ok": ok, "check": label, "details": details} for ok, label, details in checks.results]
    return checks.passed


def interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description="Load: users upload real clips at once against a stack started here.")
    parser.add_argument("--users", type=int, default=5, help="users uploading at once (default 5)")
    parser.add_argument("--clips-per-user", type=int, default=4, help=f"uploads per user, from {', '.join(CLIPS)}")
    parser.add_argument("--sampling", choices=SAMPLING_CHOICES, default="2", help="the upload form's frames per second")
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="seconds between a user's polling rounds")
    parser.add_argument("--timeout", type=float, default=1200, help="give up on unfinished runs after this (s)")
    parser.add_argument("--rq-workers", type=int, default=2, help="rq workers of the default queue (default 2)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (default 2, as make run)")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7", help="a private Redis db; it is flushed")
    parser.add_argument(
        "--database-url",
        default=None,
        help="an empty database to use instead of a fresh SQLite in the temp dir (it is left with the bench's users)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, media, logs)")
    parser.add_argument("--quick", action="store_true", help="2 users x 2 clips at 1 fps")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures as JSON")
    args = parser.parse_args()
    if args.quick:
        args.users, args.clips_per_user, args.sampling = 2, 2, "1"
    if args.users < 2 or args.clips_per_user < 1:
        parser.error("at least 2 users (the cross-user check) and 1 clip each")

    # SIGTERM stops the run as Ctrl-C does: the stack is torn down on the way out.
    signal.signal(signal.SIGTERM, interrupt)
    figures: dict = {
        "machine": machine_header("bench/load.py"),
        "args": {k: str(v) for k, v in vars(args).items() if k != "database_url"},
    }
    root = Path(tempfile.mkdtemp(prefix="emotion-load-"))
    stack = None
    passed = False
    try:
        stack = Stack(args, root)
        passed = load(args, stack, figures)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    finally:
        if stack is not None:
            print("\nstopping the stack ...", flush=True)
            started = time.monotonic()
            stack.down()
            exits = ", ".join(f"{role} {process.returncode}" for role, process in stack.processes.items())
            print(f"  stopped in {time.monotonic() - started:.1f} s; exit statuses: {exits}")
            kept = LOG_DIR / "load"
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(stack.logs, kept)
            print(f"logs copied to {kept.relative_to(PROJECT_ROOT)}")
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
        print(f"wrote {args.json}")
    print("PASSED" if passed else "FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
