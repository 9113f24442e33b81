"""Uploads of a big real video (issue 21): tus in 8 MiB chunks against one multipart request, same file, same run.

    .venv/bin/python -m bench.upload                  # a ~2 GB video, each mode 3 times (a few minutes)
    .venv/bin/python -m bench.upload --quick          # a ~0.3 GB video, each mode once
    .venv/bin/python -m bench.upload --size-gb 1 --repeat 5 --json bench/out/upload.json

Loopback only. The video is a real clip (street_1080p.mp4) repeated by ffmpeg's concat demuxer with
stream copy until it reaches --size-gb, kept in bench/out/upload/ and reused. The bench starts its
own stack in a temp dir with emotion_site.stack: an embedded Redis and gunicorn on free ports,
SQLite; no Ray and no rq worker (the queued jobs stay in Redis). Then, taking turns, it uploads
the video with token auth:

  single   POST /api/videos/, multipart, one request streamed from disk in 1 MiB blocks;
  chunked  tus 1.0 at /api/uploads/: POST (create), then PATCHes of --chunk-mib (8) MiB on one
           keep-alive connection.

Each repetition also sends the same bytes over loopback to a plain receiver thread (recv_into, write
to a file): the floor, what the kernel alone costs here. For each upload: wall time, throughput, the
CPU seconds of gunicorn's processes (master and workers, their reaped children included) and their
summed RSS sampled every 50 ms (its growth over the RSS before). Every upload is checked (a video
whose stored file has the source's size and sha256, its analysis queued, no partial or temporary
file left) and deleted through the API. Exit status 1 if a check fails; the issue's goals are
printed MET or NOT MET and do not change the exit status. bench/README.md explains the figures.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import http.client
import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psutil

from bench.common import (
    LOG_DIR,
    OUT_DIR,
    PROJECT_ROOT,
    BenchError,
    data_file,
    machine_header,
    manage_py,
    require_ffmpeg,
)
from bench.load import Checks, scan_logs
from emotion_site.stack import MiB, free_port, log_tail
from emotion_site.stack import Stack as AppStack

MB = 1_000_000  # throughput in MB/s, sizes in GB: decimal, as the issue counts them
SOURCE_CLIP = "videos/street_1080p.mp4"
BLOCK = 1024 * 1024  # the client sends from disk in blocks of this size
SAMPLE_S = 0.05  # RSS sampling period
VIDEO_DIR = OUT_DIR / "upload"
MODES = ("single", "chunked")
# The goals.
CPU_GOAL_PCT = 10.0  # % of one core per 100 MB/s
RSS_GOAL_MB = 64.0  # growth of the server's RSS during an upload
RATIO_GOAL = 0.80  # chunked throughput / single throughput


def say(message: str) -> None:
    print(f"  {message}", flush=True)


# --------------------------------------------------------------------------- the video


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(8 * MiB):
            digest.update(block)
    return digest.hexdigest()


def probe_in_app(path: Path) -> dict:
    """The upload form's own probe (analysis.core.video_source.probe, which decodes the end), in a child."""
    code = (
        "import dataclasses, json, sys; from analysis.core.video_source import probe; "
        "print(json.dumps(dataclasses.asdict(probe(sys.argv[1]))))"
    )
    result = subprocess.run(
        [manage_py()[0], "-c", code, str(path)], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise BenchError(f"{path.name} does not pass the upload's probe:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def make_video(size_gb: float) -> tuple[Path, dict]:
    """A real video of about `size_gb` GB (the clip repeated by stream copy), made once; its description."""
    clip = data_file(SOURCE_CLIP)
    copies = max(1, math.ceil(size_gb * 1e9 / clip.stat().st_size))
    path = VIDEO_DIR / f"street_1080p_x{copies}.mp4"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        stat = path.stat()
        if meta.get("bytes") == stat.st_size and meta.get("mtime") == stat.st_mtime:
            print(f"video: {path.relative_to(PROJECT_ROOT)} (made before: {copies} x {clip.name})", flush=True)
            return path, meta
    require_ffmpeg()
    VIDEO_DIR.mkdir(parents=True, exist_ok=True)
    needed = copies * clip.stat().st_size * 1.1
    if shutil.disk_usage(VIDEO_DIR).free < needed:
        raise BenchError(f"{needed / 1e9:.1f} GB free needed in {VIDEO_DIR} to make the video.")
    print(f"video: making {path.relative_to(PROJECT_ROOT)}: {copies} x {clip.name} (concat, stream copy) ...")
    started = time.monotonic()
    listing = VIDEO_DIR / f"concat_x{copies}.txt"
    listing.write_text(f"file '{clip}'\n" * copies)
    partial = path.with_name(f"{path.stem}.making.mp4")
    command = ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-map", "0"]
    subprocess.run([*command, "-c", "copy", str(partial)], check=True)
    # Its last seconds decode (the upload's check reads the container's end).
    tail = subprocess.run(
        ["ffmpeg", "-v", "error", "-sseof", "-5", "-i", str(partial), "-f", "null", "-"], capture_output=True, text=True
    )
    if tail.returncode or tail.stderr.strip():
        raise BenchError(f"The end of {partial} does not decode cleanly:\n{tail.stderr[-2000:]}")
    info = probe_in_app(partial)
    partial.rename(path)
    listing.unlink()
    stat = path.stat()
    meta = {"copies": copies, "bytes": stat.st_size, "mtime": stat.st_mtime, "probe": info}
    meta_path.write_text(json.dumps(meta, indent=2))
    say(f"made in {time.monotonic() - started:.0f} s")
    return path, meta


# --------------------------------------------------------------------------- the stack


CREATE_USER = """
import json, os
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_user("uploader", password=os.environ["BENCH_PASSWORD"])
print(json.dumps({"token": Token.objects.create(user=user).key}))
"""

DESCRIBE_VIDEO = """
import django_rq, json, os
from rq.job import Job
from videos.models import Video
video = Video.objects.filter(pk=int(os.environ["BENCH_VIDEO"])).first()
if video is None:
    print(json.dumps(None))
else:
    runs = list(video.runs.all())
    connection = django_rq.get_connection("default")
    print(json.dumps({
        "path": video.file.path, "size_bytes": video.size_bytes, "owner": video.owner.username,
        "runs": [{"status": r.status, "job": r.rq_job_id,
                  "job_in_redis": bool(r.rq_job_id) and Job.exists(r.rq_job_id, connection=connection)}
                 for r in runs],
    }))
"""


class Server:
    """Redis (embedded) and gunicorn on free ports in `root`, SQLite, one user with an API token."""

    def __init__(self, root: Path, args: argparse.Namespace, max_bytes: int):
        self.root = root
        self.logs = root / "logs"
        self.logs.mkdir(parents=True)
        self.var = root / "var"
        self.media = self.var / "media"
        self.temp_uploads = self.var / "uploads"  # FILE_UPLOAD_TEMP_DIR: the multipart upload's file
        self.partial = self.var / "uploads-partial"  # UPLOAD_PARTIAL_DIR: the tus upload's file
        self.temp_uploads.mkdir(parents=True)
        self.port = free_port()
        self.args = args
        env = dict(os.environ)
        for name in ("DATABASE_URL", "AWS_STORAGE_BUCKET_NAME", "HTTPS", "SECRET_KEY", "REDIS_URL", "RAY_ADDRESS"):
            env.pop(name, None)
        env.update(
            EMOTION_VAR_DIR=str(self.var),
            MEDIA_ROOT=str(self.media),
            FILE_UPLOAD_TEMP_DIR=str(self.temp_uploads),
            UPLOAD_PARTIAL_DIR=str(self.partial),
            SECRET_KEY=secrets.token_urlsafe(50),
            DEBUG="0",
            ALLOWED_HOSTS="127.0.0.1,localhost",
            USER_MAX_ACTIVE_RUNS="100",
            VIDEO_MAX_UPLOAD_BYTES=str(max_bytes),
            USER_STORAGE_QUOTA_BYTES=str(4 * max_bytes),
            PYTHONUNBUFFERED="1",
        )
        self.app = AppStack(env, logs=self.logs, say=say)
        self.token = ""

    def up(self) -> None:
        self.app.start_redis(free_port(), self.var)  # sets REDIS_URL in the stack's environment
        self.manage("migrate", "migrate", "--noinput")
        password = secrets.token_urlsafe(16)
        out = self.manage("create-user", "shell", "--no-imports", "-c", CREATE_USER, BENCH_PASSWORD=password)
        self.token = json.loads(out.strip().splitlines()[-1])["token"]
        self.app.start_web("127.0.0.1", self.port, workers=self.args.web_workers, threads=self.args.web_threads)

    def manage(self, name: str, *args: str, **extra_env: str) -> str:
        result = subprocess.run(
            manage_py(*args), cwd=PROJECT_ROOT, env={**self.app.env, **extra_env}, capture_output=True, text=True
        )
        (self.logs / f"{name}.log").write_text(result.stdout + result.stderr)
        if result.returncode:
            raise BenchError(
                f"manage.py {args[0]} failed ({result.returncode}):\n{log_tail(self.logs / f'{name}.log')}"
            )
        return result.stdout

    def describe(self, video_id: int) -> dict | None:
        out = self.manage("describe", "shell", "--no-imports", "-c", DESCRIBE_VIDEO, BENCH_VIDEO=str(video_id))
        return json.loads(out.strip().splitlines()[-1])

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=900)

    @property
    def web(self) -> psutil.Process:
        return psutil.Process(self.app.children["web"].pid)

    def tree(self) -> list[psutil.Process]:
        web = self.web
        return [web, *web.children(recursive=True)]

    def down(self) -> None:
        self.app.stop()


# --------------------------------------------------------------------------- measuring the server


def cpu_seconds(processes: list[psutil.Process]) -> dict:
    """user and system CPU seconds summed over the processes, their reaped children included."""
    user = system = 0.0
    per_pid = {}
    for process in processes:
        with contextlib.suppress(psutil.Error):
            t = process.cpu_times()
            u, s = t.user + t.children_user, t.system + t.children_system
            user, system = user + u, system + s
            per_pid[process.pid] = u + s
    return {"user": user, "system": system, "per_pid": per_pid}


class RssSampler(threading.Thread):
    """The summed RSS of gunicorn's processes every SAMPLE_S, and each process's own, while running."""

    def __init__(self, server: Server):
        super().__init__(daemon=True)
        self.server = server
        self.stop_event = threading.Event()
        self.before = self.rss()
        self.peak = self.before["total"]
        self.peak_transfer: int | None = None  # the peak until the client sent the last byte
        self.peak_per_pid = dict(self.before["per_pid"])
        self.samples = 0

    def rss(self) -> dict:
        per_pid = {}
        for process in self.server.tree():
            with contextlib.suppress(psutil.Error):
                per_pid[process.pid] = process.memory_info().rss
        return {"total": sum(per_pid.values()), "per_pid": per_pid}

    def run(self) -> None:
        processes = self.server.tree()
        listed = time.monotonic()
        while not self.stop_event.wait(SAMPLE_S):
            if time.monotonic() - listed > 1.0:  # a worker restarted: follow the new one
                processes, listed = self.server.tree(), time.monotonic()
            total = 0
            for process in processes:
                with contextlib.suppress(psutil.Error):
                    rss = process.memory_info().rss
                    total += rss
                    self.peak_per_pid[process.pid] = max(self.peak_per_pid.get(process.pid, 0), rss)
            self.peak = max(self.peak, total)
            self.samples += 1

    def mark_sent(self) -> None:
        self.peak_transfer = max(self.peak, self.rss()["total"])

    def stop(self) -> None:
        self.stop_event.set()
        self.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before["total"]) / MB

    @property
    def worst_process_growth_mb(self) -> float:
        before = self.before["per_pid"]
        return max((peak - before.get(pid, 0)) / MB for pid, peak in self.peak_per_pid.items())


