"""The player's overlay data, and persons' charts loaded on demand (many people on one page)."""

import pytest
from django.urls import reverse

from analysis.core.emotions import EMOTIONS
from analysis.pages.charts import INLINE_PERSONS
from analysis.pages.overlay import OVERLAY_WINDOW_S

from .factories import add_person, charts_data, make_run, make_video

pytestmark = pytest.mark.django_db


def test_overlay_gives_boxes_person_labels_and_the_smoothed_leading_emotion(alice, analysed):  # noqa: F811
    video, run, (first, second) = analysed
    first.name = "Ada"
    first.save()
    body = alice.get(reverse("analysis:overlay", args=[video.pk]), {"start": "0"}).json()
    assert body["start"] == 0 and body["end"] == OVERLAY_WINDOW_S
    assert body["emotions"] == list(EMOTIONS) and len(body["colors"]) == 7
    assert body["persons"] == {"1": "Ada (person 1)", "2": "Person 2"}
    rows = body["samples"]
    assert len(rows) == 11 and rows == sorted(rows, key=lambda row: row[0])
    t, number, x, y, w, h, leading = rows[0]
    assert (t, number, w, h) == (0.0, 1, 30, 40) and EMOTIONS[leading] == "happy"
    assert {EMOTIONS[row[6]] for row in rows if row[1] == 2} == {"sad"}
    later = alice.get(reverse("analysis:overlay", args=[video.pk]), {"start": "30"}).json()
    assert later["samples"] == []
    assert alice.get(reverse("analysis:overlay", args=[video.pk]), {"start": "x"}).status_code == 404


def test_overlay_and_person_charts_are_404_for_another_user(client, other_user, analysed):  # noqa: F811
    video, run, (first, second) = analysed
    client.force_login(other_user)
    assert client.get(reverse("analysis:overlay", args=[video.pk])).status_code == 404
    assert client.get(reverse("analysis:person_charts", args=[video.pk, first.pk])).status_code == 404


def test_many_persons_send_only_the_first_charts_with_the_page(alice, user):
    video = make_video(user)
    run = make_run(video)
    persons = [add_person(run, n, n % 7, [n + 0.2 * i for i in range(6)]) for n in range(1, INLINE_PERSONS + 3)]
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    data = charts_data(page)
    assert set(data["persons"]) == {str(p.pk) for p in persons[:INLINE_PERSONS]}
    later = persons[-1]
    url = reverse("analysis:person_charts", args=[video.pk, later.pk])
    assert f'data-charts-url="{url}"' in page
    charts = alice.get(url).json()
    assert set(charts) == {"emotions", "dominant"} and len(charts["emotions"]["data"]) == 14
    assert len(data["heatmap"]["data"][0]["y"]) == len(persons)
