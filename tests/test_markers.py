"""Event markers: added and imported on the results page, on every chart, summarised, in both exports."""

import csv
import io
import json

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from analysis.core.group_mood import PersonSeries, group_mood, person_bins
from analysis.core.markers import MarkerFileError, after_marker, count_faces, describe, parse_time, read_marker_csv
from analysis.core.valence import from_raw
from analysis.models import Marker

from .factories import charts_data

pytestmark = pytest.mark.django_db


def test_times_in_seconds_or_minutes():
    assert parse_time("75.5") == 75.5 and parse_time("1:15") == 75 and parse_time("0:01:15.5") == 75.5
    for bad in ["", "abc", "-3", "1::2", "nan"]:
        with pytest.raises(ValueError):
            parse_time(bad)


def test_marker_csv_with_a_header_and_commas_in_labels():
    text = "time,label\n0:05,slide 4\n\n12.5,question 2, the hard one\n"
    assert read_marker_csv(text) == [(5.0, "slide 4"), (12.5, "question 2, the hard one")]


@pytest.mark.parametrize(
    "text,message",
    [("5\n", "Line 1: expected time,label"), ("1,a\nsoon,b\n", "Line 2: 'soon' is not a time"), ("", "No markers")],
)
def test_marker_csv_errors_name_the_line(text, message):
    with pytest.raises(MarkerFileError, match=message):
        read_marker_csv(text)


def test_the_rooms_mood_after_a_marker():
    happy, sad = np.array([0, 0, 0, 0.9, 0, 0, 0.1]), np.array([0, 0, 0, 0, 0.7, 0, 0.3])
    persons = []
    for n in range(1, 4):
        t = np.arange(0, 40, 0.2)
        p = np.where((t < 20)[:, None], happy, sad)
        persons.append(PersonSeries(n, t, p, np.ones(len(t))))
    bin_s, per_person = person_bins(persons, 40)
    mood = group_mood([1, 2, 3], per_person, bin_s)
    before, after = after_marker(mood, 5.0), after_marker(mood, 25.0)
    # Raw valences 0.9 and -0.7 on the calm-anchored scale (core/valence.py).
    assert before.faces == 3 and before.valence == pytest.approx(from_raw(0.9)) and before.shares["happy"] == 1.0
    assert after.valence == pytest.approx(from_raw(-0.7)) and after.shares["sad"] == 1.0
    assert describe(after) == f"next 10 s: 3 faces, valence {from_raw(-0.7):+.2f}; sad 100%"
    assert describe(after_marker(mood, 100.0)) == "next 10 s: no faces"


@pytest.mark.parametrize(
    "mean,text", [(1.0, "1 face"), (3.0, "3 faces"), (2.96, "3 faces"), (2.44, "2.4 faces on average")]
)
def test_a_marker_counts_whole_faces_without_a_decimal(mean, text):
    assert count_faces(mean) == text


def test_add_a_marker_and_find_it_on_the_page_the_charts_and_both_exports(alice, analysed):  # noqa: F811
    video, run, persons = analysed
    response = alice.post(reverse("analysis:add_marker", args=[video.pk]), {"t": "0:01", "label": "question 2"})
    assert response.status_code == 302 and response["Location"].endswith("#markers")
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "question 2" in page and 'data-seek="1.0"' in page
    (marker,) = charts_data(page)["markers"]
    assert (marker["t"], marker["label"]) == (1.0, "question 2")
    assert marker["after"]["faces"] > 0 and marker["text"].startswith("next 10 s:")
    document = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert document["markers"] == [{"t": 1.0, "label": "question 2"}]
    rows = list(csv.reader(io.StringIO(alice.get(reverse("analysis:export_csv", args=[video.pk])).getvalue().decode())))
    header, body = rows[0], rows[1:]
    column = header.index("marker")
    assert {row[column] for row in body if float(row[header.index("t")]) >= 1.0} == {"question 2"}
    assert {row[column] for row in body if float(row[header.index("t")]) < 1.0} == {""}