@dataclass
class Upload:
    mode: str
    run: int
    bytes: int
    wall_s: float = 0.0
    sent_s: float = 0.0  # until the client had sent the last byte
    cpu_user_s: float = 0.0
    cpu_system_s: float = 0.0
    cpu_after_sent_s: float = 0.0  # server CPU from the last byte sent to the answer (parsing left, checks, store)
    busiest_share: float = 0.0  # share of the server CPU in its busiest process (the worker that served it)
    client_cpu_s: float = 0.0
    rss_before_mb: float = 0.0
    rss_peak_mb: float = 0.0
    rss_growth_mb: float = 0.0
    rss_growth_transfer_mb: float = 0.0  # until the last byte was sent (before the checks and storing)
    worst_process_growth_mb: float = 0.0
    requests: int = 0
    workers_changed: bool = False
    video_id: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def mbps(self) -> float:
        return self.bytes / MB / self.wall_s

    @property
    def cpu_s(self) -> float:
        return self.cpu_user_s + self.cpu_system_s

    @property
    def cpu_pct_per_100mbps(self) -> float:
        """% of one core per 100 MB/s: (cpu_s / wall_s) / (MB/s / 100), x 100 (= CPU s per 100 MB, x 100)."""
        return (self.cpu_s / self.wall_s) / (self.mbps / 100) * 100

    @property
    def transfer_cpu_pct_per_100mbps(self) -> float:
        """The same for the server's CPU until the last byte was sent: receiving and writing the bytes."""
        return (self.cpu_s - self.cpu_after_sent_s) / (self.bytes / MB / 100) * 100


