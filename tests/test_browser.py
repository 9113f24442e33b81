"""In a real browser (Debian's chromium via Playwright): log in, upload, watch live progress, see the charts;
the results page keeps the viewer's place across its forms; the overlay draws over the whole picture."""

import re
import threading
import time

import django_rq
import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from analysis.core.emotions import EMOTIONS
from analysis.models import AnalysisRun

from .conftest import VIDEOS, ThreadWorker
from .factories import add_person, make_run, make_video

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


def wait_until(page, expression: str, timeout: int = 30000) -> None:
    """Poll a JavaScript expression until it is true. (Playwright's wait_for_function evaluates its
    string inside the page, which the app's Content-Security-Policy forbids; evaluate() does not.)"""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def log_in(page, live_server) -> None:
    """Alice logged in, on her videos."""
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "a-long-pass-phrase-1")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/videos/")


def log_in_and_open(page, live_server, video) -> None:
    """Alice's results page of `video`, its charts drawn and its player's metadata loaded."""
    log_in(page, live_server)
    page.goto(f"{live_server.url}{reverse('analysis:results', args=[video.pk])}")
    page.wait_for_selector("#chart-heatmap.js-plotly-plot")
    wait_until(page, "document.getElementById('player').readyState >= 1")


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
    page.set_input_files("#upload-files", str(VIDEOS / "WolfgangLanger_Pexels.mp4"))
    page.fill(".upload-title", "Crying then laughing")
    page.select_option("#upload-sampling", "5")
    page.click("#upload-start")
    page.click("a.upload-video-link")  # its results page
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
    seen, texts = set(), set()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and worker.is_alive():
        try:
            value, text = page.evaluate(
                "window.__sameDocument === true && document.querySelector('progress')"
                " ? [document.querySelector('progress').value, document.getElementById('run-state').innerText]"
                " : [null, null]"
            )
        except PlaywrightError:  # the page reloaded itself during the call: the run has ended
            value = text = None
        if value is not None:
            seen.add(value)
            texts.add(" ".join(text.split()))
        page.wait_for_timeout(250)
    worker.join(timeout=10)
    run.refresh_from_db()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    # The progress bar moved on the page the user already had open (no reload).
    assert any(0 < value < 100 for value in seen), seen
    # What it said: frames once known, an ETA only once estimated; never "0 / 0" or a "null".
    assert any(re.search(r"\d+ / 472 frames", text) for text in texts), texts
    assert not any("0 / 0" in text or "null" in text or "NaN" in text for text in texts), texts

    # When the run ends the page reloads itself and draws the charts.
    page.wait_for_selector(".person .js-plotly-plot", timeout=30000)
    assert page.evaluate("window.__sameDocument") is None
    assert page.locator(".person").count() == 1
    assert page.locator("#chart-distribution.js-plotly-plot").count() == 1
    # Under her charts, her facial states; every frame was analysed, so her blinks are counted, and her
    # attention is judged with her eyes.
    row = page.locator(".person .facial-states")
    assert row.is_visible() and row.inner_text().startswith("Facial states:")
    assert re.search(r"eyes closed \d+%.*\d+\.\d blinks a minute.*talking \d+%", row.inner_text()), row.inner_text()
    assert page.locator(".person header .attention").inner_text().startswith("attending ")
    # Every widget's script is on the results page and loads; nothing failed or threw on the way.
    scripts = assert_scripts_resolve(page)
    widgets = {
        "player_seek.js",
        "baselines.js",
        "charts.js",
        "overlay.js",
        "keep_place.js",
        "marker_now.js",
        "merge_choices.js",
    }
    assert {"plotly.min.js", "progress.js"} | widgets <= set(scripts), scripts
    # The player streams the owner's video through the authenticated, seekable view.
    duration = page.evaluate(
        "new Promise(r => { const v = document.getElementById('player');"
        " if (v.readyState >= 1) r(v.duration); else v.addEventListener('loadedmetadata', () => r(v.duration)); })"
    )
    assert duration == pytest.approx(19.7, abs=0.5)
    assert errors == []


