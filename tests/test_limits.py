"""Guards and limits: failed sign-ins lock out, each user's storage quota and analyses waiting or running
cap uploads (page and API) and the page's reprocess, and a delete leaves nothing of the video behind."""

import threading
import time
from pathlib import Path

import django_rq
import pytest
import redis
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import forms as auth_forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import connections
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.login_limits import counted_address
from analysis.core.emotions import EMOTIONS
from analysis.models import AnalysisRun, Marker, Person, RunCancelled, RunTimeline, Sample
from analysis.pages.upload_form import VideoUploadForm
from analysis.results.sample_store import DatabaseSink
from analysis.results.timeline_store import build_timeline
from analysis.runs.launch import start_waiting_runs
from analysis.runs.reaper import reap_lost_runs
from videos.models import Video
from videos.storage_quota import human_size

from .conftest import VIDEOS
from .factories import add_person, make_run, make_video

pytestmark = pytest.mark.django_db

SINGLE_FACE = VIDEOS / "single_face.mp4"
PASSWORDS = {"alice": "a-long-pass-phrase-1", "mallory": "a-long-pass-phrase-2"}  # conftest's users
LOCKED_OUT = "Too many failed sign-in attempts. Try again in 5 minutes."


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


# Sign-in


def sign_in(username: str, password: str, address: str = "192.0.2.1", **headers) -> tuple[HttpResponse, Client]:
    client = Client()
    response = client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )
    return response, client


def fail(times: int, username: str = "alice", address: str = "192.0.2.1", **headers) -> None:
    for _ in range(times):
        response, _ = sign_in(username, "not-the-password", address, **headers)
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()


def signed_in(response, client: Client) -> bool:
    return response.status_code == 302 and SESSION_KEY in client.session


def test_sign_in_is_refused_with_429_after_the_allowed_failures(user, settings):
    assert settings.LOGIN_MAX_FAILURES == 5 and settings.LOGIN_LOCKOUT_S == 300  # the defaults
    assert settings.LOGIN_MAX_FAILURES_PER_ADDRESS == 50
    fail(5)
    # Even the right password is refused now, without saying whether it was right.
    response, client = sign_in("alice", PASSWORDS["alice"])
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert LOCKED_OUT in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_counts_are_in_redis_so_every_web_process_shares_them(user, redis_url):
    fail(5)
    server = redis.Redis.from_url(redis_url)
    assert len(server.keys("*login-attempts:pair:*locked-until")) == 1  # the (address, username) pair's lock
    assert not server.keys("*login-attempts:address:*locked-until")  # 5 of the address's 50
    [address_count] = [key for key in server.keys("*login-attempts:address:*") if not key.endswith(b"locked-until")]
    assert int(server.get(address_count)) == 5
    assert all(0 < server.ttl(key) <= 300 for key in server.keys("*login-attempts*"))  # none kept for ever