class Measure:
    """Around one upload: the server's CPU and RSS, the client's CPU (this thread), the wall time."""

    def __init__(self, server: Server, upload: Upload):
        self.server = server
        self.upload = upload

    def __enter__(self) -> Measure:
        self.pids = {p.pid for p in self.server.tree()}
        self.sampler = RssSampler(self.server)
        self.sampler.start()
        self.cpu_before = cpu_seconds(self.server.tree())
        self.cpu_sent = None
        self.thread_cpu = time.thread_time()
        self.started = time.perf_counter()
        return self

    def last_byte_sent(self) -> None:
        self.upload.sent_s = time.perf_counter() - self.started
        self.cpu_sent = cpu_seconds(self.server.tree())
        self.sampler.mark_sent()

    def __exit__(self, *exc) -> None:
        u = self.upload
        u.wall_s = time.perf_counter() - self.started
        u.client_cpu_s = time.thread_time() - self.thread_cpu
        after = cpu_seconds(self.server.tree())
        self.sampler.stop()
        u.cpu_user_s = after["user"] - self.cpu_before["user"]
        u.cpu_system_s = after["system"] - self.cpu_before["system"]
        if self.cpu_sent:
            sent_total = self.cpu_sent["user"] + self.cpu_sent["system"]
            u.cpu_after_sent_s = after["user"] + after["system"] - sent_total
        deltas = [t - self.cpu_before["per_pid"].get(pid, 0.0) for pid, t in after["per_pid"].items()]
        u.busiest_share = max(deltas) / u.cpu_s if u.cpu_s > 0 else 0.0
        u.rss_before_mb = self.sampler.before["total"] / MB
        u.rss_peak_mb = self.sampler.peak / MB
        u.rss_growth_mb = self.sampler.growth_mb
        if self.sampler.peak_transfer is not None:
            u.rss_growth_transfer_mb = (self.sampler.peak_transfer - self.sampler.before["total"]) / MB
        u.worst_process_growth_mb = self.sampler.worst_process_growth_mb
        u.workers_changed = {p.pid for p in self.server.tree()} != self.pids