# The results page's widgets, on factory-made results (no analysis to wait for)

PLAYER_TIME = "document.getElementById('player').currentTime"


def test_a_form_that_reloads_keeps_the_players_time_the_overlay_and_the_place_on_the_page(page, live_server, analysed):
    """keep_place.js: a rename sent as a plain form (as when its in-place answer is not used) reloads the page."""
    video, _, _ = analysed
    errors = watch_for_errors(page)
    log_in_and_open(page, live_server, video)
    page.evaluate(f"{PLAYER_TIME} = 1.5")
    wait_until(page, f"Math.abs({PLAYER_TIME} - 1.5) < 0.1")
    page.check("#overlay-toggle")
    section = page.locator("#person-2")
    section.locator("summary").click()
    section.scroll_into_view_if_needed()
    top = section.evaluate("s => s.getBoundingClientRect().top")
    section.locator("input[name=name]").fill("Bea")
    page.evaluate("window.__sameDocument = true")
    section.locator("form[action$='/rename/']").evaluate("form => form.removeAttribute('data-in-place')")
    section.locator("form[action$='/rename/'] button").click()

    page.wait_for_selector("text=Bea (person 2)")
    assert page.evaluate("window.__sameDocument") is None  # the form reloaded the page
    wait_until(page, "document.readyState === 'complete' && document.getElementById('player').readyState >= 1")
    assert abs(page.evaluate(PLAYER_TIME) - 1.5) <= 0.5
    assert page.is_checked("#overlay-toggle")
    assert page.evaluate(
        "!document.getElementById('overlay').hidden && !document.getElementById('overlay-hits').hidden"
    )
    # The renamed person's section is where it was on screen (the message above it notwithstanding).
    assert abs(page.locator("#person-2").evaluate("s => s.getBoundingClientRect().top") - top) < 30

    # The place is put back once: opening the page again starts afresh.
    page.reload()
    wait_until(page, "document.readyState === 'complete' && document.getElementById('player').readyState >= 1")
    assert page.evaluate(PLAYER_TIME) == 0 and not page.is_checked("#overlay-toggle")
    assert errors == []


NAVIGATIONS = "performance.getEntriesByType('navigation').length"


def test_an_edit_keeps_the_identity_panel_open_and_does_not_reload(page, live_server, analysed):
    """edit_in_place.js: rename, merge and a marker answered in place, the page never navigating."""
    video, _, (first, second) = analysed
    errors = watch_for_errors(page)
    log_in_and_open(page, live_server, video)
    page.evaluate(f"window.__sameDocument = true; {PLAYER_TIME} = 1.5")
    wait_until(page, f"Math.abs({PLAYER_TIME} - 1.5) < 0.1")
    navigations = page.evaluate(NAVIGATIONS)
    section = page.locator("#person-2")
    section.locator("summary").click()
    section.locator("input[name=name]").fill("Bea")
    section.locator("form[action$='/rename/'] button").click()

    page.wait_for_selector("#person-2 h2:text('Bea (person 2)')")
    assert page.evaluate("window.__sameDocument") is True and page.evaluate(NAVIGATIONS) == navigations
    assert section.locator("details.review").evaluate("d => d.open")  # the panel stays open
    assert section.locator(".message").inner_text() == "Renamed."
    assert abs(page.evaluate(PLAYER_TIME) - 1.5) < 0.1
    assert page.locator(f"#chart-emotions-{second.pk}.js-plotly-plot").count() == 1  # still drawn
    assert "Bea (person 2)" in page.inner_text("#keep-visible")  # the blurred copy's names follow
    # The merge list follows the new names, in the panel still open.
    merge = section.locator("form.merge select[name=into]")
    assert merge.locator("option").all_inner_texts() == ["Person 1"]

    # A merge takes the section away and redraws the person kept, their review open.
    merge.select_option(str(first.pk))
    section.locator("form.merge button").click()
    wait_until(page, "!document.getElementById('person-2')")
    kept = page.locator("#person-1")
    assert kept.locator("details.review").evaluate("d => d.open")
    assert "merged into Person 1" in kept.locator(".message").inner_text()
    assert page.evaluate("document.getElementById('chart-heatmap').data[0].y") == ["Person 1"]
    # The person kept had no name: they take the merged one's (identity_edits.merge).
    assert page.inner_text("#persons-count") == "1 person"
    assert page.inner_text("#keep-visible").split() == ["Leave", "visible", "Bea", "(person", "1)"]
    assert page.locator("#video-figures .video-share").count() >= 1

    # A marker shows on every chart at once.
    page.fill("#marker-time", "1.0")
    page.fill("#add-marker input[name=label]", "slide 4")
    page.click("#add-marker button[type=submit]")
    page.wait_for_selector("#marker-list >> text=slide 4")
    dotted = "id => document.getElementById(id).layout.shapes.filter(s => s.line.dash === 'dot').map(s => s.x0)"
    wait_until(page, f"({dotted})('chart-emotions-{first.pk}').includes(1)")
    assert page.evaluate(f"({dotted})('chart-group')") == [1]
    assert page.input_value("#add-marker input[name=label]") == ""  # the form is ready for the next one
    assert page.evaluate("window.__sameDocument") is True and page.evaluate(NAVIGATIONS) == navigations
    assert errors == []


