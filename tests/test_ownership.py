"""Another user's video does not exist for you: every per-video URL answers 404."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analysis.core.emotions import EMOTIONS
from analysis.models import AnalysisRun, Person, Sample
from videos.models import Video

from .conftest import VIDEOS
from .factories import make_video

pytestmark = pytest.mark.django_db

CLIP = VIDEOS / "single_face.mp4"
THUMBNAIL = b"\xff\xd8\xff\xe0 a small jpeg \xff\xd9"


def add_succeeded_run(video: Video) -> tuple[AnalysisRun, Person]:
    now = timezone.now()
    run = AnalysisRun.objects.create(
        video=video,
        status=AnalysisRun.Status.SUCCEEDED,
        sample_fps=5.0,
        detector="hog",
        model="fer-mini-xception",
        frames_total=12,
        frames_done=12,
        persons_count=1,
        faces_count=3,
        started_at=now - timedelta(seconds=5),
        heartbeat_at=now,
        finished_at=now,
    )
    person = Person.objects.create(
        run=run,
        track_key=0,
        number=1,
        first_s=0.0,
        last_s=0.4,
        sample_count=3,
        dominant="happy",
        mean=dict(zip(EMOTIONS, [0.05, 0.0, 0.05, 0.7, 0.05, 0.05, 0.1])),
        thumbnail_jpeg=THUMBNAIL,
    )
    for i in range(3):
        Sample.objects.create(
            person=person,
            t=i * 0.2,
            frame=i * 6,
            x=100,
            y=50,
            w=80,
            h=80,
            **dict(zip(EMOTIONS, [0.05, 0.0, 0.05, 0.7, 0.05, 0.05, 0.1])),
        )
    return run, person


@pytest.fixture
def alices_video(user):
    video = make_video(user, "Alice's secret birthday")
    run, person = add_succeeded_run(video)
    return video, run, person


@pytest.fixture
def mallory(other_user):
    """A client of its own, so a test can use it beside `alice`."""
    client = Client()
    client.force_login(other_user)
    return client


def get_urls(video: Video, person: Person) -> dict[str, str]:
    return {
        "results": reverse("analysis:results", args=[video.pk]),
        "progress": reverse("analysis:progress", args=[video.pk]),
        "export_json": reverse("analysis:export_json", args=[video.pk]),
        "export_csv": reverse("analysis:export_csv", args=[video.pk]),
        "thumbnail": reverse("analysis:thumbnail", args=[video.pk, person.pk]),
        "delete": reverse("videos:delete", args=[video.pk]),
        "stream": reverse("videos:stream", args=[video.pk]),
    }


@pytest.mark.parametrize("name", ["results", "progress", "export_json", "export_csv", "thumbnail", "delete", "stream"])
def test_other_user_gets_404_on_every_get(mallory, alices_video, name):
    video, _, person = alices_video
    url = get_urls(video, person)[name]
    response = mallory.get(url)
    assert response.status_code == 404, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"birthday" not in body
    assert THUMBNAIL not in body


@pytest.mark.parametrize("name", ["results", "progress", "export_json", "export_csv", "thumbnail", "delete", "stream"])
def test_owner_gets_200_on_every_get(alice, alices_video, name):
    video, _, person = alices_video
    response = alice.get(get_urls(video, person)[name])
    assert response.status_code == 200
    if name == "thumbnail":
        assert response.content == THUMBNAIL
        assert response["Content-Type"] == "image/jpeg"
    if name == "stream":
        assert b"".join(response.streaming_content) == CLIP.read_bytes()


def test_other_user_cannot_reprocess(mallory, alices_video):
    video, run, _ = alices_video
    response = mallory.post(reverse("analysis:reprocess", args=[video.pk]))
    assert response.status_code == 404
    assert list(video.runs.all()) == [run]


def test_other_user_cannot_delete(mallory, alices_video, isolated_storage_and_queue):
    video, run, person = alices_video
    response = mallory.post(reverse("videos:delete", args=[video.pk]))
    assert response.status_code == 404
    assert Video.objects.filter(pk=video.pk).exists()
    assert AnalysisRun.objects.filter(pk=run.pk).exists()
    assert Sample.objects.filter(person=person).count() == 3
    assert (isolated_storage_and_queue / video.file.name).read_bytes() == CLIP.read_bytes()


def test_other_user_cannot_reach_a_thumbnail_through_their_own_video(mallory, other_user, alices_video):
    """The person must belong to the video in the URL, not merely exist."""
    _, _, person = alices_video
    own = make_video(other_user, "Mallory's clip")
    add_succeeded_run(own)
    assert mallory.get(reverse("analysis:thumbnail", args=[own.pk, person.pk])).status_code == 404


def test_owner_reaches_a_person_only_through_its_own_video(alice, user, alices_video):
    video, _, person = alices_video
    other_video = make_video(user, "Another of Alice's clips")
    assert alice.get(reverse("analysis:thumbnail", args=[video.pk, person.pk])).status_code == 200
    assert alice.get(reverse("analysis:thumbnail", args=[other_video.pk, person.pk])).status_code == 404


def test_other_users_list_does_not_show_the_video(mallory, alice, alices_video):
    video, _, _ = alices_video
    response = mallory.get(reverse("videos:list"))
    assert response.status_code == 200
    assert b"birthday" not in response.content
    assert reverse("analysis:results", args=[video.pk]).encode() not in response.content
    assert list(response.context["listed"]) == []

    own = alice.get(reverse("videos:list"))
    assert "Alice&#x27;s secret birthday" in own.content.decode()
    assert [item.video.pk for item in own.context["listed"]] == [video.pk]


def test_media_file_has_no_public_url(alice, alices_video, isolated_storage_and_queue):
    video, _, _ = alices_video
    assert (isolated_storage_and_queue / video.file.name).is_file()
    for url in (f"/media/{video.file.name}", f"/{video.file.name}", f"/static/{video.file.name}"):
        assert alice.get(url).status_code == 404, url
    # Only the authenticated stream view serves it.
    assert alice.get(reverse("videos:stream", args=[video.pk])).status_code == 200


def test_results_page_links_the_stream_view_not_the_media_file(alice, alices_video):
    video, _, _ = alices_video
    content = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert f'src="{reverse("videos:stream", args=[video.pk])}"' in content
    assert video.file.name not in content