# --------------------------------------------------------------------------- the two clients


def send_file(connection: http.client.HTTPConnection, f, length: int, buffer: memoryview) -> None:
    """`length` bytes of the open file, from where it stands, in BLOCK-sized sends (never all in memory)."""
    left = length
    while left:
        n = f.readinto(buffer[: min(BLOCK, left)])
        if not n:
            raise BenchError("The source file ended early.")
        connection.send(buffer[:n])
        left -= n


def upload_single(server: Server, path: Path, title: str, upload: Upload) -> None:
    """POST /api/videos/: one multipart request; the preamble, the file in 1 MiB blocks, the epilogue."""
    size = path.stat().st_size
    boundary = f"bench-{secrets.token_hex(16)}"
    preamble = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in (("title", title), ("sample_fps", "1"))
    )
    preamble += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    )
    head, tail = preamble.encode(), f"\r\n--{boundary}--\r\n".encode()
    buffer = memoryview(bytearray(BLOCK))
    connection = server.connection()
    try:
        with path.open("rb") as f, Measure(server, upload) as measure:
            connection.putrequest("POST", "/api/videos/", skip_accept_encoding=True)
            connection.putheader("Authorization", f"Token {server.token}")
            connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
            connection.putheader("Content-Length", str(len(head) + size + len(tail)))
            connection.endheaders()
            connection.send(head)
            send_file(connection, f, size, buffer)
            connection.send(tail)
            measure.last_byte_sent()
            response = connection.getresponse()
            body = response.read()
        upload.requests = 1
        if response.status != 201:
            upload.problems.append(f"POST /api/videos/: {response.status} {body[:500]!r}")
            return
        upload.video_id = json.loads(body)["id"]
    finally:
        connection.close()


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def upload_chunked(server: Server, path: Path, title: str, upload: Upload, chunk_bytes: int) -> None:
    """tus 1.0: POST /api/uploads/ (creation), then PATCHes of `chunk_bytes` on one keep-alive connection."""
    size = path.stat().st_size
    auth = {"Authorization": f"Token {server.token}", "Tus-Resumable": "1.0.0"}
    metadata = f"filename {b64(path.name)},title {b64(title)},sample_fps {b64('1')}"
    buffer = memoryview(bytearray(BLOCK))
    connection = server.connection()
    try:
        with path.open("rb") as f, Measure(server, upload) as measure:
            connection.request(
                "POST", "/api/uploads/", headers={**auth, "Upload-Length": str(size), "Upload-Metadata": metadata}
            )
            response = connection.getresponse()
            body = response.read()
            upload.requests = 1
            if response.status != 201:
                upload.problems.append(f"POST /api/uploads/: {response.status} {body[:500]!r}")
                return
            location = urlsplit(response.getheader("Location", "")).path
            offset = 0
            while offset < size:
                n = min(chunk_bytes, size - offset)
                connection.putrequest("PATCH", location, skip_accept_encoding=True)
                for name, value in auth.items():
                    connection.putheader(name, value)
                connection.putheader("Content-Type", "application/offset+octet-stream")
                connection.putheader("Upload-Offset", str(offset))
                connection.putheader("Content-Length", str(n))
                connection.endheaders()
                send_file(connection, f, n, buffer)
                if offset + n == size:
                    measure.last_byte_sent()
                response = connection.getresponse()
                body = response.read()
                upload.requests += 1
                if response.status != 204 or response.getheader("Upload-Offset") != str(offset + n):
                    upload.problems.append(
                        f"PATCH at {offset}: {response.status}, Upload-Offset {response.getheader('Upload-Offset')} "
                        f"(expected 204 and {offset + n}) {body[:500]!r}"
                    )
                    return
                offset += n
        video_location = response.getheader("Video-Location")
        if not video_location:
            upload.problems.append("the last PATCH named no video (no Video-Location)")
            return
        upload.video_id = int(urlsplit(video_location).path.rstrip("/").rsplit("/", 1)[-1])
    finally:
        connection.close()