def test_the_overlay_draws_a_face_at_the_bottom_whole_and_leaves_the_controls_usable(page, live_server, user):
    video = make_video(user)  # single_face.mp4: 640 x 360
    run = make_run(video, persons_count=1, faces_count=6)
    # A box whose bottom edge is 4 px above the picture's, under the player's control bar.
    x, y, size = 200, 300, 56
    add_person(run, 1, EMOTIONS.index("happy"), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], box=(x, y, size, size))
    errors = watch_for_errors(page)
    log_in_and_open(page, live_server, video)
    page.evaluate(f"document.getElementById('player').pause(); {PLAYER_TIME} = 0.4")  # the sample at x + 2
    page.check("#overlay-toggle")
    geometry = f"""const v = document.getElementById('player'), c = document.getElementById('overlay');
        const s = Math.min(v.clientWidth / v.videoWidth, v.clientHeight / v.videoHeight);
        const left = (v.clientWidth - v.videoWidth * s) / 2, top = (v.clientHeight - v.videoHeight * s) / 2;
        const bottom = Math.round(top + ({y} + {size}) * s), from = Math.round(left + ({x} + 2) * s);"""
    assert page.evaluate(f"(() => {{ {geometry} return v.clientHeight - bottom; }})()") < 48
    # The box's bottom edge is painted ...
    wait_until(
        page,
        f"""(() => {{ {geometry}
        const d = c.getContext('2d').getImageData(from, bottom - 2, Math.round({size} * s), 4).data;
        for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; }})()""",
        timeout=15000,
    )
    # ... on a drawing area as tall as the player, the control bar's 48 px included.
    assert page.evaluate("document.getElementById('overlay').height === document.getElementById('player').clientHeight")
    # Clicks on the picture reach the overlay; on the control bar, the player's controls.
    hit = """(y) => { const r = document.getElementById('player').getBoundingClientRect();
        return document.elementFromPoint(r.left + r.width / 2, y(r)).id; }"""
    assert page.evaluate(f"({hit})(r => r.top + 10)") == "overlay-hits"
    assert page.evaluate(f"({hit})(r => r.bottom - 10)") == "player"
    assert errors == []


def test_overlay_labels_of_faces_side_by_side_do_not_cover_each_other(page, live_server, analysed):
    video, _, _ = analysed
    log_in_and_open(page, live_server, video)
    # Three faces in a row, 10 px apart, with labels wider than the faces; a fourth at the right edge.
    faces = [{"box": [100 + 50 * i, 60, 40, 40], "width": 110} for i in range(3)]
    faces.append({"box": [610, 200, 30, 30], "width": 110})
    placed = page.evaluate(f"window.overlayLabels.place({faces}, 640, 360)")
    height = page.evaluate("window.overlayLabels.height")
    rects = [(left, top, face["width"], height) for (left, top), face in zip(placed, faces)]
    for i, a in enumerate(rects):
        assert 0 <= a[0] and a[0] + a[2] <= 640 and 0 <= a[1] and a[1] + a[3] <= 360, a
        for b in rects[i + 1 :]:
            apart = a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
            assert apart, (a, b)
    # Each label touches its own face: right above or right below it (the first choice where free).
    assert rects[0][1] == 60 - height