def test_import_markers_from_csv(alice, analysed):  # noqa: F811
    video, run, persons = analysed
    video.duration_s = 90.0  # long enough for the second marker
    video.save(update_fields=["duration_s"])
    upload = SimpleUploadedFile("markers.csv", b"time,label\n0.5,slide 1\n1:00,slide 2\n", content_type="text/csv")
    response = alice.post(reverse("analysis:import_markers", args=[video.pk]), {"file": upload}, follow=True)
    assert "2 markers imported" in response.content.decode()
    assert list(video.markers.values_list("t", "label")) == [(0.5, "slide 1"), (60.0, "slide 2")]


def test_a_bad_marker_file_is_refused_with_its_line_and_adds_nothing(alice, analysed):  # noqa: F811
    video, run, persons = analysed
    upload = SimpleUploadedFile("markers.csv", b"0.5,ok\nlater,bad\n", content_type="text/csv")
    response = alice.post(reverse("analysis:import_markers", args=[video.pk]), {"file": upload}, follow=True)
    assert "Line 2: &#x27;later&#x27; is not a time" in response.content.decode()
    assert not video.markers.exists()
    bad_time = alice.post(reverse("analysis:add_marker", args=[video.pk]), {"t": "soon", "label": "x"}, follow=True)
    assert "Give the time in seconds" in bad_time.content.decode() and not video.markers.exists()


def test_delete_a_marker(alice, analysed):  # noqa: F811
    video, run, persons = analysed
    marker = Marker.objects.create(video=video, t=2.0, label="end")
    alice.post(reverse("analysis:delete_marker", args=[video.pk, marker.pk]))
    assert not video.markers.exists()


def test_another_users_markers_are_404(client, other_user, analysed):  # noqa: F811
    video, run, persons = analysed
    marker = Marker.objects.create(video=video, t=2.0, label="mine")
    client.force_login(other_user)
    assert client.post(reverse("analysis:add_marker", args=[video.pk]), {"t": "1", "label": "x"}).status_code == 404
    upload = SimpleUploadedFile("m.csv", b"1,x\n", content_type="text/csv")
    assert client.post(reverse("analysis:import_markers", args=[video.pk]), {"file": upload}).status_code == 404
    assert client.post(reverse("analysis:delete_marker", args=[video.pk, marker.pk])).status_code == 404
    assert list(video.markers.values_list("label", flat=True)) == ["mine"]


def test_markers_added_and_deleted_in_place(alice, analysed):  # noqa: F811
    video, run, persons = analysed
    url = reverse("analysis:add_marker", args=[video.pk])
    update = alice.post(url, {"t": "1.5", "label": "slide 4"}, HTTP_ACCEPT="application/json").json()
    marker = Marker.objects.get(video=video)
    assert [(m["id"], m["label"]) for m in update["charts"]["markers"]] == [(marker.pk, "slide 4")]
    marker_list = update["html"]["marker-list"]
    assert "slide 4" in marker_list and f"/markers/{marker.pk}/delete/" in marker_list
    assert "order" not in update and "group" not in update["charts"]  # a marker moves no person
    assert update["messages"][0]["text"] == "Marker \u201cslide 4\u201d added."
    delete = reverse("analysis:delete_marker", args=[video.pk, marker.pk])
    update = alice.post(delete, HTTP_ACCEPT="application/json").json()
    assert update["charts"]["markers"] == [] and "No markers yet" in update["html"]["marker-list"]


def test_markers_in_place_need_the_owner_and_the_csrf_token(client, user, other_user, analysed):  # noqa: F811
    from django.test import Client

    video, run, persons = analysed
    url = reverse("analysis:add_marker", args=[video.pk])
    client.force_login(other_user)
    assert client.post(url, {"t": "1", "label": "x"}, HTTP_ACCEPT="application/json").status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(url, {"t": "1", "label": "x"}, HTTP_ACCEPT="application/json").status_code == 403
    assert not video.markers.exists()
