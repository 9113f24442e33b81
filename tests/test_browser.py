"""In a real browser (Debian's chromium via Playwright): log in, upload, watch live progress, see the charts."""

import threading
import time

import django_rq
import pytest
from django.db import connection
from playwright.sync_api import Error as PlaywrightError

from analysis.models import AnalysisRun

from .conftest import VIDEOS, ThreadWorker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ray_session")]


def watch_for_errors(page) -> list[str]:
    """Record from now on what would silently break a widget: console errors, uncaught exceptions,
    and responses of 400 or more (a missing static file's 404 among them)."""
    errors: list[str] = []

    def console(message) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location['url']})")

    page.on("console", console)
    page.on("pageerror", lambda error: errors.append(f"exception: {error}"))
    page.on("response", lambda response: response.status >= 400 and errors.append(f"{response.status} {response.url}"))
    return errors


def assert_scripts_resolve(page) -> list[str]:
    """Every script tag of the page as rendered loads (200): returns their file names."""
    sources = page.evaluate("Array.from(document.scripts, s => s.src).filter(Boolean)")
    for source in sources:
        assert page.request.get(source).status == 200, f"{source} does not load"
    return [source.rsplit("/", 1)[-1] for source in sources]


def test_upload_watch_progress_and_see_charts(page, live_server, user, settings):
    errors = watch_for_errors(page)
    page.goto(f"{live_server.url}/videos/")
    assert "/accounts/login/" in page.url  # login required
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "a-long-pass-phrase-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/videos/upload/")
    page.fill("input[name=title]", "Crying then laughing")
    page.set_input_files("input[name=file]", str(VIDEOS / "WolfgangLanger_Pexels.mp4"))
    page.select_option("select[name=sampling]", "5")
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("text=Queued")
    run = AnalysisRun.objects.get(video__title="Crying then laughing")
    # Every frame (472) on one actor, segment after segment: the analysis lasts long enough for the
    # page's 2-second polls to see it move.
    AnalysisRun.objects.filter(pk=run.pk).update(sample_fps=None)
    settings.ANALYSIS_WORKERS = 1

    page.evaluate("window.__sameDocument = true")
    queue = django_rq.get_queue("default")

    def work() -> None:
        try:
            ThreadWorker([queue], connection=queue.connection).work(burst=True)
        finally:
            connection.close()  # this thread's own database connection

    worker = threading.Thread(target=work)
    worker.start()
    seen = set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and worker.is_alive():
        try:
            value = page.evaluate(
                "window.__sameDocument === true && document.querySelector('progress')"
                " ? document.querySelector('progress').value : null"
            )
        except PlaywrightError:  # the page reloaded itself during the call: the run has ended
            value = None
        if value is not None:
            seen.add(value)
        page.wait_for_timeout(250)
    worker.join(timeout=10)
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    # The progress bar moved on the page the user already had open (no reload).
    assert any(0 < value < 100 for value in seen), seen

    # When the run ends the page reloads itself and draws the charts.
    page.wait_for_selector(".person .js-plotly-plot", timeout=30000)
    assert page.evaluate("window.__sameDocument") is None
    assert page.locator(".person").count() == 1
    assert page.locator("#chart-distribution.js-plotly-plot").count() == 1
    # Every widget's script is on the results page and loads; nothing failed or threw on the way.
    scripts = assert_scripts_resolve(page)
    widgets = {"player_seek.js", "baselines.js", "charts.js", "overlay.js", "marker_now.js", "merge_choices.js"}
    assert {"plotly.min.js", "progress.js"} | widgets <= set(scripts), scripts
    # The player streams the owner's video through the authenticated, seekable view.
    duration = page.evaluate(
        "new Promise(r => { const v = document.getElementById('player');"
        " if (v.readyState >= 1) r(v.duration); else v.addEventListener('loadedmetadata', () => r(v.duration)); })"
    )
    assert duration == pytest.approx(19.7, abs=0.5)
    assert errors == []