def test_sign_in_still_works_when_the_cache_is_down(user, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    fail(1)  # the failure is not counted, and says the usual thing
    response, client = sign_in("alice", PASSWORDS["alice"])
    assert signed_in(response, client)


def test_the_lockout_lasts_LOGIN_LOCKOUT_S_from_the_failure_that_reached_the_limit(user, settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_S = 5
    # Deadlines from the clock, not fixed sleeps: a password check can take a second on a busy machine.
    started = time.monotonic()
    fail(1)  # starts the window: it ends 5 s later
    sleep_until(started + 3.5)
    fail(1)  # the limit: locked out for 5 s from when this failure is recorded, past the window's end
    reached = time.monotonic()  # just after the lock was set
    sleep_until(started + 5.5)  # the window is over; the lockout is not
    response, _ = sign_in("alice", PASSWORDS["alice"])
    assert response.status_code == 429
    assert "Try again in 1 minute." in response.content.decode()
    sleep_until(reached + 5.3)
    assert signed_in(*sign_in("alice", PASSWORDS["alice"]))


def sleep_until(deadline: float) -> None:
    time.sleep(max(0.0, deadline - time.monotonic()))


def test_a_success_before_the_limit_clears_the_pairs_count(user):
    fail(4)
    assert signed_in(*sign_in("alice", PASSWORDS["alice"]))
    # Four more: still under the limit, as the success cleared the first four.
    fail(4)
    assert signed_in(*sign_in("alice", PASSWORDS["alice"]))


def test_successful_sign_ins_never_lock_out_their_address(user, other_user, settings):
    """An office behind one address signs in all day: each success gives its attempt back."""
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 3
    for _ in range(3):
        assert signed_in(*sign_in("alice", PASSWORDS["alice"]))
        assert signed_in(*sign_in("mallory", PASSWORDS["mallory"]))
    fail(2, "mallory")  # two of the address's three
    assert signed_in(*sign_in("alice", PASSWORDS["alice"]))


def test_the_lockout_is_by_address_and_username_pair(user, other_user):
    fail(5, "alice", "192.0.2.1")
    assert sign_in("alice", PASSWORDS["alice"], "192.0.2.1")[0].status_code == 429
    # The same username from another address is not locked out, nor another username from that address.
    assert signed_in(*sign_in("alice", PASSWORDS["alice"], "198.51.100.2"))
    assert signed_in(*sign_in("mallory", PASSWORDS["mallory"], "192.0.2.1"))


def test_failures_from_many_addresses_do_not_lock_the_user_out(user):
    """No lock on a username alone: wrong passwords sent from elsewhere cannot keep alice out."""
    for address in ("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"):
        fail(5, "alice", address)
        assert sign_in("alice", PASSWORDS["alice"], address)[0].status_code == 429  # that pair is locked
    assert signed_in(*sign_in("alice", PASSWORDS["alice"], "192.0.2.1"))


def test_guessing_many_usernames_from_one_address_locks_it(user, settings):
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 8
    for name in ("bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"):
        fail(1, name, "192.0.2.1")  # not locked out before the eighth failure
    response, _ = sign_in("alice", PASSWORDS["alice"], "192.0.2.1")
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert LOCKED_OUT in response.content.decode()
    assert signed_in(*sign_in("alice", PASSWORDS["alice"], "198.51.100.2"))


@pytest.mark.django_db(transaction=True)  # the threads' own database connections must see alice
def test_a_burst_of_parallel_guesses_gets_no_more_password_checks_than_the_limit(user, settings, monkeypatch):
    checks = []
    authenticate = auth_forms.authenticate

    def slow_counted_authenticate(*args, **kwargs):
        checks.append(1)  # list.append is atomic
        time.sleep(0.3)  # every attempt arrives while the first checks are under way
        return authenticate(*args, **kwargs)

    monkeypatch.setattr(auth_forms, "authenticate", slow_counted_authenticate)
    attempts = 12
    barrier = threading.Barrier(attempts)
    statuses = []

    def guess() -> None:
        try:
            client = Client()
            barrier.wait()
            response = client.post(
                reverse("login"), {"username": "alice", "password": "not-the-password"}, REMOTE_ADDR="192.0.2.1"
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=guess) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(checks) == settings.LOGIN_MAX_FAILURES
    assert sorted(statuses) == [200] * settings.LOGIN_MAX_FAILURES + [429] * (attempts - settings.LOGIN_MAX_FAILURES)
    assert sign_in("alice", PASSWORDS["alice"])[0].status_code == 429  # and the pair is locked out now


def test_ipv6_addresses_in_one_64_share_a_count(user):
    for address in (
        "2001:db8:1:2::1",
        "2001:db8:1:2::2",
        "2001:db8:1:2::abcd",
        "2001:db8:1:2:ffff::1",
        "2001:db8:1:2:1:2:3:4",
    ):
        fail(1, "alice", address)
    assert sign_in("alice", PASSWORDS["alice"], "2001:db8:1:2::99")[0].status_code == 429
    assert signed_in(*sign_in("alice", PASSWORDS["alice"], "2001:db8:1:3::1"))  # the next /64


def test_counted_addresses():
    assert counted_address("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert counted_address("fe80::1%eth0") == "fe80::/64"
    assert counted_address("::ffff:192.0.2.1") == "192.0.2.1"  # IPv4 on a dual-stack socket: not one /64 for all
    assert counted_address("192.0.2.1") == "192.0.2.1"
    assert counted_address("not an address") == "not an address"
    assert counted_address("") == ""


def test_behind_the_https_proxy_the_forwarded_client_address_counts(user, settings):
    settings.HTTPS = True
    proxy = "10.0.0.5"  # every request comes from the proxy
    for first in range(5):
        # A client-sent first entry does not matter: the proxy appends the address it saw.
        fail(1, "alice", proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{first}, 192.0.2.1")
    assert sign_in("alice", PASSWORDS["alice"], proxy, HTTP_X_FORWARDED_FOR="192.0.2.1")[0].status_code == 429
    assert signed_in(*sign_in("alice", PASSWORDS["alice"], proxy, HTTP_X_FORWARDED_FOR="198.51.100.2"))


def test_the_admin_sign_in_is_limited_too(django_user_model):
    django_user_model.objects.create_user(username="root", password="staff-pass-phrase-3", is_staff=True)
    client = Client()
    for _ in range(5):
        response = client.post(reverse("admin:login"), {"username": "root", "password": "wrong"})
        assert "Please enter the correct username and password" in response.content.decode()
    response = client.post(reverse("admin:login"), {"username": "root", "password": "staff-pass-phrase-3"})
    assert response.status_code == 200  # Django's admin view: the page again, with the message
    assert LOCKED_OUT in response.content.decode()
    assert SESSION_KEY not in client.session
    # The count is shared with the site's sign-in, or that would be a way around it.
    assert sign_in("root", "staff-pass-phrase-3", "127.0.0.1")[0].status_code == 429


def test_a_non_staff_user_at_the_admin_sign_in_is_not_counted(user):
    """Alice's right password at /admin/ is refused (not staff), which is not a wrong guess."""
    client = Client()
    for _ in range(6):
        response = client.post(reverse("admin:login"), {"username": "alice", "password": PASSWORDS["alice"]})
        assert "for a staff account" in response.content.decode()
        assert LOCKED_OUT not in response.content.decode()
    assert signed_in(*sign_in("alice", PASSWORDS["alice"], "127.0.0.1"))


# Upload limits


def post_page(client: Client, path: Path = SINGLE_FACE):
    with path.open("rb") as handle:
        return client.post(reverse("videos:upload"), {"title": "My clip", "file": handle, "sampling": "5"})


def post_api(user, path: Path = SINGLE_FACE):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    with path.open("rb") as handle:
        return api.post(reverse("api:video-list"), {"title": "My clip", "file": handle}, format="multipart")


def refusal_messages(response, via: str) -> list[str]:
    if via == "page":
        assert response.status_code == 200
        return [str(message) for messages in response.context["form"].errors.values() for message in messages]
    assert response.status_code == 400
    return [message for messages in response.json().values() for message in messages]


def upload(via: str, client: Client, user):
    return post_page(client) if via == "page" else post_api(user)


@pytest.mark.parametrize("via", ["page", "api"])
def test_an_upload_over_the_storage_quota_is_refused(via, alice, user, settings, isolated_storage_and_queue):
    existing = make_video(user)
    before = stored_files(isolated_storage_and_queue)
    size = SINGLE_FACE.stat().st_size
    settings.USER_STORAGE_QUOTA_BYTES = existing.size_bytes + size - 1
    response = upload(via, alice, user)
    quota, used = human_size(settings.USER_STORAGE_QUOTA_BYTES), human_size(existing.size_bytes)
    expected = f"This upload would take you over your {quota} storage quota (you use {used})."
    assert refusal_messages(response, via) == [expected]
    assert list(Video.objects.all()) == [existing]
    assert stored_files(isolated_storage_and_queue) == before
    assert not AnalysisRun.objects.exists()
    assert django_rq.get_queue("default").count == 0


@pytest.mark.parametrize("via", ["page", "api"])
def test_an_upload_that_just_fits_the_quota_is_accepted(via, alice, user, other_user, settings):
    make_video(other_user)  # another user's videos take none of this quota
    settings.USER_STORAGE_QUOTA_BYTES = SINGLE_FACE.stat().st_size
    assert upload(via, alice, user).status_code in {201, 302}
    assert Video.objects.filter(owner=user).count() == 1


def test_the_size_limit_is_reported_before_the_quota(alice, settings):
    settings.VIDEO_MAX_UPLOAD_BYTES = 100_000
    settings.USER_STORAGE_QUOTA_BYTES = 1
    messages = refusal_messages(post_page(alice), "page")
    assert "This file is larger than the 97.7 KB limit." in messages
    assert not any("quota" in message for message in messages)


def test_the_default_quota_message_reads_in_gigabytes(settings):
    assert settings.USER_STORAGE_QUOTA_BYTES == 20 * 1024**3 and settings.USER_MAX_ACTIVE_RUNS == 5  # the defaults
    assert human_size(settings.USER_STORAGE_QUOTA_BYTES) == "20.0 GB"
    assert human_size(int(19.5 * 1024**3)) == "19.5 GB"


@pytest.mark.parametrize("via", ["page", "api"])
def test_an_upload_past_the_active_runs_cap_waits_its_turn(
    via, alice, user, other_user, settings, django_capture_on_commit_callbacks
):
    settings.USER_MAX_ACTIVE_RUNS = 1
    make_run(make_video(other_user), status=AnalysisRun.Status.RUNNING)  # another user's: not counted
    with django_capture_on_commit_callbacks(execute=True):
        assert post_page(alice).status_code == 302  # queued: the one allowed
        assert upload(via, alice, user).status_code in {201, 302}  # stored; its analysis waits
    first, second = AnalysisRun.objects.filter(video__owner=user).order_by("id")
    assert (first.status, second.status) == (AnalysisRun.Status.QUEUED, AnalysisRun.Status.WAITING)
    assert first.rq_job_id and not second.rq_job_id and django_rq.get_queue("default").count == 1
    # The reaper's tick leaves a waiting run alone while the first still runs...
    reap_lost_runs()
    assert AnalysisRun.objects.get(pk=second.pk).status == AnalysisRun.Status.WAITING
    # ...and once it has finished, the waiting one is queued with its job.
    AnalysisRun.objects.filter(pk=first.pk).update(status=AnalysisRun.Status.SUCCEEDED)
    with django_capture_on_commit_callbacks(execute=True):
        assert start_waiting_runs() == 1
    second.refresh_from_db()
    assert second.status == AnalysisRun.Status.QUEUED and second.rq_job_id
    assert django_rq.get_queue("default").count == 2


def test_waiting_runs_start_oldest_first_as_places_free(user, settings, django_capture_on_commit_callbacks):
    settings.USER_MAX_ACTIVE_RUNS = 2
    runs = [make_run(make_video(user, f"Clip {i}"), status=AnalysisRun.Status.WAITING) for i in range(4)]
    make_run(make_video(user, "Busy"), status=AnalysisRun.Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        assert start_waiting_runs([user.pk]) == 1  # one place of two is taken
        assert start_waiting_runs([user.pk]) == 0
    statuses = [AnalysisRun.objects.get(pk=run.pk).status for run in runs]
    assert statuses == ["queued", "waiting", "waiting", "waiting"]


def test_the_quota_is_counted_again_under_the_lock_when_saving(user, settings, isolated_storage_and_queue):
    """A concurrent upload that lands between validation and save is counted: no second video, no file left."""
    size = SINGLE_FACE.stat().st_size
    settings.USER_STORAGE_QUOTA_BYTES = 2 * size - 1
    upload = TemporaryUploadedFile("clip.mp4", "video/mp4", size, None)
    upload.write(SINGLE_FACE.read_bytes())
    upload.seek(0)
    form = VideoUploadForm({"title": "Mine", "sampling": "5"}, {"file": upload}, owner=user)
    assert form.is_valid(), form.errors
    concurrent = make_video(user, "Uploaded meanwhile", source=SINGLE_FACE)

    assert form.save() is None
    assert "storage quota" in form.errors["file"][0]
    assert list(Video.objects.all()) == [concurrent]
    assert stored_files(isolated_storage_and_queue) == [isolated_storage_and_queue / concurrent.file.name]
    upload.close()


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_take_one_place_each(user, settings, monkeypatch):
    """The owner's row lock serialises the count of free places: of two uploads counting at the same
    moment under a cap of one, one is queued and the other waits."""
    import analysis.runs.launch

    settings.USER_MAX_ACTIVE_RUNS = 1
    counted = analysis.runs.launch.free_slots

    def slow_count(owner_id):  # holds the count open while the other upload counts too
        free = counted(owner_id)
        time.sleep(0.5)
        return free

    monkeypatch.setattr(analysis.runs.launch, "free_slots", slow_count)
    start = threading.Barrier(2)
    answers: list[int] = []

    def post(title: str) -> None:
        client = Client()
        client.force_login(user)
        start.wait()
        with SINGLE_FACE.open("rb") as handle:
            answers.append(
                client.post(reverse("videos:upload"), {"title": title, "file": handle, "sampling": "5"}).status_code
            )
        connections.close_all()

    threads = [threading.Thread(target=post, args=(f"Clip {i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [302, 302]
    assert sorted(AnalysisRun.objects.values_list("status", flat=True)) == ["queued", "waiting"]


def test_reprocess_from_the_page_respects_the_active_runs_cap(alice, user, settings):
    settings.USER_MAX_ACTIVE_RUNS = 1
    busy, done = make_video(user, "Busy"), make_video(user, "Done")
    busy_run = make_run(busy, status=AnalysisRun.Status.QUEUED)
    make_run(done)
    response = alice.post(reverse("analysis:reprocess", args=[done.pk]), follow=True)
    expected = (
        "You already have 1 video waiting or being analysed; wait for one to finish before starting another analysis."
    )
    assert expected in response.content.decode()
    assert done.runs.count() == 1
    AnalysisRun.objects.filter(pk=busy_run.pk).update(status=AnalysisRun.Status.SUCCEEDED)
    alice.post(reverse("analysis:reprocess", args=[done.pk]))
    assert done.runs.filter(status=AnalysisRun.Status.QUEUED).count() == 1


# Deleting a video


def video_with_everything(owner) -> tuple[Video, AnalysisRun, AnalysisRun]:
    """A video with results (persons with thumbnails, samples, timeline), markers, and a reprocess running."""
    video = make_video(owner)
    done = make_run(video, persons_count=2)
    add_person(done, 1, EMOTIONS.index("happy"), [0.0, 0.2, 0.4])
    add_person(done, 2, EMOTIONS.index("sad"), [1.0, 1.2])
    build_timeline(done)
    Marker.objects.create(video=video, t=1.0, label="slide 2")
    running = make_run(video, status=AnalysisRun.Status.RUNNING, frames_done=3)
    add_person(running, 1, EMOTIONS.index("happy"), [0.0])  # its provisional track
    job = django_rq.get_queue("default", commit_mode="auto").enqueue("analysis.runs.jobs.run_analysis", running.pk)
    running.rq_job_id = job.id
    running.save(update_fields=["rq_job_id"])
    return video, done, running


def rows_of(video_id: int) -> dict[str, int]:
    return {
        "runs": AnalysisRun.objects.filter(video_id=video_id).count(),
        "persons": Person.objects.filter(run__video_id=video_id).count(),
        "samples": Sample.objects.filter(person__run__video_id=video_id).count(),
        "timelines": RunTimeline.objects.filter(run__video_id=video_id).count(),
        "markers": Marker.objects.filter(video_id=video_id).count(),
    }


@pytest.mark.parametrize("via", ["page", "api"])
def test_deleting_a_video_removes_its_file_results_and_running_analysis(via, alice, user, other_user):
    video, _, running = video_with_everything(user)
    others, _, _ = video_with_everything(other_user)
    others_rows = rows_of(others.pk)
    assert rows_of(video.pk) == {"runs": 2, "persons": 3, "samples": 6, "timelines": 1, "markers": 1}
    job = django_rq.get_queue("default").fetch_job(running.rq_job_id)
    sink = DatabaseSink(running)  # as the worker analysing it holds

    if via == "page":
        assert alice.post(reverse("videos:delete", args=[video.pk])).status_code == 302
    else:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        assert api.delete(reverse("api:video-detail", args=[video.pk])).status_code == 204

    assert not Video.objects.filter(pk=video.pk).exists()
    assert not default_storage.exists(video.file.name)
    assert rows_of(video.pk) == dict.fromkeys(others_rows, 0)
    # The running analysis was cancelled: its rq job, and the worker stops at its next progress report.
    assert job.get_status(refresh=True) == "canceled"
    with pytest.raises(RunCancelled):
        sink.progress(4, 12, 1.0)
    # The other user's video is untouched.
    assert rows_of(others.pk) == others_rows
    assert default_storage.exists(others.file.name)