# --------------------------------------------------------------------------- checks


def check_stored(server: Server, upload: Upload, source_bytes: int, source_sha: str, hash_it: bool = True) -> None:
    """The video exists for the uploader, its file is the source (size, sha256), its analysis is queued;
    nothing is left in the temporary or partial upload folders. Then it is deleted through the API."""
    if upload.video_id is None:
        return
    video = server.describe(upload.video_id)
    if video is None:
        upload.problems.append(f"video {upload.video_id} is not in the database")
        return
    stored = Path(video["path"])
    if video["owner"] != "uploader":
        upload.problems.append(f"video {upload.video_id} belongs to {video['owner']}")
    if not stored.is_file():
        upload.problems.append(f"video {upload.video_id}: no stored file at {stored}")
    else:
        size = stored.stat().st_size
        if size != source_bytes or video["size_bytes"] != source_bytes:
            upload.problems.append(f"stored {size} bytes (size_bytes {video['size_bytes']}), source {source_bytes}")
        elif hash_it and (digest := sha256_of(stored)) != source_sha:
            upload.problems.append(f"stored file's sha256 {digest[:16]}... differs from the source's")
    runs = video["runs"]
    if len(runs) != 1 or runs[0]["status"] != "queued" or not runs[0]["job_in_redis"]:
        upload.problems.append(f"expected one queued run with its job in Redis, found {runs}")
    for folder in (server.temp_uploads, server.partial):
        if folder.is_dir() and (left := sorted(p.name for p in folder.iterdir())):
            upload.problems.append(f"left in {folder.name}/: {left}")
    connection = server.connection()
    try:
        connection.request(
            "DELETE", f"/api/videos/{upload.video_id}/", headers={"Authorization": f"Token {server.token}"}
        )
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 204:
        upload.problems.append(f"DELETE /api/videos/{upload.video_id}/: {response.status}")
    elif stored.exists():
        upload.problems.append(f"the stored file is still there after DELETE: {stored}")


@dataclass
class Floor:
    """The same bytes over loopback to a plain receiver (recv_into, write to a file): the kernel's share."""

    run: int
    bytes: int
    wall_s: float = 0.0
    cpu_s: float = 0.0
    received: int = 0

    @property
    def mbps(self) -> float:
        return self.bytes / MB / self.wall_s

    @property
    def cpu_pct_per_100mbps(self) -> float:
        return (self.cpu_s / self.wall_s) / (self.mbps / 100) * 100


def floor_run(path: Path, directory: Path, run: int) -> Floor:
    """A thread receives the file on a loopback TCP socket into a file in `directory` (1 MiB recv_into, write),
    as a server with no HTTP, no Python-level copies and no checks would; its CPU is the thread's own."""
    floor = Floor(run, path.stat().st_size)
    listener = socket.create_server(("127.0.0.1", 0))
    target = directory / "floor.bin"

    def receive() -> None:
        connection, _ = listener.accept()
        started = time.thread_time()
        buffer = memoryview(bytearray(BLOCK))
        with connection, target.open("wb", buffering=0) as out:
            while floor.received < floor.bytes:
                n = connection.recv_into(buffer)
                if not n:
                    break
                out.write(buffer[:n])
                floor.received += n
        floor.cpu_s = time.thread_time() - started

    receiver = threading.Thread(target=receive, daemon=True)
    receiver.start()
    buffer = memoryview(bytearray(BLOCK))
    started = time.perf_counter()
    with socket.create_connection(listener.getsockname()) as sender, path.open("rb") as f:
        left = floor.bytes
        while left:
            n = f.readinto(buffer[: min(BLOCK, left)])
            sender.sendall(buffer[:n])
            left -= n
    receiver.join()
    floor.wall_s = time.perf_counter() - started
    listener.close()
    target.unlink(missing_ok=True)
    return floor


def do_upload(server: Server, mode: str, run: int, path: Path, args: argparse.Namespace) -> Upload:
    upload = Upload(mode, run, path.stat().st_size)
    title = f"bench {mode} {run}"
    try:
        if mode == "single":
            upload_single(server, path, title, upload)
        else:
            upload_chunked(server, path, title, upload, args.chunk_mib * MiB)
    except (OSError, http.client.HTTPException) as error:  # the server closed or broke the connection
        upload.problems.append(f"{type(error).__name__}: {error}")
    return upload


# --------------------------------------------------------------------------- the report


def median(values: list[float]) -> float:
    return statistics.median(values)


