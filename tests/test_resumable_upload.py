"""Resumable uploads (tus 1.0 at /api/uploads/): chunks, a dropped connection and its resumption,
expiry, other users, and the one-request upload's checks once the last byte is in."""

import base64
import hashlib
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import requests
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analysis.models import AnalysisRun
from videos import partial_uploads
from videos.models import PartialUpload, Video

from . import video_factory as make
from .conftest import VIDEOS
from .factories import work

CLIP = VIDEOS / "single_face.mp4"
TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}


def metadata(**fields: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in fields.items())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def create(client: APIClient, length: int, **fields: str):
    fields.setdefault("filename", "clip.mp4")
    return client.post(
        reverse("api:upload-create"), HTTP_UPLOAD_LENGTH=str(length), HTTP_UPLOAD_METADATA=metadata(**fields), **TUS
    )


def patch(client: APIClient, location: str, offset: int, data: bytes):
    return client.generic(
        "PATCH",
        urlsplit(location).path,
        data,
        content_type="application/offset+octet-stream",
        HTTP_UPLOAD_OFFSET=str(offset),
        **TUS,
    )


def head(client: APIClient, location: str):
    return client.head(urlsplit(location).path, **TUS)


def upload_in_chunks(client: APIClient, data: bytes, chunk: int, **fields: str):
    created = create(client, len(data), **fields)
    assert created.status_code == 201, created.content
    location, offset = created["Location"], 0
    while True:
        response = patch(client, location, offset, data[offset : offset + chunk])
        if offset + chunk >= len(data) or response.status_code != 204:
            return location, response
        assert int(response["Upload-Offset"]) == offset + chunk
        offset += chunk


@pytest.mark.django_db
def test_an_upload_in_chunks_becomes_the_same_video_with_its_analysis_queued(
    api, user, django_capture_on_commit_callbacks
):
    data = CLIP.read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        location, last = upload_in_chunks(api, data, 100_000, filename="Team.mp4", title="Team", sample_fps="2")
    assert last.status_code == 204 and int(last["Upload-Offset"]) == len(data)
    video = Video.objects.get(owner=user)
    # Both absolute, as a tus client's Location is (the page was relative before).
    assert last["Video-Page"] == "http://testserver" + reverse("analysis:results", args=[video.pk])
    assert last["Video-Location"] == "http://testserver" + reverse("api:video-detail", args=[video.pk])
    assert (video.title, video.original_name, video.size_bytes) == ("Team", "Team.mp4", len(data))
    assert sha256(video.file.read()) == sha256(data)
    run = video.runs.get()
    assert run.status == AnalysisRun.Status.QUEUED and run.sample_fps == 2.0 and run.rq_job_id
    # Its bytes became the video's file; until it expires, HEAD says where the video is, for a client
    # whose connection broke as the last chunk went in.
    assert not any(partial_uploads.partial_dir().iterdir())
    again = head(api, location)
    assert again.status_code == 200 and again["Upload-Offset"] == str(len(data))
    assert again["Video-Page"] == last["Video-Page"]
    assert patch(api, location, len(data), b"").status_code == 409
    assert Video.objects.count() == 1
    assert PartialUpload.objects.get().video == video  # it holds no quota: its offset is its length


@pytest.mark.django_db
def test_head_says_where_an_upload_stands_and_a_wrong_offset_is_a_conflict(api):
    location = create(api, 1000)["Location"]
    assert patch(api, location, 0, b"x" * 300).status_code == 204
    response = head(api, location)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert (response["Upload-Offset"], response["Upload-Length"]) == ("300", "1000")
    assert patch(api, location, 100, b"y" * 10).status_code == 409
    assert patch(api, location, 300, b"z" * 701).status_code == 400  # past the declared length
    assert head(api, location)["Upload-Offset"] == "300"


@pytest.mark.django_db
def test_the_protocol_is_announced_and_required(api):
    options = api.options(reverse("api:upload-create"))
    assert options.status_code == 204
    assert options["Tus-Version"] == "1.0.0" and "creation" in options["Tus-Extension"]
    response = api.post(reverse("api:upload-create"), HTTP_UPLOAD_LENGTH="10")  # no Tus-Resumable
    assert response.status_code == 412 and response["Tus-Version"] == "1.0.0"
    assert not PartialUpload.objects.exists()


