"""Erasing one person: a real four-face room analysed by a real worker, then one face erased by the page
and one by the API; the database, the timeline, the overlay, the exports and the thumbnails are checked."""

import csv
import io
import json

import pytest
from django.urls import reverse

from analysis.models import AnalysisRun, Person, RunTimeline, Sample
from bench.room_clip import room_mosaic

from .conftest import VIDEOS
from .factories import add_person, make_run, make_video, post_upload, stored_files, work

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ray_session")]


@pytest.fixture
def room(alice, tmp_path):
    """The 2x2 mosaic of real clips (four faces at once), uploaded and analysed."""
    path = room_mosaic(VIDEOS, tmp_path / "room.webm")
    assert post_upload(alice, path, title="Focus group").status_code == 302
    work()
    run = AnalysisRun.objects.get(video__title="Focus group")
    assert run.status == AnalysisRun.Status.SUCCEEDED, run.error
    assert run.persons.filter(hidden=False).count() >= 3
    return run


def overlay_numbers(client, video) -> set[int]:
    numbers: set[int] = set()
    start = 0.0
    while start < video.duration_s:
        window = client.get(reverse("analysis:overlay", args=[video.pk]), {"start": start}).json()
        numbers |= {int(n) for n in window["persons"]} | {row[1] for row in window["samples"]}
        start = window["end"]
    return numbers


def export_numbers(client, video) -> tuple[set[int], set[int], set[int]]:
    document = json.loads(client.get(reverse("analysis:export_json", args=[video.pk])).content)
    body = b"".join(client.get(reverse("analysis:export_csv", args=[video.pk])).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))[1:]
    api = client.get(reverse("api:video-results", args=[video.pk])).json()
    return {p["id"] for p in document["persons"]}, {int(row[0]) for row in rows}, {p["id"] for p in api["persons"]}


def test_erasing_a_person_removes_every_trace_and_recomputes_the_room(alice, room, isolated_storage_and_queue):
    video = room.video
    numbers = sorted(room.persons.values_list("number", flat=True))
    gone = room.persons.get(number=numbers[1])
    others = set(numbers) - {gone.number}
    seen_before = room.timeline.summary["persons"]
    assert gone.number in room.timeline.numbers and gone.number in overlay_numbers(alice, video)
    thumbnail = reverse("analysis:thumbnail", args=[video.pk, gone.pk])
    assert alice.get(thumbnail).status_code == 200

    confirm = alice.get(reverse("analysis:erase_person", args=[video.pk, gone.pk])).content.decode()
    assert "Also delete the source video" in confirm and "checked" in confirm
    # Unchecked: the source stays.
    response = alice.post(reverse("analysis:erase_person", args=[video.pk, gone.pk]))
    assert response.status_code == 302

    assert not Person.objects.filter(pk=gone.pk).exists() and not Sample.objects.filter(person_id=gone.pk).exists()
    room.refresh_from_db()
    timeline = RunTimeline.objects.get(run=room)
    assert gone.number not in timeline.numbers and set(timeline.numbers) <= others
    assert timeline.summary["persons"] < seen_before
    assert room.persons_count == len(others)
    # Others keep their numbers; nothing of the erased one in the overlay, exports or API.
    assert set(room.persons.values_list("number", flat=True)) == others
    assert gone.number not in overlay_numbers(alice, video)
    for found in export_numbers(alice, video):
        assert found == others
    assert alice.get(thumbnail).status_code == 404
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert f'id="person-{gone.number}"' not in page and f'id="person-{min(others)}"' in page
    assert stored_files(isolated_storage_and_queue)  # the source is still there

    # The API, with the source: the file goes from storage too.
    api_gone = max(others)
    url = reverse("api:video-person-detail", args=[video.pk, api_gone])
    assert alice.delete(url + "?delete_source=1").status_code == 204
    assert not Person.objects.filter(run=room, number=api_gone).exists()
    assert alice.get(url).status_code == 404
    video.refresh_from_db()
    assert video.source_deleted_at is not None and not stored_files(isolated_storage_and_queue)
    for found in export_numbers(alice, video):
        assert found == others - {api_gone}


def test_erasure_is_the_owners_only(client, user, other_user):
    video = make_video(user)
    person = add_person(make_run(video), 1, 3, [0.0, 0.2, 0.4])
    client.force_login(other_user)
    assert client.get(reverse("analysis:erase_person", args=[video.pk, person.pk])).status_code == 404
    assert client.post(reverse("analysis:erase_person", args=[video.pk, person.pk])).status_code == 404
    assert client.delete(reverse("api:video-person-detail", args=[video.pk, person.number])).status_code == 404
    assert Person.objects.filter(pk=person.pk).exists()


def test_erasure_waits_for_an_active_analysis_and_can_leave_nobody(alice, user):
    video = make_video(user)
    run = make_run(video)
    person = add_person(run, 1, 3, [0.0, 0.2, 0.4])
    url = reverse("api:video-person-detail", args=[video.pk, 1])
    active = make_run(video, status=AnalysisRun.Status.QUEUED)
    assert alice.delete(url).status_code == 409
    alice.post(reverse("analysis:erase_person", args=[video.pk, person.pk]))
    assert Person.objects.filter(pk=person.pk).exists()
    active.delete()
    # The only person: the timeline is rebuilt empty and the page still shows.
    assert alice.delete(url).status_code == 204
    assert RunTimeline.objects.get(run=run).numbers == [] and not Sample.objects.filter(person__run=run).exists()
    assert alice.get(reverse("analysis:results", args=[video.pk])).status_code == 200
    assert alice.get(reverse("analysis:export_csv", args=[video.pk])).status_code == 200


def test_no_blurred_copy_once_a_person_is_erased_while_the_source_stays(alice, analysed):
    from analysis.runs.blur_launch import start_blurred_copy

    video, run, (first, second) = analysed
    alice.post(reverse("analysis:erase_person", args=[video.pk, second.pk]))  # the source is kept
    run.refresh_from_db()
    assert run.erased_persons == 1 and video.source_deleted_at is None
    with pytest.raises(ValueError, match="A person was erased from these results"):
        start_blurred_copy(video)
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "still shows them, so no new blurred copy is made" in page and "Make a blurred copy" not in page
    # The advice does not contradict itself: deleting the source is the way; analysing again is not.
    assert "analysing it again would bring them back" in page and "or analyse it again" not in page
    response = alice.post(reverse("api:video-blurred", args=[video.pk]), {}, content_type="application/json")
    assert response.status_code == 409 and "erased" in response.json()["detail"]