def print_table(uploads: list[Upload]) -> None:
    print("\nuploads: time and the server's CPU (server = gunicorn master + workers; MB = 10^6 bytes)")
    print(
        f"  {'mode':8} {'run':>3} {'wall s':>7} {'sent s':>7} {'MB/s':>6} {'reqs':>4} {'srv CPU s':>9} "
        f"{'user':>6} {'sys':>5} {'after sent':>10} {'CPU %/100MB/s':>13} {'transfer only':>13} {'busiest':>7} "
        f"{'client CPU s':>12}"
    )
    for u in uploads:
        print(
            f"  {u.mode:8} {u.run:3d} {u.wall_s:7.2f} {u.sent_s:7.2f} {u.mbps:6.1f} {u.requests:4d} {u.cpu_s:9.2f} "
            f"{u.cpu_user_s:6.2f} {u.cpu_system_s:5.2f} {u.cpu_after_sent_s:10.2f} {u.cpu_pct_per_100mbps:12.1f}% "
            f"{u.transfer_cpu_pct_per_100mbps:12.1f}% {u.busiest_share:7.0%} {u.client_cpu_s:12.2f}"
        )
    print(
        "  sent s: until the client sent the last byte; srv CPU: user + system, reaped children included;\n"
        "  after sent: the server's CPU from the last byte sent to the answer (what was left to read, the checks\n"
        "  with their probe, storing); CPU %/100MB/s = (srv CPU s / wall s) / (MB/s / 100) as % of one core;\n"
        "  transfer only: the same for the CPU until the last byte was sent; busiest: the share of the server's\n"
        "  CPU in one process (the worker that served the upload)"
    )
    print("\nuploads: the server's memory (RSS of gunicorn's processes summed, sampled every 50 ms)")
    print(f"  {'mode':8} {'run':>3} {'before MB':>9} {'peak MB':>8} {'growth MB':>9} {'until sent':>10} {'1 proc':>7}")
    for u in uploads:
        print(
            f"  {u.mode:8} {u.run:3d} {u.rss_before_mb:9.0f} {u.rss_peak_mb:8.0f} {u.rss_growth_mb:9.1f} "
            f"{u.rss_growth_transfer_mb:10.1f} {u.worst_process_growth_mb:7.1f}"
        )
    print(
        "  growth: the peak minus the RSS before; until sent: the same until the last byte was sent (the checks'\n"
        "  probe decodes frames after it); 1 proc: the largest growth of one process"
    )


def summarize(uploads: list[Upload]) -> dict:
    summary = {}
    for mode in MODES:
        mine = [u for u in uploads if u.mode == mode]
        if not mine:
            continue
        summary[mode] = {
            "runs": len(mine),
            "wall_s_min": min(u.wall_s for u in mine),
            "wall_s_median": median([u.wall_s for u in mine]),
            "mbps_best": max(u.mbps for u in mine),
            "mbps_median": median([u.mbps for u in mine]),
            "cpu_s_median": median([u.cpu_s for u in mine]),
            "cpu_pct_min": min(u.cpu_pct_per_100mbps for u in mine),
            "cpu_pct_median": median([u.cpu_pct_per_100mbps for u in mine]),
            "cpu_after_sent_s_median": median([u.cpu_after_sent_s for u in mine]),
            "transfer_cpu_pct_median": median([u.transfer_cpu_pct_per_100mbps for u in mine]),
            "rss_growth_mb_max": max(u.rss_growth_mb for u in mine),
            "rss_growth_transfer_mb_max": max(u.rss_growth_transfer_mb for u in mine),
            "rss_growth_mb_median": median([u.rss_growth_mb for u in mine]),
        }
    print(
        f"\n  {'mode':8} {'runs':>4} {'wall s min / median':>20} {'MB/s best / median':>19} "
        f"{'CPU %/100MB/s min / median':>27} {'transfer only':>13} {'RSS growth median / max':>24}"
    )
    for mode, s in summary.items():
        print(
            f"  {mode:8} {s['runs']:4d} {s['wall_s_min']:9.2f} / {s['wall_s_median']:7.2f} "
            f"{s['mbps_best']:8.1f} / {s['mbps_median']:7.1f} {s['cpu_pct_min']:14.1f}% / {s['cpu_pct_median']:6.1f}% "
            f"{s['transfer_cpu_pct_median']:12.1f}% "
            f"{s['rss_growth_mb_median']:13.1f} / {s['rss_growth_mb_max']:5.1f} MB"
        )
    return summary


def print_floor(floors: list[Floor]) -> dict:
    print(
        "\nfloor: the same bytes over loopback TCP to a plain receiver thread (recv_into 1 MiB, write to a file in\n"
        "the server's folder): what the kernel alone costs on this machine, no HTTP and no Python copies"
    )
    print(f"  {'run':>3} {'wall s':>7} {'MB/s':>6} {'receiver CPU s':>14} {'CPU %/100MB/s':>13}")
    for f in floors:
        print(f"  {f.run:3d} {f.wall_s:7.2f} {f.mbps:6.1f} {f.cpu_s:14.2f} {f.cpu_pct_per_100mbps:12.1f}%")
    return {
        "mbps_median": median([f.mbps for f in floors]),
        "cpu_pct_min": min(f.cpu_pct_per_100mbps for f in floors),
        "cpu_pct_median": median([f.cpu_pct_per_100mbps for f in floors]),
    }


