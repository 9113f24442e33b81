"""The REST API (/api/): token and session auth, per-user isolation, upload, status, results, markers, persons, schema.

Most tests go through DRF's APIClient; test_live_server_* speak real HTTP with `requests`.
"""

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path

import django_rq
import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analysis.core.emotions import EMOTIONS
from analysis.core.markers import MAX_MARKERS
from analysis.models import AnalysisRun, Marker, Person, RunTimeline, Sample
from videos.models import PreviewStatus, Video

from .conftest import ATTENTION_POSES, CSV_HEADER, EXPORT_KEYS, VIDEOS
from .factories import add_person, make_run, make_video, queue, stored_files

pytestmark = pytest.mark.django_db

SINGLE_FACE = VIDEOS / "single_face.mp4"
VIDEO_URL_NAMES = ["api:video-detail", "api:video-results", "api:video-results-csv"]
# The markers' and persons' URLs, each with a method and a valid body (so that only ownership can refuse it).
MARKER_REQUESTS = [
    ("get", "api:video-markers", None),
    ("post", "api:video-markers", {"t": 1.5, "label": "slide 2"}),
    ("post", "api:video-markers-import", "file"),
    ("delete", "api:video-marker-detail", None),
]
PERSON_REQUESTS = [
    ("get", "api:video-persons", None),
    ("get", "api:video-person-detail", None),
    ("patch", "api:video-person-detail", {"name": "Bob", "hidden": True}),
    ("post", "api:video-person-merge", {"into": 2}),
    ("post", "api:video-person-split", {"at_s": 0.5}),
]


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def api(user) -> APIClient:
    """Alice, authenticated by her token."""
    return token_client(user)


@pytest.fixture
def analysed(user):
    """Alice's video with a succeeded run: person 1 (happy, 6 samples) and person 2 (sad, 5 samples)."""
    video = make_video(user)
    run = make_run(video, persons_count=2, faces_count=11)
    add_person(run, 2, EMOTIONS.index("sad"), [1.2, 1.4, 1.6, 1.8, 2.0], box=(300, 40, 60, 60))
    add_person(run, 1, EMOTIONS.index("happy"), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], poses=ATTENTION_POSES)
    return video, run


def url_of(name: str, video: Video, marker: Marker | None = None, number: int = 1) -> str:
    """A URL of the API, with the video, marker or person number its name needs."""
    if name == "api:video-marker-detail":
        return reverse(name, args=[video.pk, marker.pk if marker else 1])
    if name in ("api:video-person-detail", "api:video-person-merge", "api:video-person-split"):
        return reverse(name, args=[video.pk, number])
    if name == "api:schema" or name == "api:video-list":
        return reverse(name)
    return reverse(name, args=[video.pk])


def marker_file(content: bytes, name: str = "markers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def send(client: APIClient, method: str, url: str, body):
    """`body` "file": a one-line marker file, multipart; else JSON (or nothing)."""
    if body == "file":
        return client.post(url, {"file": marker_file(b"1,from a file\n")}, format="multipart")
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, body, format="json")


def upload(client: APIClient, path: Path, title: str = "My clip", **fields):
    with path.open("rb") as handle:
        return client.post(reverse("api:video-list"), {"title": title, "file": handle, **fields}, format="multipart")


def streamed_text(response) -> str:
    return b"".join(response.streaming_content).decode()


# Authentication


@pytest.mark.parametrize(
    "method, name",
    [
        ("get", "api:video-list"),
        ("post", "api:video-list"),
        ("get", "api:video-detail"),
        ("delete", "api:video-detail"),
        ("post", "api:video-reprocess"),
        ("get", "api:video-results"),
        ("get", "api:video-results-csv"),
        ("get", "api:schema"),
    ]
    + [(method, name) for method, name, _ in MARKER_REQUESTS + PERSON_REQUESTS],
)
def test_unauthenticated_is_401_not_a_login_redirect(user, method, name):
    video = make_video(user)
    response = getattr(APIClient(), method)(url_of(name, video))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert Video.objects.filter(pk=video.pk).exists()


