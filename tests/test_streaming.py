"""Streaming the owner's video with HTTP Range support."""

import pytest
from django.urls import reverse

from .conftest import VIDEOS
from .factories import make_video

pytestmark = pytest.mark.django_db


@pytest.fixture
def clip():
    return (VIDEOS / "single_face.mp4").read_bytes()


@pytest.fixture
def url(user):
    video = make_video(user, "Clip")
    return reverse("videos:stream", args=[video.pk])


def body(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_whole_file_without_range(alice, url, clip):
    response = alice.get(url)
    assert response.status_code == 200
    assert body(response) == clip
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(clip))
    assert "Content-Range" not in response
    assert "private" in response["Cache-Control"]


def test_first_100_bytes(alice, url, clip):
    response = alice.get(url, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    data = body(response)
    assert len(data) == 100
    assert data == clip[:100]
    assert response["Content-Range"] == f"bytes 0-99/{len(clip)}"
    assert response["Content-Length"] == "100"
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"


def test_range_in_the_middle_spanning_chunks(alice, url, clip):
    start, end = 1000, 200_000  # more than one read chunk
    response = alice.get(url, HTTP_RANGE=f"bytes={start}-{end}")
    assert response.status_code == 206
    assert body(response) == clip[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(clip)}"
    assert response["Content-Length"] == str(end - start + 1)


def test_open_ended_range(alice, url, clip):
    response = alice.get(url, HTTP_RANGE="bytes=1000-")
    assert response.status_code == 206
    assert body(response) == clip[1000:]
    assert response["Content-Range"] == f"bytes 1000-{len(clip) - 1}/{len(clip)}"
    assert response["Content-Length"] == str(len(clip) - 1000)


def test_suffix_range(alice, url, clip):
    response = alice.get(url, HTTP_RANGE="bytes=-500")
    assert response.status_code == 206
    data = body(response)
    assert len(data) == 500
    assert data == clip[-500:]
    assert response["Content-Range"] == f"bytes {len(clip) - 500}-{len(clip) - 1}/{len(clip)}"
    assert response["Content-Length"] == "500"


def test_suffix_longer_than_the_file_is_the_whole_file(alice, url, clip):
    response = alice.get(url, HTTP_RANGE=f"bytes=-{len(clip) * 2}")
    assert response.status_code == 206
    assert body(response) == clip
    assert response["Content-Range"] == f"bytes 0-{len(clip) - 1}/{len(clip)}"


def test_end_past_the_file_is_clamped(alice, url, clip):
    response = alice.get(url, HTTP_RANGE=f"bytes=100-{len(clip) + 5000}")
    assert response.status_code == 206
    assert body(response) == clip[100:]
    assert response["Content-Range"] == f"bytes 100-{len(clip) - 1}/{len(clip)}"


def test_last_byte(alice, url, clip):
    size = len(clip)
    response = alice.get(url, HTTP_RANGE=f"bytes={size - 1}-{size - 1}")
    assert response.status_code == 206
    assert body(response) == clip[-1:]
    assert response["Content-Range"] == f"bytes {size - 1}-{size - 1}/{size}"


@pytest.mark.parametrize("start_offset", [0, 1, 10_000])
def test_start_beyond_the_file_is_unsatisfiable(alice, url, clip, start_offset):
    start = len(clip) + start_offset
    response = alice.get(url, HTTP_RANGE=f"bytes={start}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(clip)}"
    assert not response.streaming
    assert response.content == b""


def test_start_after_end_is_unsatisfiable(alice, url, clip):
    response = alice.get(url, HTTP_RANGE="bytes=500-100")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(clip)}"


def test_content_type_follows_the_stored_file(alice, user):
    source = VIDEOS / "face_noface.mov"
    video = make_video(user, "Clip", source=source, name="clip.mov")
    response = alice.get(reverse("videos:stream", args=[video.pk]), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert response["Content-Type"] == "video/quicktime"
    assert body(response) == source.read_bytes()[:10]