def verdicts(summary: dict, size_bytes: int) -> list[dict]:
    single, chunked = summary.get("single"), summary.get("chunked")
    if not single or not chunked:
        return []
    results = []
    cpu = chunked["cpu_pct_median"]
    results.append(
        {
            "goal": f"server CPU <= {CPU_GOAL_PCT:g}% of one core per 100 MB/s (chunked)",
            "met": cpu <= CPU_GOAL_PCT,
            "figure": f"chunked {cpu:.1f}% (median; min {chunked['cpu_pct_min']:.1f}%; receiving and writing the "
            f"bytes alone {chunked['transfer_cpu_pct_median']:.1f}%), single {single['cpu_pct_median']:.1f}% "
            f"({single['transfer_cpu_pct_median']:.1f}%) for reference; the kernel alone (floor) "
            f"{summary['floor']['cpu_pct_median']:.1f}%",
        }
    )
    worst = max(single["rss_growth_mb_max"], chunked["rss_growth_mb_max"])
    results.append(
        {
            "goal": f"memory flat: server RSS growth < {RSS_GOAL_MB:g} MB during the upload (both)",
            "met": worst < RSS_GOAL_MB,
            "figure": f"chunked max {chunked['rss_growth_mb_max']:.1f} MB, "
            f"single max {single['rss_growth_mb_max']:.1f} MB ({worst * MB / size_bytes:.1%} of the "
            f"{size_bytes / 1e9:.2f} GB file); until the last byte was sent: chunked "
            f"{chunked['rss_growth_transfer_mb_max']:.1f} MB, single {single['rss_growth_transfer_mb_max']:.1f} MB",
        }
    )
    ratio = chunked["mbps_median"] / single["mbps_median"]
    best_ratio = chunked["mbps_best"] / single["mbps_best"]
    results.append(
        {
            "goal": f"throughput chunked / single >= {RATIO_GOAL:.2f}",
            "met": ratio >= RATIO_GOAL,
            "figure": f"{ratio:.2f} (medians: {chunked['mbps_median']:.1f} / {single['mbps_median']:.1f} MB/s; "
            f"best runs: {best_ratio:.2f})",
        }
    )
    print("\nverdicts (issue 21)")
    for v in results:
        print(f"  [{'MET' if v['met'] else 'NOT MET'}] {v['goal']}: {v['figure']}")
    return results


# --------------------------------------------------------------------------- the run


def warm_up(server: Server, args: argparse.Namespace, checks: Checks) -> None:
    """Rounds of as many uploads of the short clip at once as gunicorn has threads, both modes, so that
    every worker and thread has imported the views (OpenCV, PyAV) and probed a video once: the
    measured growth is then the upload's, not a first request's."""
    clip = data_file(SOURCE_CLIP)
    clip_sha = sha256_of(clip)
    workers = [p for p in server.tree() if p.pid != server.web.pid]
    before = cpu_seconds(workers)["per_pid"]
    warm: list[Upload] = []
    for _ in range(2):
        modes = [MODES[i % len(MODES)] for i in range(args.web_workers * args.web_threads)]
        n = len(modes)
        with ThreadPoolExecutor(n) as pool:
            results = list(pool.map(do_upload, [server] * n, modes, [0] * n, [clip] * n, [args] * n))
        for upload in results:
            check_stored(server, upload, clip.stat().st_size, clip_sha)
        warm += results
    after = cpu_seconds(workers)["per_pid"]
    problems = [f"{u.mode}: {p}" for u in warm for p in u.problems]
    checks.add(not problems, f"warm-up: {len(warm)} uploads of {clip.name}, stored and deleted", problems)
    busy = ", ".join(f"{after.get(pid, 0) - t:.1f}" for pid, t in before.items())
    say(
        f"warm-up: {len(warm)} uploads of {clip.name} ({clip.stat().st_size / MB:.1f} MB), "
        f"{args.web_workers * args.web_threads} at once, both modes; CPU s per worker: {busy}"
    )