def test_a_wrong_token_is_401(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get(reverse("api:video-list")).status_code == 401


def test_session_auth_reads_but_writes_need_csrf(user):
    video = make_video(user)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(reverse("api:video-list")).json()["count"] == 1

    response = client.delete(reverse("api:video-detail", args=[video.pk]))
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Video.objects.filter(pk=video.pk).exists()
    response = upload(client, SINGLE_FACE)
    assert response.status_code == 403
    assert Video.objects.count() == 1


# Listing and detail


def test_list_has_only_the_callers_videos_newest_first_with_status(api, user, other_user):
    older = make_video(user, "Older")
    make_run(older, status=AnalysisRun.Status.FAILED, error="boom")
    newer = make_video(user, "Newer")
    make_video(other_user, "Not alice's")

    response = api.get(reverse("api:video-list"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None
    assert [video["id"] for video in body["results"]] == [newer.pk, older.pk]
    first, second = body["results"]
    assert first["title"] == "Newer"
    assert first["status"] is None
    assert first["progress"] is None
    assert first["duration_s"] == 2.4
    assert first["uploaded_at"].startswith(str(newer.created_at.year))
    assert second["status"] == "failed"
    assert second["error"] == "boom"
    assert second["has_results"] is False
    assert first["url"] == f"http://testserver{reverse('api:video-detail', args=[newer.pk])}"


def test_list_is_paginated(api, user):
    # Rows only: the list never opens the files.
    Video.objects.bulk_create(
        Video(
            owner=user,
            title=f"Clip {i}",
            file=f"videos/{user.pk}/{i}.mp4",
            original_name="clip.mp4",
            size_bytes=1,
            duration_s=1.0,
            fps=30.0,
            width=64,
            height=64,
            frame_count=30,
        )
        for i in range(53)
    )
    first = api.get(reverse("api:video-list")).json()
    assert first["count"] == 53
    assert len(first["results"]) == 50
    assert first["next"].endswith("?page=2")
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 3
    assert second["next"] is None


def test_detail_of_a_running_analysis_has_progress_and_eta(api, user):
    video = make_video(user)
    now = timezone.now()
    make_run(
        video,
        status=AnalysisRun.Status.RUNNING,
        frames_done=6,
        frames_total=12,
        started_at=now - timedelta(seconds=8),
        heartbeat_at=now,
        progress_at=now,
        progress_speed=0.75,  # samples a second: 6 left is 8 s
    )
    response = api.get(reverse("api:video-detail", args=[video.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == video.pk
    assert body["status"] == "running"
    assert body["status_label"] == "Processing"
    progress = body["progress"]
    assert progress == {**progress, "frames_done": 6, "frames_total": 12, "percent": 50, "sample_fps": 5.0}
    assert progress["eta_s"] == pytest.approx(8.0, abs=0.5)
    assert body["has_results"] is False


def test_the_browser_preview_is_reported_and_in_the_schema(api, user):
    plain = make_video(user, "Plain mp4")
    hevc = make_video(user, "iPhone clip")
    reason = "HEVC is not played by browsers"
    Video.objects.filter(pk=hevc.pk).update(
        preview_status=PreviewStatus.FAILED, preview_reason=reason, preview_error="The video file could not be opened."
    )
    assert api.get(reverse("api:video-detail", args=[plain.pk])).json()["preview"] is None
    preview = api.get(reverse("api:video-detail", args=[hevc.pk])).json()["preview"]
    assert preview == {"status": "failed", "reason": reason, "error": "The video file could not be opened."}
    listed = {video["id"]: video["preview"] for video in api.get(reverse("api:video-list")).json()["results"]}
    assert listed == {plain.pk: None, hevc.pk: preview}

    schema = json.loads(api.get(reverse("api:schema"), {"format": "json"}).content)
    field = schema["components"]["schemas"]["Video"]["properties"]["preview"]
    assert field.get("nullable") is True or {"type": "null"} in field.get("oneOf", [])
    preview_schema = schema["components"]["schemas"]["Preview"]
    assert set(preview_schema["properties"]) == {"status", "reason", "error"}
    status = preview_schema["properties"]["status"]
    choices = schema["components"]["schemas"][status["allOf"][0]["$ref"].rsplit("/", 1)[1]]["enum"]
    assert choices == ["making", "ready", "failed"]


def test_detail_shows_the_latest_run_and_whether_results_exist(api, analysed):
    video, _ = analysed
    make_run(video, status=AnalysisRun.Status.FAILED, frames_done=0, error="Worker lost")
    body = api.get(reverse("api:video-detail", args=[video.pk])).json()
    assert body["status"] == "failed"
    assert body["error"] == "Worker lost"
    assert body["progress"]["eta_s"] is None
    # A newer failed run keeps the last results, as on the page.
    assert body["has_results"] is True
    assert api.get(body["results_url"]).status_code == 200


# Reprocess


@pytest.mark.django_db(transaction=True)
def test_reprocess_queues_a_new_run_and_answers_the_video(api, analysed):
    video, run = analysed
    Person.objects.filter(run=run, number=1).update(name="Ada")
    response = api.post(reverse("api:video-reprocess", args=[video.pk]))
    assert response.status_code == 202
    body = response.json()
    assert body == api.get(reverse("api:video-detail", args=[video.pk])).json()
    assert (body["status"], body["has_results"]) == ("queued", True)  # the old results stay until new ones
    new = video.runs.get(status=AnalysisRun.Status.QUEUED)
    assert new.sample_fps == run.sample_fps
    assert queue().job_ids == [new.rq_job_id]
    # Already queued: nothing doubled.
    again = api.post(reverse("api:video-reprocess", args=[video.pk]))
    assert again.status_code == 409
    assert again.json() == {"detail": "This video is already being analysed."}
    assert video.runs.filter(status__in=AnalysisRun.ACTIVE).count() == 1


def test_reprocess_past_the_active_runs_cap_is_429_with_the_pages_message(api, user, analysed, settings):
    settings.USER_MAX_ACTIVE_RUNS = 1
    video, _ = analysed
    make_run(make_video(user, "Busy"), status=AnalysisRun.Status.RUNNING)
    response = api.post(reverse("api:video-reprocess", args=[video.pk]))
    assert response.status_code == 429
    assert response.json() == {
        "detail": "You already have 1 video waiting or being analysed; wait for one to finish before starting "
        "another analysis."
    }
    assert video.runs.count() == 1


def test_reprocess_of_another_users_video_is_404(user, other_user, analysed):
    video, _ = analysed
    response = token_client(other_user).post(reverse("api:video-reprocess", args=[video.pk]))
    assert response.status_code == 404
    assert video.runs.count() == 1


def test_reprocess_needs_a_post(api, analysed):
    video, _ = analysed
    assert api.get(reverse("api:video-reprocess", args=[video.pk])).status_code == 405


# Upload


@pytest.mark.django_db(transaction=True)
def test_upload_creates_video_run_and_job(api, user, isolated_storage_and_queue):
    response = upload(api, SINGLE_FACE, title="Single face", sample_fps="2")
    assert response.status_code == 201
    video = Video.objects.get()
    body = response.json()
    assert body["id"] == video.pk
    assert body["title"] == "Single face"
    assert body["status"] == "queued"
    assert response["Location"] == body["url"]
    assert video.owner == user
    assert video.original_name == "single_face.mp4"
    assert video.duration_s > 0 and video.width > 0
    assert (isolated_storage_and_queue / video.file.name).read_bytes() == SINGLE_FACE.read_bytes()

    run = AnalysisRun.objects.get(video=video)
    assert run.status == AnalysisRun.Status.QUEUED
    assert run.sample_fps == 2.0
    # Enqueued on commit by the same function the page uses.
    assert queue().job_ids == [run.rq_job_id]
    assert queue().fetch_job(run.rq_job_id).args == (run.pk,)


@pytest.mark.parametrize("sample_fps, expected", [(None, 5.0), ("all", None), ("10", 10.0), ("1.0", 1.0)])
def test_upload_sample_fps_takes_the_pages_choices(api, sample_fps, expected):
    fields = {} if sample_fps is None else {"sample_fps": sample_fps}
    response = upload(api, SINGLE_FACE, **fields)
    assert response.status_code == 201
    assert AnalysisRun.objects.get().sample_fps == expected
    assert response.json()["progress"]["sample_fps"] == expected


def _assert_nothing_stored(media: Path) -> None:
    assert Video.objects.count() == 0
    assert AnalysisRun.objects.count() == 0
    assert stored_files(media) == []
    assert queue().count == 0


def test_upload_of_a_non_video_is_400_with_the_forms_message(api, tmp_path, isolated_storage_and_queue):
    fake = tmp_path / "notes.mp4"
    fake.write_text("These are my notes, not a video.\n" * 200)
    response = upload(api, fake)
    assert response.status_code == 400
    [message] = response.json()["file"]
    assert message.startswith("This is not a video we can read: ")
    _assert_nothing_stored(isolated_storage_and_queue)


def test_upload_of_an_unsupported_type_is_400_with_the_forms_message(api, tmp_path, isolated_storage_and_queue):
    text = tmp_path / "notes.txt"
    text.write_text("not a video")
    response = upload(api, text)
    assert response.status_code == 400
    assert response.json() == {"file": ["Unsupported file type “.txt”. Upload one of: mp4, mov, webm, mkv, avi."]}
    _assert_nothing_stored(isolated_storage_and_queue)


def test_upload_over_the_size_limit_is_400(api, settings, isolated_storage_and_queue):
    settings.VIDEO_MAX_UPLOAD_BYTES = 1000
    response = upload(api, SINGLE_FACE)
    assert response.status_code == 400
    assert "This file is larger than the 1000 bytes limit." in response.json()["file"]
    _assert_nothing_stored(isolated_storage_and_queue)


def test_upload_missing_fields_or_bad_sample_fps_is_400(api, isolated_storage_and_queue):
    response = api.post(reverse("api:video-list"), {}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"title": ["This field is required."], "file": ["This field is required."]}

    response = upload(api, SINGLE_FACE, sample_fps="7")
    assert response.status_code == 400
    assert response.json() == {"sample_fps": ["Select a valid choice. 7 is not one of the available choices."]}
    _assert_nothing_stored(isolated_storage_and_queue)


# Results


def test_results_equal_the_json_export(api, alice, analysed):
    video, _ = analysed
    response = api.get(reverse("api:video-results", args=[video.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    document = response.json()
    export = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert document == export
    assert set(document) == EXPORT_KEYS
    assert [person["id"] for person in document["persons"]] == [1, 2]


def test_results_csv_equals_the_csv_export(api, alice, analysed):
    video, run = analysed
    response = api.get(reverse("api:video-results-csv", args=[video.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == f'attachment; filename="team-meeting-{video.pk}-emotions.csv"'
    text = streamed_text(response)
    export = streamed_text(alice.get(reverse("analysis:export_csv", args=[video.pk])))
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == list(csv.reader(io.StringIO(export)))[0] == CSV_HEADER.split(",")
    assert text == export
    assert len(table) - 1 == Sample.objects.filter(person__run=run).count() == 11


def test_results_csv_honours_accept_text_csv(api, user, analysed):
    video, _ = analysed
    response = api.get(reverse("api:video-results-csv", args=[video.pk]), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert streamed_text(response).splitlines()[0] == CSV_HEADER
    empty = make_video(user, "No results")
    response = api.get(reverse("api:video-results-csv", args=[empty.pk]), HTTP_ACCEPT="text/csv")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("name", ["api:video-results", "api:video-results-csv"])
@pytest.mark.parametrize("status", [None, AnalysisRun.Status.QUEUED, AnalysisRun.Status.FAILED])
def test_results_without_a_succeeded_run_are_404(api, user, status, name):
    video = make_video(user)
    if status is not None:
        make_run(video, status=status, frames_done=0, error="boom" if status == "failed" else "")
    response = api.get(reverse(name, args=[video.pk]))
    assert response.status_code == 404
    assert response.json() == {"detail": "This video has no results yet."}


# Delete


def test_delete_removes_the_video_its_results_and_file(api, analysed, isolated_storage_and_queue):
    video, run = analysed
    path = isolated_storage_and_queue / video.file.name
    assert path.is_file()
    response = api.delete(reverse("api:video-detail", args=[video.pk]))
    assert response.status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not AnalysisRun.objects.filter(pk=run.pk).exists()
    assert not Person.objects.exists() and not Sample.objects.exists()
    assert not path.exists()
    assert api.get(reverse("api:video-detail", args=[video.pk])).status_code == 404


def test_delete_cancels_a_queued_job(api, user):
    video = make_video(user)
    run = make_run(video, status=AnalysisRun.Status.QUEUED, frames_done=0)
    job = django_rq.get_queue("default", commit_mode="auto").enqueue("analysis.runs.jobs.run_analysis", run.pk)
    AnalysisRun.objects.filter(pk=run.pk).update(rq_job_id=job.id)

    assert api.delete(reverse("api:video-detail", args=[video.pk])).status_code == 204
    assert job.id not in queue().job_ids
    assert job.get_status(refresh=True) == "canceled"


# Another user's video does not exist for you


@pytest.mark.parametrize("method, name", [("get", name) for name in VIDEO_URL_NAMES] + [("delete", "api:video-detail")])
def test_another_users_video_is_404_on_every_url(method, name, user, other_user):
    video = make_video(user)
    run = make_run(video)
    add_person(run, 1, 0, [0.0, 0.2])
    mallory = token_client(other_user)

    response = getattr(mallory, method)(reverse(name, args=[video.pk]))
    assert response.status_code == 404
    assert Video.objects.filter(pk=video.pk).exists()
    assert Sample.objects.count() == 2
    # ... and alice still gets it.
    assert token_client(user).get(reverse(name, args=[video.pk])).status_code == 200


def test_another_users_videos_are_not_listed(user, other_user):
    make_video(user)
    assert token_client(other_user).get(reverse("api:video-list")).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


# Markers


def add_markers(video: Video, *rows: tuple[float, str]) -> list[Marker]:
    return [Marker.objects.create(video=video, t=t, label=label) for t, label in rows]


def test_markers_are_listed_by_time_as_in_the_export(api, analysed):
    video, _ = analysed
    assert api.get(url_of("api:video-markers", video)).json() == []
    late, early, middle = add_markers(video, (2.0, "end"), (0.5, "start"), (1.0, "slide 2"))
    response = api.get(url_of("api:video-markers", video))
    assert response.status_code == 200
    assert response.json() == [
        {"id": early.pk, "t": 0.5, "label": "start"},
        {"id": middle.pk, "t": 1.0, "label": "slide 2"},
        {"id": late.pk, "t": 2.0, "label": "end"},
    ]
    document = api.get(reverse("api:video-results", args=[video.pk])).json()
    assert document["markers"] == [{"t": m["t"], "label": m["label"]} for m in response.json()]


@pytest.mark.parametrize("t, seconds", [(12.5, 12.5), (0, 0.0), ("12.5", 12.5), ("0:12.5", 12.5), ("1:02:03", 3723.0)])
def test_add_a_marker_in_seconds_or_m_ss(api, user, t, seconds):
    video = make_video(user)  # never analysed: markers belong to the video
    video.duration_s = 3725.0  # an hour-long recording (a marker must lie inside the video)
    video.save(update_fields=["duration_s"])
    response = api.post(url_of("api:video-markers", video), {"t": t, "label": "  question 2  "}, format="json")
    assert response.status_code == 201, response.json()
    marker = Marker.objects.get(video=video)
    assert response.json() == {"id": marker.pk, "t": seconds, "label": "question 2"}
    assert (marker.t, marker.label) == (seconds, "question 2")
    assert api.get(url_of("api:video-markers", video)).json() == [response.json()]


def test_add_a_marker_form_encoded(api, analysed):
    video, _ = analysed
    response = api.post(url_of("api:video-markers", video), {"t": "0:01", "label": "slide 4"})
    assert response.status_code == 201
    assert list(video.markers.values_list("t", "label")) == [(1.0, "slide 4")]


TIME_MESSAGE = "Give the time in seconds (75.5) or as m:ss (1:15.5)."


@pytest.mark.parametrize(
    "body, errors",
    [
        ({}, {"t": ["This field is required."], "label": ["This field is required."]}),
        ({"t": "soon", "label": "x"}, {"t": [TIME_MESSAGE]}),
        ({"t": -3, "label": "x"}, {"t": [TIME_MESSAGE]}),
        ({"t": "1::2", "label": "x"}, {"t": [TIME_MESSAGE]}),
        ({"t": True, "label": "x"}, {"t": ["Expected text or a number, not bool."]}),
        ({"t": None, "label": "x"}, {"t": ["This field is required."]}),
        ({"t": 1, "label": "   "}, {"label": ["This field is required."]}),
        ({"t": 1, "label": "x" * 121}, {"label": ["Ensure this value has at most 120 characters (it has 121)."]}),
        ([{"t": 1, "label": "x"}], {"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}),
    ],
)
def test_a_refused_marker_is_400_with_the_pages_messages(api, analysed, body, errors):
    video, _ = analysed
    response = api.post(url_of("api:video-markers", video), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not Marker.objects.exists()


def test_a_video_has_at_most_max_markers(api, analysed):
    video, _ = analysed
    Marker.objects.bulk_create(Marker(video=video, t=i, label=f"m{i}") for i in range(MAX_MARKERS - 1))
    assert api.post(url_of("api:video-markers", video), {"t": 1, "label": "last"}, format="json").status_code == 201
    response = api.post(url_of("api:video-markers", video), {"t": 1, "label": "one too many"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [f"A video can have at most {MAX_MARKERS} markers."]}
    assert video.markers.count() == MAX_MARKERS


def test_import_markers_from_csv(api, user):
    video = make_video(user)  # never analysed
    video.duration_s = 120.0  # long enough for the markers below
    video.save(update_fields=["duration_s"])
    add_markers(video, (30.0, "already there"))
    content = b"time,label\n1:00,slide 2\n0.5,slide 1\n\n12.5,question 2, the hard one\n"
    response = api.post(url_of("api:video-markers-import", video), {"file": marker_file(content)}, format="multipart")
    assert response.status_code == 201, response.json()
    imported = response.json()
    assert [(m["t"], m["label"]) for m in imported] == [
        (0.5, "slide 1"),
        (12.5, "question 2, the hard one"),
        (60.0, "slide 2"),
    ]
    assert {m["id"] for m in imported} == set(video.markers.exclude(label="already there").values_list("pk", flat=True))
    listed = api.get(url_of("api:video-markers", video)).json()
    assert [m["label"] for m in listed] == ["slide 1", "question 2, the hard one", "already there", "slide 2"]


@pytest.mark.parametrize(
    "content, message",
    [
        (b"0.5,ok\nlater,bad\n", "Line 2: 'later' is not a time (seconds, or m:ss)"),
        (b"0.5,ok\n7\n", "Line 2: expected time,label"),
        (b"1,%s\n" % (b"x" * 121), "Line 1: the label is longer than 120 characters"),
        (b"time,label\n", "No markers in the file (expected lines of time,label)"),
        ("1,caf\u00e9\n".encode("latin-1"), "The marker file is not UTF-8 text."),
        (b"1,x\n" * (64 * 1024 + 1), "The marker file is over 256 KB."),
        (b"".join(b"%d,m\n" % i for i in range(MAX_MARKERS + 1)), f"More than {MAX_MARKERS} markers"),
    ],
)
def test_a_refused_marker_file_is_400_with_the_pages_message_and_adds_nothing(api, analysed, content, message):
    video, _ = analysed
    response = api.post(url_of("api:video-markers-import", video), {"file": marker_file(content)}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": [message]}
    assert not Marker.objects.exists()


def test_import_without_a_file_or_past_max_markers_is_400(api, analysed):
    video, _ = analysed
    response = api.post(url_of("api:video-markers-import", video), {}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"file": ["This field is required."]}

    Marker.objects.bulk_create(Marker(video=video, t=i, label=f"m{i}") for i in range(MAX_MARKERS - 1))
    two = marker_file(b"1,a\n2,b\n")
    response = api.post(url_of("api:video-markers-import", video), {"file": two}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [f"A video can have at most {MAX_MARKERS} markers."]}
    assert video.markers.count() == MAX_MARKERS - 1  # all or nothing


def test_delete_a_marker(api, user, analysed):
    video, _ = analysed
    kept, deleted = add_markers(video, (1.0, "kept"), (2.0, "deleted"))
    response = api.delete(url_of("api:video-marker-detail", video, deleted))
    assert response.status_code == 204
    assert list(video.markers.values_list("label", flat=True)) == ["kept"]
    assert api.delete(url_of("api:video-marker-detail", video, deleted)).status_code == 404
    # A marker is found under its own video only.
    other_video = make_video(user, "Another of alice's")
    assert api.delete(url_of("api:video-marker-detail", other_video, kept)).status_code == 404
    assert video.markers.count() == 1


def test_marker_writes_with_the_session_need_csrf(user, analysed):
    video, _ = analysed
    (marker,) = add_markers(video, (1.0, "mine"))
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(url_of("api:video-markers", video)).status_code == 200
    for method, name, body in MARKER_REQUESTS[1:]:
        response = send(client, method, url_of(name, video, marker), body)
        assert response.status_code == 403
        assert "CSRF" in response.json()["detail"]
    assert list(video.markers.values_list("label", flat=True)) == ["mine"]


# Persons


PERSON_KEYS = {"number", "name", "label", "hidden", "first_s", "last_s", "sample_count", "dominant", "shares", "mean"}
PERSON_KEYS |= {"valence", "calm_from_s", "calm_to_s", "looking_down", "attention", "facial"}


def test_persons_of_the_shown_results(api, analysed):
    video, run = analysed
    response = api.get(url_of("api:video-persons", video))
    assert response.status_code == 200
    first, second = response.json()
    assert set(first) == PERSON_KEYS
    one = Person.objects.get(run=run, number=1)
    assert first == {
        "number": 1,
        "name": "",
        "label": "Person 1",
        "hidden": False,
        "first_s": 0.0,
        "last_s": 1.0,
        "sample_count": 6,
        "dominant": "happy",
        "shares": one.shares,
        "mean": one.mean,
        "valence": one.valence,
        "calm_from_s": None,
        "calm_to_s": None,
        "looking_down": one.looking_down,
        "attention": pytest.approx(5 / 6, abs=1e-4),  # the third of ATTENTION_POSES is turned away
        "facial": None,  # these samples have no facial measures (tests/test_facial_summary.py has some)
    }
    assert set(first["shares"]) == set(first["mean"]) == set(EMOTIONS)
    assert (second["number"], second["dominant"], second["sample_count"]) == (2, "sad", 5)
    assert second["attention"] is None and second["valence"] < 0 < first["valence"]  # no poses; sad
    # The same persons, summaries and times as the results.
    document = api.get(reverse("api:video-results", args=[video.pk])).json()
    for person, exported in zip(response.json(), document["persons"]):
        assert (person["number"], person["shares"], person["mean"]) == (
            exported["id"],
            exported["shares"],
            exported["mean"],
        )
        assert (person["first_s"], person["last_s"]) == (exported["first_s"], exported["last_s"])
        assert (person["valence"], person["attention"]) == (exported["valence"], exported["attention"])
        assert person["facial"] == exported["facial"]
    assert [(s["yaw"], s["pitch"]) for s in document["persons"][0]["samples"]] == ATTENTION_POSES


def test_one_person_is_as_in_the_list(api, analysed):
    video, run = analysed
    Person.objects.filter(run=run, number=2).update(hidden=True, name="A poster")
    listed = api.get(url_of("api:video-persons", video)).json()
    for number in (1, 2):
        response = api.get(url_of("api:video-person-detail", video, number=number))
        assert response.status_code == 200
        assert response.json() == listed[number - 1]
    assert response.json()["hidden"] is True  # a hidden person is found too, to be shown again


@pytest.mark.parametrize("method, name, body", PERSON_REQUESTS)
@pytest.mark.parametrize("status", [None, AnalysisRun.Status.RUNNING, AnalysisRun.Status.FAILED])
def test_persons_without_a_succeeded_run_are_404(api, user, status, method, name, body):
    video = make_video(user)
    if status is not None:
        run = make_run(video, status=status, frames_done=0, error="boom" if status == "failed" else "")
        add_person(run, 1, 0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])  # a provisional track
        add_person(run, 2, 0, [1.2, 1.4])
    response = send(api, method, url_of(name, video), body)
    assert response.status_code == 404
    assert response.json() == {"detail": "This video has no results yet."}
    assert not Person.objects.filter(name="Bob").exists() and Person.objects.count() == (2 if status else 0)


def test_persons_are_those_of_the_newest_succeeded_run(api, analysed):
    video, old = analysed
    newer = make_run(video, persons_count=1)
    add_person(newer, 1, EMOTIONS.index("angry"), [0.0, 0.2, 0.4])
    make_run(video, status=AnalysisRun.Status.FAILED, frames_done=0, error="boom")  # keeps the results shown
    persons = api.get(url_of("api:video-persons", video)).json()
    assert [(p["number"], p["dominant"]) for p in persons] == [(1, "angry")]
    assert (
        api.patch(url_of("api:video-person-detail", video, number=2), {"name": "Old"}, format="json").status_code == 404
    )
    assert not Person.objects.filter(run=old, name="Old").exists()


def test_rename_a_person_and_back_to_the_number(api, analysed):
    video, run = analysed
    url = url_of("api:video-person-detail", video, number=1)
    response = api.patch(url, {"name": "  Ada  "}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["name"], body["label"], body["hidden"]) == (1, "Ada", "Ada (person 1)", False)
    assert [p["name"] for p in api.get(reverse("api:video-results", args=[video.pk])).json()["persons"]] == ["Ada", ""]
    rows = csv.DictReader(io.StringIO(streamed_text(api.get(reverse("api:video-results-csv", args=[video.pk])))))
    assert {(row["person_id"], row["person_name"]) for row in rows} == {("1", "Ada"), ("2", "")}
    assert api.patch(url, {"name": ""}, format="json").json()["label"] == "Person 1"
    assert Person.objects.get(run=run, number=1).name == ""


def test_hide_a_person_and_show_it_again(api, analysed):
    video, run = analysed
    url = url_of("api:video-person-detail", video, number=2)
    response = api.patch(url, {"hidden": True}, format="json")
    assert response.status_code == 200
    assert response.json()["hidden"] is True
    assert Sample.objects.filter(person__run=run, person__number=2).count() == 5  # kept
    assert [p["id"] for p in api.get(reverse("api:video-results", args=[video.pk])).json()["persons"]] == [1]
    assert RunTimeline.objects.get(run=run).numbers == [1]
    run.refresh_from_db()
    assert run.persons_count == 1
    # Still listed, so that it can be shown again.
    assert [(p["number"], p["hidden"]) for p in api.get(url_of("api:video-persons", video)).json()] == [
        (1, False),
        (2, True),
    ]
    # Form-encoded, a name alone does not touch `hidden`.
    assert api.patch(url, {"name": "A poster"}).json()["hidden"] is True
    response = api.patch(url, {"hidden": False, "name": "Bea"}, format="json")
    assert (response.json()["hidden"], response.json()["label"]) == (False, "Bea (person 2)")
    assert [p["id"] for p in api.get(reverse("api:video-results", args=[video.pk])).json()["persons"]] == [1, 2]


@pytest.mark.parametrize(
    "body, errors",
    [
        ({}, {"non_field_errors": ["Give name, hidden, the calm stretch (calm_from_s and calm_to_s) or more."]}),
        (
            {"nmae": "Ada"},
            {"non_field_errors": ["Give name, hidden, the calm stretch (calm_from_s and calm_to_s) or more."]},
        ),
        ({"name": "x" * 81}, {"name": ["Ensure this field has no more than 80 characters."]}),
        ({"name": None}, {"name": ["This field may not be null."]}),
        ({"hidden": "maybe"}, {"hidden": ["Must be a valid boolean."]}),
        ({"name": "Ada", "hidden": "maybe"}, {"hidden": ["Must be a valid boolean."]}),
    ],
)
def test_a_refused_person_edit_is_400_and_changes_nothing(api, analysed, body, errors):
    video, run = analysed
    response = api.patch(url_of("api:video-person-detail", video, number=1), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    one = Person.objects.get(run=run, number=1)
    assert (one.name, one.hidden) == ("", False)


@pytest.mark.parametrize("method, name, body", PERSON_REQUESTS[1:])
def test_a_person_number_not_in_the_results_is_404(api, analysed, method, name, body):
    video, run = analysed
    response = send(api, method, url_of(name, video, number=9), body)
    assert response.status_code == 404
    assert [(p.number, p.name, p.sample_count) for p in run.persons.order_by("number")] == [(1, "", 6), (2, "", 5)]


def test_merge_a_person_into_another(api, analysed):
    video, run = analysed
    response = api.post(url_of("api:video-person-merge", video, number=2), {"into": 1}, format="json")
    assert response.status_code == 200
    merged = response.json()
    assert (merged["number"], merged["sample_count"], merged["first_s"], merged["last_s"]) == (1, 11, 0.0, 2.0)
    assert 0.0 < merged["shares"]["happy"] < 1.0 and merged["shares"]["sad"] > 0.0
    assert not Person.objects.filter(run=run, number=2).exists()
    assert Sample.objects.filter(person__run=run).count() == 11  # nothing lost
    assert [p["number"] for p in api.get(url_of("api:video-persons", video)).json()] == [1]
    assert RunTimeline.objects.get(run=run).numbers == [1]


def test_two_people_seen_at_once_cannot_be_merged(api, analysed):
    video, run = analysed
    add_person(run, 3, EMOTIONS.index("angry"), [0.4, 0.6, 0.8])
    response = api.post(url_of("api:video-person-merge", video, number=3), {"into": 1}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Person 1 and Person 3 are on screen at the same moment: they are two people."}
    assert Sample.objects.filter(person__run=run, person__number=3).count() == 3


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"into": 2}, {"detail": "Choose another person of the same analysis to merge."}),
        ({"into": 9}, {"into": ["Person 9 is not a shown person of these results."]}),
        ({"into": 3}, {"into": ["Person 3 is not a shown person of these results."]}),  # hidden
        ({}, {"into": ["This field is required."]}),
        ({"into": "one"}, {"into": ["A valid integer is required."]}),
    ],
)
def test_a_refused_merge_is_400_and_changes_nothing(api, analysed, body, errors):
    video, run = analysed
    hidden = add_person(run, 3, EMOTIONS.index("angry"), [3.0, 3.2])
    Person.objects.filter(pk=hidden.pk).update(hidden=True)
    response = api.post(url_of("api:video-person-merge", video, number=2), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert [p.sample_count for p in run.persons.order_by("number")] == [6, 5, 2]


def test_split_a_person_at_a_time(api, analysed):
    video, run = analysed
    response = api.post(url_of("api:video-person-split", video, number=1), {"at_s": 0.5}, format="json")
    assert response.status_code == 201
    new = response.json()
    assert (new["number"], new["sample_count"], new["first_s"], new["last_s"]) == (3, 3, 0.6, 1.0)
    assert new["dominant"] == "happy"
    one = Person.objects.get(run=run, number=1)
    assert (one.sample_count, one.last_s) == (3, 0.4)
    assert [p["number"] for p in api.get(url_of("api:video-persons", video)).json()] == [1, 2, 3]
    assert RunTimeline.objects.get(run=run).numbers == [1, 2, 3]


@pytest.mark.parametrize(
    "body, errors",
    [
        ({"at_s": 99}, {"detail": "Person 1 has no samples on one side of 99 s: nothing to split."}),
        ({"at_s": 0}, {"detail": "Person 1 has no samples on one side of 0 s: nothing to split."}),
        ({"at_s": -1}, {"at_s": ["Ensure this value is greater than or equal to 0."]}),
        ({"at_s": "soon"}, {"at_s": ["A valid number is required."]}),
        ({}, {"at_s": ["This field is required."]}),
    ],
)
def test_a_refused_split_is_400_and_changes_nothing(api, analysed, body, errors):
    video, run = analysed
    response = api.post(url_of("api:video-person-split", video, number=1), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert [p.number for p in run.persons.order_by("number")] == [1, 2]
    assert Person.objects.get(run=run, number=1).sample_count == 6


# Another user's markers and persons do not exist for you


@pytest.mark.parametrize("method, name, body", MARKER_REQUESTS + PERSON_REQUESTS)
def test_another_users_markers_and_persons_are_404_on_every_url(method, name, body, analysed, user, other_user):
    video, run = analysed
    (marker,) = add_markers(video, (1.0, "mine"))
    mallory = token_client(other_user)

    response = send(mallory, method, url_of(name, video, marker), body)
    assert response.status_code == 404
    assert list(video.markers.values_list("t", "label")) == [(1.0, "mine")]
    persons = run.persons.order_by("number")
    assert [(p.number, p.name, p.hidden, p.sample_count) for p in persons] == [(1, "", False, 6), (2, "", False, 5)]
    if name == "api:video-marker-detail":  # ... nor under mallory's own video ...
        own = make_video(other_user, "Mallory's")
        assert send(mallory, method, url_of(name, own, marker), body).status_code == 404
        assert video.markers.count() == 1
    # ... and alice still can.
    assert send(token_client(user), method, url_of(name, video, marker), body).status_code in (200, 201, 204)


# The token page


def test_token_page_needs_login(client):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_token_page_creates_shows_once_and_revokes(alice, user):
    page = alice.get(reverse("api_tokens"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "You have no token." in content
    assert "Create token" in content
    assert f'action="{reverse("api_token_create")}"' in content
    assert 'name="csrfmiddlewaretoken"' in content

    created = alice.post(reverse("api_token_create"))
    assert created.status_code == 200
    assert "no-store" in created["Cache-Control"]
    token = Token.objects.get(user=user)
    assert re.search(r'<code id="token-key">(\w+)</code>', created.content.decode())[1] == token.key

    # The key is shown once: the page shows the token's creation, never its key again.
    again = alice.get(reverse("api_tokens")).content.decode()
    assert token.key not in again
    assert "You have a token, created" in again
    assert "Revoke" in again

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(reverse("api:video-list")).status_code == 200

    revoked = alice.post(reverse("api_token_revoke"))
    assert revoked.status_code == 302
    assert revoked.url == reverse("api_tokens")
    assert not Token.objects.filter(user=user).exists()
    assert "was revoked" in alice.get(revoked.url).content.decode()
    assert client.get(reverse("api:video-list")).status_code == 401


def test_creating_a_second_token_keeps_the_first(alice, user):
    first = Token.objects.create(user=user)
    response = alice.post(reverse("api_token_create"), follow=True)
    assert "Revoke it first" in response.content.decode()
    assert Token.objects.get(user=user).key == first.key


def test_token_forms_need_csrf(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("api_token_create")).status_code == 403
    assert not Token.objects.exists()


# The schema


def test_schema_lists_every_path(api):
    response = api.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Emotion Detector API"
    # The studies' paths: tests/test_study_api.py.
    assert {path for path in schema["paths"] if not path.startswith("/api/studies/")} == {
        "/api/videos/",
        "/api/videos/{id}/",
        "/api/videos/{id}/reprocess/",
        "/api/videos/{id}/results/",
        "/api/videos/{id}/results.csv",
        "/api/videos/{id}/markers/",
        "/api/videos/{id}/markers/import/",
        "/api/videos/{id}/markers/{marker_id}/",
        "/api/videos/{id}/persons/",
        "/api/videos/{id}/persons/{number}/",
        "/api/videos/{id}/persons/{number}/merge/",
        "/api/videos/{id}/persons/{number}/split/",
        "/api/videos/{id}/access/",
        "/api/access/",
        "/api/videos/{id}/delete-source/",
        "/api/retention/",
        "/api/videos/{id}/blurred/",
        "/api/videos/{id}/blurred.mp4",
        "/api/uploads/",
        "/api/uploads/{id}",
    }
    # tus: creation, append and cancel (HEAD, for the offset, is not an OpenAPI operation here).
    assert set(schema["paths"]["/api/uploads/"]) == {"post"}
    assert set(schema["paths"]["/api/uploads/{id}"]) == {"patch", "delete"}
    assert set(schema["paths"]["/api/videos/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/videos/{id}/"]) == {"get", "delete"}
    assert set(schema["paths"]["/api/videos/{id}/markers/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/videos/{id}/markers/{marker_id}/"]) == {"delete"}
    assert set(schema["paths"]["/api/videos/{id}/persons/{number}/"]) == {"get", "patch", "delete"}
    reprocess = schema["paths"]["/api/videos/{id}/reprocess/"]
    assert set(reprocess) == {"post"}
    assert set(reprocess["post"]["responses"]) == {"202", "401", "404", "409", "429"}
    # Every operation documents 401 (schema_hooks.py), and those with a path id 404.
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert "401" in operation["responses"], (method, path)
            assert "{" not in path or "404" in operation["responses"], (method, path)
    assert reprocess["post"]["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Video"
    }
    t = schema["components"]["schemas"]["MarkerCreateRequest"]["properties"]["t"]
    assert [option["type"] for option in t["oneOf"]] == ["number", "string"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]

    yaml = api.get(reverse("api:schema"))
    assert yaml.status_code == 200
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"/api/videos/{id}/results.csv:" in yaml.content


# Real HTTP


def _csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def test_live_server_token_from_the_page_then_list_and_upload(live_server, user, other_user):
    base = live_server.url
    browser = requests.Session()
    # Log in and create the token on the page, as a person would.
    login = browser.get(f"{base}{reverse('login')}", timeout=30)
    browser.post(
        f"{base}{reverse('login')}",
        data={"username": "alice", "password": "a-long-pass-phrase-1", "csrfmiddlewaretoken": _csrf_token(login.text)},
        timeout=30,
    ).raise_for_status()
    page = browser.get(f"{base}{reverse('api_tokens')}", timeout=30)
    assert "Create token" in page.text
    created = browser.post(
        f"{base}{reverse('api_token_create')}", data={"csrfmiddlewaretoken": _csrf_token(page.text)}, timeout=30
    )
    key = re.search(r'<code id="token-key">(\w+)</code>', created.text)[1]

    # A script: only the token, no cookies.
    headers = {"Authorization": f"Token {key}"}
    videos_url = f"{base}{reverse('api:video-list')}"
    assert requests.get(videos_url, timeout=30).status_code == 401
    listed = requests.get(videos_url, headers=headers, timeout=30)
    assert listed.status_code == 200
    assert listed.json()["count"] == 0

    with SINGLE_FACE.open("rb") as handle:
        uploaded = requests.post(
            videos_url,
            headers=headers,
            data={"title": "Over HTTP", "sample_fps": "5"},
            files={"file": ("single_face.mp4", handle, "video/mp4")},
            timeout=60,
        )
    assert uploaded.status_code == 201, uploaded.text
    video = uploaded.json()
    assert video["status"] == "queued"
    assert uploaded.headers["Location"] == video["url"]

    detail = requests.get(video["url"], headers=headers, timeout=30).json()
    assert detail["title"] == "Over HTTP"
    assert detail["progress"]["frames_done"] == 0
    assert [v["id"] for v in requests.get(videos_url, headers=headers, timeout=30).json()["results"]] == [video["id"]]
    assert requests.get(video["results_url"], headers=headers, timeout=30).status_code == 404
    run = AnalysisRun.objects.get(video_id=video["id"])
    assert queue().job_ids == [run.rq_job_id]

    # Another user's token sees nothing of it.
    other = {"Authorization": f"Token {Token.objects.create(user=other_user).key}"}
    assert requests.get(video["url"], headers=other, timeout=30).status_code == 404
    assert requests.delete(video["url"], headers=other, timeout=30).status_code == 404
    assert requests.delete(video["url"], headers=headers, timeout=30).status_code == 204
    assert not Video.objects.exists()