@pytest.mark.django_db
def test_the_size_limit_the_quota_and_the_fields_are_checked_before_any_byte(api, user, settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 10_000
    too_big = create(api, 10_001)
    assert too_big.status_code == 413 and "larger than the" in too_big.json()["file"][0]
    assert create(api, 100, filename="notes.txt").status_code == 400
    assert "title" in create(api, 100, title="x" * 201).json()
    assert "sample_fps" in create(api, 100, sample_fps="7").json()
    settings.VIDEO_MAX_UPLOAD_BYTES = 10**9
    settings.USER_STORAGE_QUOTA_BYTES = 5000
    assert create(api, 3000).status_code == 201
    # The first upload holds its whole length while it arrives: a second one would pass the quota.
    over = create(api, 3000)
    assert over.status_code == 413 and "storage quota" in over.json()["file"][0]
    assert PartialUpload.objects.filter(owner=user).count() == 1


@pytest.mark.django_db
def test_another_users_upload_does_not_exist_for_them(api, other_user):
    location = create(api, 1000)["Location"]
    patch(api, location, 0, b"a" * 100)
    intruder = APIClient()
    intruder.force_authenticate(other_user)
    assert head(intruder, location).status_code == 404
    assert patch(intruder, location, 100, b"b" * 100).status_code == 404
    assert intruder.delete(urlsplit(location).path, **TUS).status_code == 404
    assert head(api, location)["Upload-Offset"] == "100"
    assert APIClient().head(urlsplit(location).path, **TUS).status_code == 401


@pytest.mark.django_db
def test_cancel_removes_the_upload_and_its_bytes(api):
    location = create(api, 1000)["Location"]
    patch(api, location, 0, b"a" * 100)
    assert api.delete(urlsplit(location).path, **TUS).status_code == 204
    assert head(api, location).status_code == 404
    assert not PartialUpload.objects.exists() and not list(partial_uploads.partial_dir().iterdir())


@pytest.mark.django_db
def test_expired_uploads_are_removed_by_the_maintenance_job(api):
    old = create(api, 1000)["Location"]
    fresh = create(api, 1000)["Location"]
    PartialUpload.objects.filter(pk=urlsplit(old).path.rstrip("/").rsplit("/", 1)[1]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert head(api, old).status_code == 404  # expired is gone for the client at once
    assert partial_uploads.remove_expired() == 1
    assert PartialUpload.objects.count() == 1 and len(list(partial_uploads.partial_dir().iterdir())) == 1
    assert head(api, fresh).status_code == 200


@pytest.mark.django_db
def test_a_cut_file_is_refused_with_the_upload_checks_message(api, tmp_path):
    data = make.cut(CLIP, tmp_path / "cut.mp4", 0.5).read_bytes()
    _, last = upload_in_chunks(api, data, 50_000)
    assert last.status_code == 422
    assert last.json()["file"][0].startswith("This is not a video we can read")
    assert not Video.objects.exists() and not PartialUpload.objects.exists()
    assert not list(partial_uploads.partial_dir().iterdir())


def send_half_then_drop(url: str, token: str, offset: int, chunk: bytes) -> None:
    """A PATCH whose connection breaks after half of its body, as a pulled cable would."""
    parts = urlsplit(url)
    head_lines = [
        f"PATCH {parts.path} HTTP/1.1",
        f"Host: {parts.netloc}",
        f"Authorization: Token {token}",
        "Tus-Resumable: 1.0.0",
        "Content-Type: application/offset+octet-stream",
        f"Upload-Offset: {offset}",
        f"Content-Length: {len(chunk)}",
    ]
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(("\r\n".join(head_lines) + "\r\n\r\n").encode() + chunk[: len(chunk) // 2])
        connection.shutdown(socket.SHUT_WR)
        connection.recv(1024)  # the server's answer, or its close


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_resumes_and_the_same_bytes_are_analysed(live_server, user):
    token = Token.objects.create(user=user).key
    session = requests.Session()
    session.headers.update({"Authorization": f"Token {token}", "Tus-Resumable": "1.0.0"})
    data = (VIDEOS / "short_hamilton_clip.mp4").read_bytes()
    created = session.post(
        live_server.url + reverse("api:upload-create"),
        headers={"Upload-Length": str(len(data)), "Upload-Metadata": metadata(filename="talk.mp4", sample_fps="1")},
    )
    assert created.status_code == 201, created.text
    location = created.headers["Location"]
    chunk = len(data) // 3
    first = session.patch(
        location, data=data[:chunk], headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    )
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(chunk)
    send_half_then_drop(location, token, chunk, data[chunk : 2 * chunk])
    offset = int(session.head(location).headers["Upload-Offset"])
    assert chunk < offset < 2 * chunk  # what arrived before the drop is kept, and no more
    last = session.patch(
        location,
        data=data[offset:],
        headers={"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"},
    )
    assert last.status_code == 204, last.text
    video = Video.objects.get(owner=user)
    assert sha256(video.file.read()) == sha256(data)
    work()
    run = video.runs.get()
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert run.frames_done > 0


@pytest.mark.django_db(transaction=True)
def test_a_real_tus_client_uploads_stops_and_resumes(live_server, user):
    """tuspy (the Python tus client nobody here wrote): a chunk, a stop, a new uploader resuming at the offset."""
    from tusclient import client as tus

    token = Token.objects.create(user=user).key
    endpoint = tus.TusClient(
        live_server.url + reverse("api:upload-create"), headers={"Authorization": f"Token {token}"}
    )
    path, chunk = VIDEOS / "single_face.mp4", 64 * 1024
    metadata = {"filename": "interview.mp4", "title": "Interview", "sample_fps": "1"}
    first = endpoint.uploader(file_path=str(path), chunk_size=chunk, metadata=metadata)
    first.upload_chunk()  # then the client stops (a closed laptop)
    assert first.offset == chunk and not Video.objects.exists()
    resumed = endpoint.uploader(file_path=str(path), chunk_size=chunk, url=first.url)
    assert resumed.offset == chunk  # asked the server (HEAD) where to go on
    resumed.upload()
    video = Video.objects.get(owner=user)
    assert video.title == "Interview" and sha256(video.file.read()) == sha256(path.read_bytes())