def bench(args: argparse.Namespace, server: Server, checks: Checks, figures: dict) -> None:
    path, meta = make_video(args.size_gb)
    size = meta["bytes"]
    info = meta["probe"]
    print(
        f"  {size / 1e9:.3f} GB ({size:,} bytes), {info['width']}x{info['height']}, {info['duration_s'] / 60:.1f} min, "
        f"{info['frame_count']} frames: passes the upload's probe",
        flush=True,
    )
    free = shutil.disk_usage(server.root).free
    if free < 3 * size:
        raise BenchError(f"{free / 1e9:.1f} GB free in {server.root}; the bench needs {3 * size / 1e9:.1f} GB (3x).")
    started = time.monotonic()
    source_sha = sha256_of(path)  # also brings the file into the page cache before the first timed run
    say(f"sha256 {source_sha[:16]}... ({time.monotonic() - started:.1f} s; the file is now in the page cache)")
    figures["video"] = {"path": str(path), "bytes": size, "sha256": source_sha, **meta}

    print(f"starting Redis (embedded) and gunicorn in {server.root} ...", flush=True)
    started = time.monotonic()
    server.up()
    say(
        f"up in {time.monotonic() - started:.0f} s: gunicorn http://127.0.0.1:{server.port} "
        f"({args.web_workers} workers x {args.web_threads} threads), SQLite, Redis {server.app.env['REDIS_URL']}"
    )

    warm_up(server, args, checks)

    print(
        f"uploading {path.name} {args.repeat} time(s) per mode, taking turns "
        f"(chunked: tus, {args.chunk_mib} MiB per PATCH) ...",
        flush=True,
    )
    uploads: list[Upload] = []
    floors: list[Floor] = []
    for run in range(1, args.repeat + 1):
        floor = floor_run(path, server.var, run)
        floors.append(floor)
        say(f"floor {run}: {floor.wall_s:.1f} s, {floor.mbps:.0f} MB/s, receiver CPU {floor.cpu_s:.1f} s")
        if floor.received != size:
            raise BenchError(f"the plain receiver got {floor.received:,} of {size:,} bytes")
        order = MODES if run % 2 else tuple(reversed(MODES))
        for mode in order:
            upload = do_upload(server, mode, run, path, args)
            uploads.append(upload)
            say(
                f"{mode} {run}: {upload.wall_s:.1f} s, {upload.mbps:.0f} MB/s, server CPU {upload.cpu_s:.1f} s, "
                f"RSS +{upload.rss_growth_mb:.1f} MB; checking the stored file ..."
            )
            check_stored(server, upload, size, source_sha)
    for upload in uploads:
        label = f"{upload.mode} {upload.run}: a video of {size:,} bytes with the source's sha256, its analysis queued"
        checks.add(not upload.problems, label + ", deleted", upload.problems)
    changed = [f"{u.mode} {u.run}" for u in uploads if u.workers_changed]
    checks.add(not changed, "gunicorn's processes stayed the same during every upload", changed)

    print_table(uploads)
    summary = summarize(uploads)
    summary["floor"] = print_floor(floors)
    figures["uploads"] = [
        {
            **vars(u),
            "mbps": u.mbps,
            "cpu_pct_per_100mbps": u.cpu_pct_per_100mbps,
            "transfer_cpu_pct_per_100mbps": u.transfer_cpu_pct_per_100mbps,
        }
        for u in uploads
    ]
    figures["floors"] = [{**vars(f), "mbps": f.mbps, "cpu_pct_per_100mbps": f.cpu_pct_per_100mbps} for f in floors]
    figures["summary"] = summary
    figures["verdicts"] = verdicts(summary, size)


def interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description="A big upload: tus in chunks against one multipart request.")
    parser.add_argument("--size-gb", type=float, default=2.0, help="the video's size in GB (10^9 bytes; default 2)")
    parser.add_argument("--repeat", type=int, default=3, help="uploads per mode, taking turns (default 3)")
    parser.add_argument("--chunk-mib", type=int, default=8, help="tus PATCH size in MiB (default 8)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers (default 2, as make run)")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--quick", action="store_true", help="a 0.3 GB video, each mode once")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, logs)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures as JSON")
    args = parser.parse_args()
    if args.quick:
        args.size_gb, args.repeat = 0.3, 1
    if args.repeat < 1 or args.chunk_mib < 1 or args.size_gb <= 0:
        parser.error("--repeat and --chunk-mib at least 1, --size-gb above 0")

    signal.signal(signal.SIGTERM, interrupt)
    figures: dict = {"machine": machine_header("bench/upload.py"), "args": {k: str(v) for k, v in vars(args).items()}}
    root = Path(tempfile.mkdtemp(prefix="emotion-upload-"))
    # The app's limit must let the video through (2 GiB by default; a bigger --size-gb raises it).
    max_bytes = max(2 * 1024**3, int(args.size_gb * 1e9 * 1.05))
    checks = Checks()
    server = None
    ok = False
    try:
        server = Server(root, args, max_bytes)
        bench(args, server, checks, figures)
        ok = True
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    finally:
        if server is not None:
            server.down()
            logged = scan_logs(server.logs, ["web"])
            if ok:
                checks.add(
                    not logged,
                    "no traceback, ERROR line or 5xx in gunicorn's log",
                    [line for lines in logged.values() for line in lines],
                )
            kept = LOG_DIR / "upload"
            shutil.rmtree(kept, ignore_errors=True)
            shutil.copytree(server.logs, kept)
            print(f"\nlogs copied to {kept.relative_to(PROJECT_ROOT)}")
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    if ok:
        checks.print()
    figures["checks"] = [{"ok": c, "check": label, "details": details} for c, label, details in checks.results]
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str))
        print(f"wrote {args.json}")
    passed = ok and checks.passed
    print("PASSED (the checks; the goals are the verdicts above)" if passed else "FAILED")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
