"""In a real browser: a study of the shared clips, made without code. Three real analyses (the same
man in two clips, a woman in a third); the study gets the videos, a condition, participant labels
from the face suggestions, and shows the comparison, time lines and participants charts."""

import threading

import django_rq
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from analysis.models import AnalysisRun, ParticipantLabel, Study

from .conftest import ThreadWorker
from .factories import upload_clip
from .test_browser import wait_until, watch_for_errors

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ray_session")]
CLIPS = [
    ("single_face.mp4", "Class, week 1"),
    ("single_face.mp4", "Class, week 2"),
    ("WolfgangLanger_Pexels.mp4", "Class, week 3"),
]


def analyse_all(user) -> None:
    client = Client()
    client.force_login(user)
    for name, title in CLIPS:
        upload_clip(client, name, sampling="2", title=title)
    queue = django_rq.get_queue("default")

    def work() -> None:
        try:
            ThreadWorker([queue], connection=queue.connection).work(burst=True)
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(timeout=300)
    runs = AnalysisRun.objects.all()
    assert [run.status for run in runs] == [AnalysisRun.Status.SUCCEEDED] * 3, [run.error for run in runs]


def test_a_study_of_the_shared_clips(page, live_server, user):
    analyse_all(user)
    errors = watch_for_errors(page)
    page.goto(f"{live_server.url}{reverse('login')}")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", "a-long-pass-phrase-1")
    page.click("button[type=submit]")

    # A new study, its three videos and a condition, all from the pages.
    page.click("text=Studies")
    page.fill("input[name=name]", "Class")
    page.click("text=Create study")
    page.wait_for_selector("h1:has-text('Class')")
    for box in page.locator("#study-videos input[name=videos]").all():
        box.check()
    page.click("text=Add to the study")
    page.wait_for_selector("text=3 videos added.")
    page.fill("#variable-name", "condition")  # the Variables section is open while there are none
    page.click("text=Add variable")
    for title, condition in [("Class, week 1", "A"), ("Class, week 2", "A"), ("Class, week 3", "B")]:
        page.fill(f"input[aria-label='condition of {title}']", condition)
    page.click("text=Save values")
    page.wait_for_selector("text=Values saved.")

    # The comparison chart: a bar for A (2 videos) and one for B, each with its count.
    wait_until(page, "document.getElementById('chart-comparison').data !== undefined")
    bars = page.evaluate("document.getElementById('chart-comparison').data[0]")
    assert bars["x"] == ["A", "B"]
    assert bars["text"] == ["2 videos, 2 persons", "1 video, 1 person"]
    assert page.locator("#chart-comparison .bars path").count() >= 2  # drawn, not only given
    # The man smiles in weeks 1-2; the woman cries for half of week 3: A is the happier group.
    assert bars["y"][0] > bars["y"][1]
    attention = page.evaluate("document.getElementById('chart-comparison').data[1].y")
    assert attention[0] > 0.5  # he looks into the camera
    # Group A has two videos: no "95% interval" (it would be their range), each video's own value, named.
    group_a = page.locator("table.groups tr", has_text="Class, week 1").first.inner_text()
    assert "each: Class, week 1" in group_a and "Class, week 2" in group_a

    # The study's table and each video's results page show the same share of face-time and valence.
    for title in ("Class, week 1", "Class, week 3"):
        row = page.locator("#study-videos tr", has=page.locator(f"a:text-is('{title}')"))
        lead = row.locator(".share-lead")
        emotion, share = lead.get_attribute("data-emotion"), lead.inner_text()
        valence = float(row.locator("td").nth(4).inner_text())
        with page.expect_navigation():
            row.locator(f"a:text-is('{title}')").click()
        figures = page.locator("#video-figures")
        assert figures.locator(f".video-share[data-emotion='{emotion}']").inner_text() == share, title
        assert float(figures.locator(".video-valence").inner_text().removeprefix("valence ")) == pytest.approx(
            valence, abs=0.011
        )
        page.go_back()
        page.wait_for_selector("#study-videos")

    # One line per condition, chosen from the page.
    with page.expect_navigation():
        page.select_option("select[name=lines]", "condition")
    wait_until(page, "document.getElementById('chart-lines').data !== undefined")
    names = page.evaluate(
        "document.getElementById('chart-lines').data.filter(t => t.showlegend !== false).map(t => t.name)"
    )
    assert names == ["A (2 videos)", "B"]

    # Participants: the face suggestion finds the same man in weeks 1 and 2; confirming labels both.
    page.click("a:has-text('Participants')")
    suggestion = page.locator("form.suggestion").first
    assert suggestion.locator("figcaption").all_inner_texts() == ["Class, week 1\nPerson 1", "Class, week 2\nPerson 1"]
    suggestion.locator("button").click()
    page.wait_for_selector("text=2 persons labelled “P01”.")
    study = Study.objects.get(owner=user)
    assert sorted(ParticipantLabel.objects.filter(study=study).values_list("person__run__video__title", flat=True)) == [
        "Class, week 1",
        "Class, week 2",
    ]
    page.click("text=← Class")
    wait_until(page, "document.getElementById('chart-participants').data !== undefined")
    traces = page.evaluate("document.getElementById('chart-participants').data.map(t => [t.name, t.x])")
    assert traces == [["P01", ["Class, week 1", "Class, week 2"]]]
    assert not errors, errors