def test_chart_toggles_are_buttons_and_the_player_and_playhead_follow_a_click_far_down(page, live_server, analysed):
    video, _, (first, second) = analysed
    errors = watch_for_errors(page)
    page.set_viewport_size({"width": 1100, "height": 700})
    log_in_and_open(page, live_server, video)
    visible = "id => document.getElementById(id).data.map(trace => trace.visible !== false)"

    # The heatmap's toggle: buttons reached with Tab, their state in aria-pressed, switching the traces.
    buttons = page.locator("[data-toggle-for='chart-heatmap'] button")
    assert buttons.all_inner_texts() == ["Valence", "Leading emotion"]
    assert page.evaluate("document.querySelectorAll('.updatemenu-container, .updatemenu-button').length") == 0
    buttons.first.focus()
    page.keyboard.press("Tab")
    assert buttons.nth(1).evaluate("b => b === document.activeElement")
    page.keyboard.press("Enter")
    assert [b.get_attribute("aria-pressed") for b in buttons.all()] == ["false", "true"]
    assert page.evaluate(f"({visible})('chart-heatmap')") == [False, True]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    assert [b.get_attribute("aria-pressed") for b in buttons.all()] == ["true", "false"]
    assert page.evaluate(f"({visible})('chart-heatmap')") == [True, False]
    # A person's smoothed / raw lines: 7 traces each.
    chart = f"chart-emotions-{second.pk}"
    page.locator(f"[data-toggle-for='{chart}'] button", has_text="Raw").click()
    assert page.evaluate(f"({visible})('{chart}')") == [False] * 7 + [True] * 7

    # Every time chart has x from 0 to the video's end, and a playhead at the player's time.
    for chart_id in ["chart-group", "chart-heatmap", f"chart-emotions-{first.pk}", f"chart-dominant-{second.pk}"]:
        assert page.evaluate(f"document.getElementById('{chart_id}')._fullLayout.xaxis.range") == [0, 2.4]
    playhead = "id => document.getElementById(id).layout.shapes.find(s => s.name === 'playhead').x0"
    page.evaluate(f"const v = document.getElementById('player'); v.muted = true; v.pause(); {PLAYER_TIME} = 0.6")
    page.locator("#chart-group").scroll_into_view_if_needed()  # only the charts on screen follow it
    wait_until(page, f"Math.abs(({playhead})('chart-group') - 0.6) < 0.05")

    # Far down the page, a click on the last chart: the player docks in view, at that moment.
    dominant = page.locator(f"#chart-dominant-{second.pk}")
    dominant.scroll_into_view_if_needed()
    # The player's own place, at the top, is far above the window.
    assert page.evaluate("document.querySelector('.player').getBoundingClientRect().bottom") < -500
    x, y = dominant.evaluate(
        """c => { const l = c._fullLayout, r = c.getBoundingClientRect();
        return [r.left + l.margin.l + l.xaxis.l2p(1.6), r.top + l.margin.t + l._size.h / 2]; }"""
    )
    page.mouse.click(x, y)
    wait_until(page, f"Math.abs({PLAYER_TIME} - 1.6) < 0.15")
    box = page.evaluate(
        "(() => { const r = document.getElementById('player').getBoundingClientRect();"
        " return [r.top, r.bottom, innerHeight]; })()"
    )
    assert 0 <= box[0] < box[1] <= box[2], box  # the whole player on screen
    wait_until(page, f"Math.abs(({playhead})('chart-dominant-{second.pk}') - {PLAYER_TIME}) < 0.3")
    # Scrolled back up, the player is in its place again.
    page.evaluate("window.scrollTo(0, 0)")
    wait_until(page, "!document.querySelector('.player-frame').classList.contains('docked')")
    assert errors == []
