"""The REST API (/api/): token and session auth, per-user isolation, upload, status, results, schema.

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
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analysis.core.emotions import EMOTIONS
from analysis.models import AnalysisRun, Person, Sample
from videos.models import Video

from .conftest import EXPORT_KEYS, VIDEOS, make_video
from .test_results_views import CSV_HEADER, add_person, make_run

pytestmark = pytest.mark.django_db

SINGLE_FACE = VIDEOS / "single_face.mp4"
VIDEO_URL_NAMES = ["api:video-detail", "api:video-results", "api:video-results-csv"]


def queue():
    return django_rq.get_queue("default")


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


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
    add_person(run, 1, EMOTIONS.index("happy"), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    return video, run


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
        ("get", "api:video-results"),
        ("get", "api:video-results-csv"),
        ("get", "api:schema"),
    ],
)
def test_unauthenticated_is_401_not_a_login_redirect(user, method, name):
    video = make_video(user)
    url = reverse(name, args=[video.pk]) if name in VIDEO_URL_NAMES else reverse(name)
    response = getattr(APIClient(), method)(url)
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
    )
    response = api.get(reverse("api:video-detail", args=[video.pk]))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == video.pk
    assert body["status"] == "running"
    assert body["status_label"] == "Processing"
    assert body["progress"] == {"frames_done": 6, "frames_total": 12, "percent": 50, "eta_s": 8.0, "sample_fps": 5.0}
    assert body["has_results"] is False


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
    job = django_rq.get_queue("default", commit_mode="auto").enqueue("analysis.jobs.run_analysis", run.pk)
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
    assert set(schema["paths"]) == {
        "/api/videos/",
        "/api/videos/{id}/",
        "/api/videos/{id}/results/",
        "/api/videos/{id}/results.csv",
    }
    assert set(schema["paths"]["/api/videos/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/videos/{id}/"]) == {"get", "delete"}
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
