"""A load run of participant sessions on loopback: 10 links x 20 participants, over real HTTP, at once.

Starts gunicorn (the deployment's server, 2 workers x 4 threads) on a free loopback port with the app in a
throwaway folder (its own SQLite database and media, or --database-url), makes a researcher with a study,
a stimulus and --links session links, then runs --links x --participants participants, --concurrency at
a time, each as a browser does: the consent page (for the CSRF cookie), the consent, a camera check with a
real face, the stimulus times, and the recording (a real face clip, VP8 in a live WebM as MediaRecorder
writes it) sent in 64 kB chunks by tus with a deferred length, the last chunk with the length. Then
checks that every recording became a video of the study with its markers, and prints the times.

    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python -m bench.participant_load [--links 10] [--participants 20]

Nothing is analysed (no rq worker runs): the analyses wait in the queue, as they would behind busy workers.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from bench.common import data_file
from emotion_site.stack import free_port, gunicorn_options, port_open

CHUNK = 64 * 1024
TUS = {"Tus-Resumable": "1.0.0"}


def recording_bytes(folder: Path) -> bytes:
    path = folder / "recording.webm"
    source = data_file("videos/WolfgangLanger_Pexels.mp4")
    command = ["ffmpeg", "-v", "error", "-i", str(source), "-t", "4", "-an", "-c:v", "libvpx", "-b:v", "1M"]
    subprocess.run([*command, "-live", "1", "-f", "webm", str(path)], check=True)
    return path.read_bytes()


def setup(env: dict[str, str], links: int, participants: int) -> list[str]:
    """The researcher, study, stimulus and links, made with the app's own code in a child process."""
    script = f"""
import django, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from pathlib import Path
from analysis.models import Study
from analysis.sessions import links
from bench.study_rows import stored_video
owner = get_user_model().objects.create_user("researcher", password="a-long-pass-phrase-9")
stimulus = stored_video(owner, Path({str(data_file("videos/single_face.mp4"))!r}), "Stimulus")
study = Study.objects.create(owner=owner, name="Load")
for number in range({links}):
    print(links.create_link(study, f"Class {{number}}", stimulus, "Consent.", {participants}, None).token)
"""
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()


def participant(base: str, token: str, recording: bytes, face_jpeg: bytes) -> dict:
    session = requests.Session()
    began = time.perf_counter()
    consent_url = f"{base}/p/{token}/"
    page = session.get(consent_url, timeout=60)
    csrf = session.cookies["csrftoken"]
    headers = {"X-CSRFToken": csrf, "Referer": consent_url}
    response = session.post(consent_url, {"agree": "yes", "csrfmiddlewaretoken": csrf}, headers=headers, timeout=60)
    assert page.status_code == 200 and response.status_code == 200, (page.status_code, response.status_code)
    key = re.search(r"/p/[^/]+/([^/]+)/check/", response.url).group(1)
    pages = f"{base}/p/{token}/{key}"
    check = session.post(f"{pages}/check/", files={"frame": ("f.jpg", face_jpeg)}, headers=headers, timeout=60)
    assert check.json()["ok"], check.text
    upload = f"{pages}/upload/"
    created = session.post(upload, headers={**headers, **TUS, "Upload-Defer-Length": "1"}, timeout=60)
    assert created.status_code == 201, created.text
    times = session.post(f"{pages}/times/", json={"start_s": 0.5}, headers=headers, timeout=60)
    assert times.status_code == 200, times.text
    for offset in range(0, len(recording), CHUNK):
        chunk = recording[offset : offset + CHUNK]
        extra = {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
        if offset + CHUNK >= len(recording):
            extra["Upload-Length"] = str(len(recording))
        sent = session.patch(upload, data=chunk, headers={**headers, **TUS, **extra}, timeout=120)
        assert sent.status_code == 204, (sent.status_code, sent.text)
    assert sent.headers["Recording-State"] == "uploaded", sent.headers
    return {"seconds": time.perf_counter() - began}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--links", type=int, default=10)
    parser.add_argument("--participants", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", help="default: a SQLite file in the throwaway folder")
    args = parser.parse_args()
    print(f"CPUs: {os.cpu_count()}, load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    import cv2

    face_jpeg = cv2.imencode(".jpg", cv2.imread(str(data_file("images/single_face.jpg"))))[1].tobytes()
    with tempfile.TemporaryDirectory() as folder:
        var = Path(folder)
        env = {
            **os.environ,
            "EMOTION_VAR_DIR": str(var),
            "DJANGO_SETTINGS_MODULE": "emotion_site.settings",
            "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"),
            "PARTICIPANT_CONSENTS_PER_ADDRESS_HOUR": str(args.participants * 2),  # all from 127.0.0.1
            "PARTICIPANT_CONSENTS_PER_LINK_MINUTE": str(args.participants * 2),
        }
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        recording = recording_bytes(var)
        tokens = setup(env, args.links, args.participants)
        port = free_port()
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), *gunicorn_options(), "emotion_site.wsgi"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--timeout", "120"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(var / "gunicorn.log", "w"),  # noqa: SIM115 (closed with the process)
        )
        try:
            deadline = time.monotonic() + 60
            while not port_open(port):
                assert time.monotonic() < deadline and server.poll() is None, (var / "gunicorn.log").read_text()
                time.sleep(0.2)
            base = f"http://127.0.0.1:{port}"
            jobs = [token for token in tokens for _ in range(args.participants)]
            began = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                outcomes = list(pool.map(lambda token: participant(base, token, recording, face_jpeg), jobs))
            wall = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(30)
        count = """
import django
django.setup()
from analysis.models import Marker, SessionRecording
from videos.models import Video
print(SessionRecording.objects.filter(state="uploaded").count(), SessionRecording.objects.count(),
      Video.objects.filter(title__contains=" · P", studies__name="Load").count(),
      Marker.objects.filter(label="stimulus start").count())
"""
        uploaded, total, videos, markers = subprocess.run(
            [sys.executable, "-c", count], env=env, capture_output=True, text=True, check=True
        ).stdout.split()
    seconds = sorted(outcome["seconds"] for outcome in outcomes)
    print(
        f"{len(jobs)} participants ({args.links} links x {args.participants}), {args.concurrency} at a time, "
        f"{len(recording):,} bytes each in {CHUNK // 1024} kB chunks: {wall:.1f} s"
    )
    print(
        f"per participant (consent to last byte): median {statistics.median(seconds):.2f} s, "
        f"p90 {seconds[int(0.9 * (len(seconds) - 1))]:.2f} s, max {seconds[-1]:.2f} s"
    )
    print(f"recordings uploaded {uploaded} of {total}; videos in the study {videos}; stimulus start markers {markers}")
    lost = len(jobs) - int(uploaded)
    print(f"lost: {lost}")
    sys.exit(1 if lost or int(videos) != len(jobs) else 0)


if __name__ == "__main__":
    main()
