"""The access log: each access recorded once, with who, how and what; kept after the video is deleted;
visible to the video's owner (pages, API) and staff (admin), to nobody else."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from analysis.models import Study, StudyVideo
from videos.access_log import record
from videos.models import AccessEvent

from .factories import make_video

pytestmark = pytest.mark.django_db


def only_event(**filters) -> AccessEvent:
    events = list(AccessEvent.objects.filter(**filters))
    assert len(events) == 1, events
    return events[0]


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_results_page_records_one_view(alice, user, analysed):
    video = analysed[0]
    assert alice.get(reverse("analysis:results", args=[video.pk])).status_code == 200
    event = only_event()
    assert (event.user, event.username, event.owner, event.video, event.video_ref) == (
        user,
        "alice",
        user,
        video,
        video.pk,
    )
    assert (event.action, event.via, event.video_title, event.detail) == ("view", "page", video.title, "")


def test_page_and_api_exports_record_their_format(alice, user, analysed):
    video = analysed[0]
    alice.get(reverse("analysis:export_json", args=[video.pk]))
    alice.get(reverse("analysis:export_csv", args=[video.pk]) + "?boxes=0").getvalue()
    api = api_for(user)
    api.get(reverse("api:video-results", args=[video.pk]))
    api.get(reverse("api:video-results-csv", args=[video.pk]), HTTP_ACCEPT="text/csv")
    got = [(e.action, e.detail, e.via) for e in AccessEvent.objects.order_by("id")]
    assert got == [
        ("export", "json", "page"),
        ("export", "csv without boxes", "page"),
        ("view", "", "api"),
        ("export", "csv", "api"),
    ]
    assert {e.username for e in AccessEvent.objects.all()} == {"alice"}


def test_stream_records_once_per_playback_not_per_range(alice, user):
    video = make_video(user)
    url = reverse("videos:stream", args=[video.pk])
    # A player: the first request from byte 0, then ranges further on while it plays and seeks.
    for header in ["bytes=0-", "bytes=65536-", "bytes=1000-2000", "bytes=200000-"]:
        response = alice.get(url, HTTP_RANGE=header)
        assert response.status_code in (200, 206)
        b"".join(response.streaming_content)
    assert only_event().action == "stream"
    alice.get(url)  # a new playback without Range (a download link)
    assert AccessEvent.objects.filter(action="stream").count() == 2


def test_the_page_players_preload_logs_nothing_and_its_play_signal_logs_one_stream(alice, user, client):
    video = make_video(user)
    url = reverse("videos:stream", args=[video.pk])
    # What the results page's player fetches before anyone presses play: metadata, the first frame.
    for header in ["bytes=0-", "bytes=65536-"]:
        b"".join(alice.get(url + "?player=1", HTTP_RANGE=header).streaming_content)
    assert not AccessEvent.objects.filter(action="stream").exists()
    played = reverse("videos:played", args=[video.pk])
    assert alice.get(played).status_code == 405
    assert alice.post(played).status_code == 204
    assert only_event(action="stream").detail == ""


def test_the_play_signal_needs_the_owner_and_csrf(user, other_user, client):
    from django.test import Client

    video = make_video(user)
    played = reverse("videos:played", args=[video.pk])
    assert client.post(played).status_code == 302  # to the login page
    client.force_login(other_user)
    assert client.post(played).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(played).status_code == 403
    assert not AccessEvent.objects.filter(action="stream").exists()
    assert client.post(reverse("analysis:blurred_played", args=[video.pk])).status_code == 404


def test_study_exports_record_one_event_per_video(alice, user):
    first, second = make_video(user, "Monday"), make_video(user, "Tuesday")
    study = Study.objects.create(owner=user, name="Lectures")
    StudyVideo.objects.bulk_create([StudyVideo(study=study, video=v) for v in (first, second)])
    alice.get(reverse("studies:export_csv", args=[study.pk])).getvalue()
    api_for(user).get(reverse("api:study-export-json", args=[study.pk]))
    got = sorted((e.video_title, e.detail, e.via) for e in AccessEvent.objects.filter(action="export"))
    assert got == [
        ("Monday", "csv, study Lectures", "page"),
        ("Monday", "json, study Lectures", "api"),
        ("Tuesday", "csv, study Lectures", "page"),
        ("Tuesday", "json, study Lectures", "api"),
    ]
    # Each format reads apart, the page's JSON and the API's CSV too.
    alice.get(reverse("studies:export_json", args=[study.pk]))
    api_for(user).get(reverse("api:study-export-csv", args=[study.pk])).getvalue()
    details = AccessEvent.objects.filter(action="export", video=first).values_list("detail", "via")
    assert sorted(details) == [
        ("csv, study Lectures", "api"),
        ("csv, study Lectures", "page"),
        ("json, study Lectures", "api"),
        ("json, study Lectures", "page"),
    ]


def test_deletion_is_recorded_and_events_survive_it(alice, user, analysed):
    video = analysed[0]
    pk, title = video.pk, video.title
    alice.get(reverse("analysis:results", args=[pk]))
    assert alice.post(reverse("videos:delete", args=[pk])).status_code == 302
    deleted = only_event(action="delete")
    assert (deleted.video, deleted.video_ref, deleted.video_title, deleted.via) == (None, pk, title, "page")
    assert AccessEvent.objects.get(action="view").video is None  # kept, its FK now NULL

    page = alice.get(reverse("videos:all_access")).content.decode()
    assert title in page and "deleted" in page and "Deleted the video" in page
    listed = api_for(user).get(reverse("api:access")).json()
    assert [(e["action"], e["video"], e["video_ref"]) for e in listed["results"]] == [
        ("delete", None, pk),
        ("view", None, pk),
    ]


def test_api_delete_is_recorded(user):
    video = make_video(user)
    assert api_for(user).delete(reverse("api:video-detail", args=[video.pk])).status_code == 204
    event = only_event()
    assert (event.action, event.via, event.video, event.video_ref) == ("delete", "api", None, video.pk)


def test_owner_sees_a_videos_log_newest_first_paginated(alice, user):
    video = make_video(user)
    for number in range(55):
        record(user, video, "erase", detail=f"person {number}", via="system")
    page = alice.get(reverse("videos:access", args=[video.pk])).content.decode()
    assert "person 54" in page and "person 5<" in page and "person 4<" not in page and "Page 1 of 2" in page
    older = alice.get(reverse("videos:access", args=[video.pk]) + "?page=2").content.decode()
    assert "person 4<" in older
    listed = api_for(user).get(reverse("api:video-access", args=[video.pk])).json()
    assert listed["count"] == 55 and listed["results"][0]["detail"] == "person 54"


def test_other_users_see_nothing(client, user, other_user):
    video = make_video(user)
    record(user, video, "view")
    client.force_login(other_user)
    assert client.get(reverse("videos:access", args=[video.pk])).status_code == 404
    assert "Team meeting" not in client.get(reverse("videos:all_access")).content.decode()
    api = api_for(other_user)
    assert api.get(reverse("api:video-access", args=[video.pk])).status_code == 404
    assert api.get(reverse("api:access")).json()["count"] == 0


def test_a_deleted_videos_events_stay_hidden_from_others(client, user, other_user):
    video = make_video(user, "Private")
    record(user, video, "view")
    video.delete()
    client.force_login(other_user)
    assert "Private" not in client.get(reverse("videos:all_access")).content.decode()
    assert api_for(other_user).get(reverse("api:access")).json()["count"] == 0


def test_staff_admin_lists_events_read_only(client, django_user_model, user):
    video = make_video(user, "Lecture")
    record(user, video, "export", detail="json")
    staff = django_user_model.objects.create_superuser(username="root", password="a-long-pass-phrase-9")
    client.force_login(staff)
    listing = client.get(reverse("admin:videos_accessevent_changelist") + "?action__exact=export&q=alice")
    assert listing.status_code == 200 and "Lecture" in listing.content.decode()
    assert client.get(reverse("admin:videos_accessevent_add")).status_code == 403


def test_results_page_links_the_access_log(alice, analysed):
    video = analysed[0]
    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert reverse("videos:access", args=[video.pk]) in page
    assert reverse("videos:all_access") in alice.get(reverse("videos:list")).content.decode()


def test_erasure_and_source_deletion_are_logged_on_every_path(alice, user, analysed, settings):
    from datetime import timedelta

    from django.utils import timezone

    from analysis.runs.retention import apply_retention
    from videos.models import AccessEvent, RetentionPolicy

    video, run, (first, second) = analysed
    alice.post(reverse("analysis:erase_person", args=[video.pk, second.pk]))
    event = AccessEvent.objects.get(action="erase")
    assert (event.username, event.detail, event.via, event.video_ref) == ("alice", "person 2", "page", video.pk)
    # The retention job deletes the source as the system.
    RetentionPolicy.objects.create(owner=user, delete_sources_after_days=1)
    run.finished_at = timezone.now() - timedelta(days=2)
    run.save(update_fields=["finished_at"])
    apply_retention()
    event = AccessEvent.objects.get(action="delete_source")
    assert (event.username, event.user, event.via) == ("system", None, "system")


@pytest.mark.django_db(transaction=True)
def test_opening_a_results_page_logs_no_stream_until_play(page, live_server, user, analysed):
    from .test_browser import log_in_and_open, wait_until

    video = analysed[0]
    log_in_and_open(page, live_server, video)  # waits for the player's metadata
    assert page.evaluate("document.getElementById('player').videoWidth") > 0  # it preloaded
    assert not AccessEvent.objects.filter(action="stream").exists()
    page.evaluate("const p = document.getElementById('player'); p.muted = true; p.play()")
    wait_until(page, "!document.getElementById('player').paused")
    page.wait_for_timeout(500)
    page.evaluate("document.getElementById('player').pause(); document.getElementById('player').play()")
    page.wait_for_timeout(500)
    events = list(AccessEvent.objects.filter(action="stream"))
    assert [(e.video_id, e.username, e.via) for e in events] == [(video.pk, "alice", "page")]
