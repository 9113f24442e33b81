"""What the independent fuzzer sent (issue 30): every odd input gets a 4xx with a JSON message, never a 500.

Ids beyond the database's 64-bit integers (in paths and bodies), JSON nested 5,000 deep, CSVs with bare
carriage returns (old Macs) or a byte-order mark, a marker after the video's end, objects where text
belongs, unknown /api/ paths and bodies over the size limit.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from rest_framework.test import APIClient

from analysis.api.parsers import MAX_JSON_DEPTH, depth
from analysis.core.csv_text import CsvTextError, csv_rows
from analysis.models import Marker, Study
from videos.ids import MAX_ID

from .factories import make_run, make_video

BEYOND = MAX_ID + 1  # 9223372036854775808
HUGE = 99999999999999999999


@pytest.fixture
def api(user) -> APIClient:
    client = APIClient(raise_request_exception=False)  # a 500 must show as a 500, not as the test's exception
    client.force_authenticate(user)
    return client


@pytest.fixture
def study_id(api) -> int:
    return api.post("/api/studies/", {"name": "Lectures"}, format="json").json()["id"]


def test_an_id_beyond_the_database_matches_no_url():
    assert resolve(f"/api/videos/{MAX_ID}/").kwargs == {"pk": MAX_ID}
    for path in (f"/api/videos/{BEYOND}/", f"/videos/{HUGE}/", f"/api/studies/1/videos/{BEYOND}/"):
        with pytest.raises(Resolver404):
            resolve(path)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/studies/{study}/videos/{big}/",
        "/api/studies/{big}/",
        "/api/videos/{big}/",
        "/api/videos/{big}/persons/1/",
        "/api/videos/{video}/persons/{big}/",
        "/api/videos/{video}/markers/{big}/",
    ],
)
def test_ids_beyond_64_bits_in_a_path_are_404_in_json(api, user, study_id, method, path):
    video = make_video(user)
    for big in (BEYOND, HUGE):
        response = getattr(api, method)(path.format(study=study_id, big=big, video=video.pk), {}, format="json")
        assert response.status_code == 404, (path, big, response.content[:200])
        assert response.json() == {"detail": "Not found."} or "detail" in response.json()


@pytest.mark.django_db
def test_ids_beyond_64_bits_in_a_body_are_400(api, user, study_id):
    video = make_video(user)
    make_run(video)
    for big in (BEYOND, HUGE):
        for url, body in [
            (f"/api/studies/{study_id}/participants/", {"video": big, "person": 1, "label": "P1"}),
            (f"/api/studies/{study_id}/participants/", {"video": video.pk, "person": big, "label": "P1"}),
            (f"/api/studies/{study_id}/videos/", {"video": big}),
            (f"/api/videos/{video.pk}/blurred/", {"keep_visible": [big]}),
            (f"/api/videos/{video.pk}/persons/1/merge/", {"into": big}),
        ]:
            response = api.post(url, body, format="json")
            assert response.status_code in (400, 404), (url, body, response.content[:200])
            assert response["Content-Type"].startswith("application/json")
    assert not video.blurred_copies.exists()  # nothing queued to fail later in a worker


@pytest.mark.django_db
def test_json_nested_thousands_deep_is_a_400_with_a_message(api):
    body = "[" * 5000 + "]" * 5000
    response = api.generic("POST", "/api/studies/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested more than" in response.json()["detail"]
    shallow = {"name": "ok", "description": "x"}
    nested = json.dumps({"name": "deep", "description": json.loads("[" * 40 + "]" * 40)})
    assert api.post("/api/studies/", shallow, format="json").status_code == 201
    assert api.generic("POST", "/api/studies/", nested, content_type="application/json").status_code == 400
    assert not Study.objects.filter(name="deep").exists()


def test_depth_is_measured_without_recursion():
    assert depth(1) == 0 and depth([]) == 1 and depth({"a": [1, {"b": []}]}) == 4
    deep: list = []
    for _ in range(50_000):  # deeper than Python's recursion limit
        deep = [deep]
    assert depth(deep) == 50_001 > MAX_JSON_DEPTH


def test_csv_with_any_line_ending_and_a_bom():
    expected = [["time", "label"], ["1", "a"], ["2", "b"]]
    for text in ("time,label\r1,a\r2,b\r", "time,label\r\n1,a\r\n2,b\r\n", "\ufefftime,label\n1,a\n2,b\n"):
        assert csv_rows(text) == expected
    with pytest.raises(CsvTextError, match="Not a readable CSV"):
        csv_rows('"' + "x" * 200_000 + '"\n')  # past the csv module's field limit


@pytest.mark.django_db
def test_old_mac_csvs_import_markers_and_study_values(api, user, study_id):
    video = make_video(user, title="Lecture 1")
    response = api.post(
        f"/api/videos/{video.pk}/markers/import/",
        {"file": SimpleUploadedFile("markers.csv", b"time,label\r1,a\r2,b\r", content_type="text/csv")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert list(Marker.objects.filter(video=video).values_list("label", flat=True).order_by("t")) == ["a", "b"]
    values = b"video_title,condition\rLecture 1,A\r"
    response = api.generic("POST", f"/api/studies/{study_id}/values/import/", values, content_type="text/csv")
    assert response.status_code == 200, response.content
    assert Study.objects.get(pk=study_id).memberships.get(video=video).values == {"condition": "A"}


@pytest.mark.django_db
def test_nonsense_values_are_refused(api, user):
    video = make_video(user)  # 2.4 s long
    for t in (1e308, 3.5, "1e308"):
        response = api.post(f"/api/videos/{video.pk}/markers/", {"t": t, "label": "late"}, format="json")
        assert response.status_code == 400 and "after the end of the video" in str(response.json()), t
    assert api.post(f"/api/videos/{video.pk}/markers/", {"t": 2.4, "label": "end"}, format="json").status_code == 201
    response = api.post(f"/api/videos/{video.pk}/markers/", {"t": 1, "label": {"a": 1}}, format="json")
    assert response.status_code == 400 and "Expected text or a number" in response.json()["label"][0]
    for name in ({}, [], {"x": "y"}, False):
        response = api.post("/api/studies/", {"name": name}, format="json")
        assert response.status_code == 400 and "Expected text" in response.json()["name"][0]
    assert not Study.objects.filter(owner=user).exists() and Marker.objects.filter(video=video).count() == 1


@pytest.mark.django_db
def test_unknown_api_paths_and_oversized_bodies_answer_json(api, settings):
    for path in ("/api/nothing/", "/api/videos/1/nothing/", "/api/"):
        response = api.get(path)
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}, path
    assert "<" in APIClient().get("/nothing/").content.decode()  # the site's own 404 page stays a page
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.generic("POST", "/api/studies/", json.dumps({"name": "x" * 5000}), content_type="application/json")
    assert response.status_code in (400, 413) and response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
