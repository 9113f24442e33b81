"""In a real browser: a multi-person clip's room view, highlights, overlay, identity review, baseline, markers."""

import csv
import io
import threading

import django_rq
import pytest
from django.db import connection

from analysis.models import AnalysisRun
from bench.room_clip import room_mosaic

from .conftest import VIDEOS, ThreadWorker
from .test_browser import wait_until, watch_for_errors

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ray_session")]


@pytest.fixture
def room_clip(tmp_path):
    """Four real faces at once (a 2x2 mosaic of the test clips): crying then laughing twice, two smiles."""
    return room_mosaic(VIDEOS, tmp_path / "room.webm")


def analyse(page, live_server, path) -> AnalysisRun:
    page.goto(f"{live_server.url}/videos/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "a-long-pass-phrase-1")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/videos/upload/")
    page.set_input_files("#upload-files", str(path))
    page.fill(".upload-title", "Focus group")
    page.select_option("#upload-sampling", "5")
    page.click("#upload-start")
    page.click("a.upload-video-link")  # its results page
    page.wait_for_selector("text=Queued")
    queue = django_rq.get_queue("default")

    def work() -> None:
        try:
            ThreadWorker([queue], connection=queue.connection).work(burst=True)
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=300)
    run = AnalysisRun.objects.get(video__title="Focus group")
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    page.wait_for_selector("#chart-heatmap.js-plotly-plot", timeout=30000)  # the page reloads itself when done
    return run


def test_room_view_highlights_overlay_review_baseline_and_markers(page, live_server, user, room_clip):
    errors = watch_for_errors(page)
    run = analyse(page, live_server, room_clip)
    rows = page.evaluate("document.getElementById('chart-heatmap').data[0].y.length")
    assert rows == run.persons.filter(hidden=False).count() >= 3
    assert page.locator("#chart-group.js-plotly-plot").count() == 1

    # A highlight is a sentence whose time seeks the player.
    link = page.locator("#highlights a[data-seek]").first
    target = float(link.get_attribute("data-seek"))
    page.evaluate("document.getElementById('player').muted = true")
    link.click()
    wait_until(page, f"Math.abs(document.getElementById('player').currentTime - {target}) < 1.0")

    # The overlay draws the stored boxes; clicking one selects that person's section.
    page.evaluate("const v = document.getElementById('player'); v.pause(); v.currentTime = 5;")
    wait_until(page, "document.getElementById('player').readyState >= 2")
    page.check("#overlay-toggle")
    wait_until(
        page,
        "(() => { const c = document.getElementById('overlay'); if (!c.width) return false;"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; })()",
        timeout=15000,
    )
    overlay = page.evaluate("fetch(document.getElementById('overlay').dataset.url + '?start=0').then(r => r.json())")
    near = [row for row in overlay["samples"] if abs(row[0] - 5) <= 0.2]
    # A face in the mosaic's top row: the clicks for the boxes stop above the player's control bar.
    t, number, x, y, w, h, _ = min(near, key=lambda row: row[3])
    click = page.evaluate(
        f"""(() => {{ const v = document.getElementById('player'), c = document.getElementById('overlay');
        const s = Math.min(v.clientWidth / v.videoWidth, v.clientHeight / v.videoHeight);
        const left = (v.clientWidth - v.videoWidth * s) / 2, top = (v.clientHeight - v.videoHeight * s) / 2;
        return [left + ({x} + {w} / 2) * s, top + ({y} + {h} / 2) * s]; }})()"""
    )
    page.locator("#overlay-hits").click(position={"x": click[0], "y": click[1]})
    page.wait_for_selector(f"#person-{number}.selected")
    page.uncheck("#overlay-toggle")

    # Baseline view: each line relative to the person's median.
    first = page.locator("section.person").first
    person_id = first.get_attribute("data-person")
    before_split = run.persons.get(number=1).sample_count
    first.locator(".baseline-on").check()
    title = page.evaluate(f"document.getElementById('chart-emotions-{person_id}').layout.yaxis.title.text")
    assert title == "difference from baseline"
    assert page.evaluate(f"document.getElementById('chart-emotions-{person_id}').layout.yaxis.range[0]") == -1

    # Identity review: split a person in two at 10 s (a new row), then merge the two back.
    first.locator("summary").click()
    first.locator("input[name=at_s]").fill("10")
    first.locator("form[action$='/split/'] button").click()
    page.wait_for_selector("text=From 10 s on")
    page.wait_for_selector("#chart-heatmap.js-plotly-plot")
    assert page.evaluate("document.getElementById('chart-heatmap').data[0].y.length") == rows + 1
    newest = page.locator("section.person").last
    newest.locator("summary").click()
    newest.locator("select[name=into]").select_option(label="Person 1")
    newest.locator("button[name=merge]").click()
    page.wait_for_selector("text=merged into Person 1")
    page.wait_for_selector("#chart-heatmap.js-plotly-plot")
    assert page.evaluate("document.getElementById('chart-heatmap').data[0].y.length") == rows
    assert run.persons.get(number=1).sample_count == before_split

    # A marker: added at the player's time, listed, drawn on the charts, and in the CSV.
    page.evaluate("document.getElementById('player').currentTime = 3")
    page.click("#marker-now")
    page.fill("#add-marker input[name=label]", "slide 4")
    page.click("#add-marker button[type=submit]")
    page.wait_for_selector(".markers >> text=slide 4")
    page.wait_for_selector("#chart-group.js-plotly-plot")
    shapes = page.evaluate("document.getElementById('chart-group').layout.shapes.map(s => s.x0)")
    assert any(abs(x0 - 3) < 0.2 for x0 in shapes)
    exported = page.request.get(f"{live_server.url}/videos/{run.video_id}/export.csv").text()
    table = list(csv.reader(io.StringIO(exported)))
    column = table[0].index("marker")
    assert {row[column] for row in table[1:] if float(row[table[0].index("t")]) >= 3.1} == {"slide 4"}
    # No widget threw, logged an error or met a failed request on the way.
    assert errors == []
