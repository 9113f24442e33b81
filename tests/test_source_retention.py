"""'Delete the video, keep the results' and the retention that does it on a schedule: the file leaves the
storage (and the quota), thumbnails become a placeholder, the charts and exports stay."""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from analysis.models import AnalysisRun, Person
from analysis.runs.retention import apply_retention
from emotion_site.stack import CRON_CONFIG
from videos.models import RetentionPolicy
from videos.storage_quota import storage_refusal

from .factories import add_person, charts_data, make_run, make_video, stored_files, upload_clip, work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("ray_session")
def test_delete_source_keeps_the_results(alice, user, settings, isolated_storage_and_queue):
    video = upload_clip(alice, "single_face.mp4")
    work()
    run = AnalysisRun.shown_for(video)
    assert run is not None and stored_files(isolated_storage_and_queue)
    before = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    settings.USER_STORAGE_QUOTA_BYTES = video.size_bytes + 10
    assert storage_refusal(user, 100) is not None
    name = video.file.name

    assert (
        "Delete the video, keep the results"
        in alice.get(reverse("analysis:delete_source", args=[video.pk])).content.decode()
    )
    assert alice.post(reverse("analysis:delete_source", args=[video.pk])).status_code == 302
    video.refresh_from_db()
    assert video.source_deleted_at is not None
    assert not stored_files(isolated_storage_and_queue) and not video.file
    assert not default_storage.exists(name)
    assert storage_refusal(user, 100) is None  # the quota no longer counts it
    assert not Person.objects.filter(run=run).exclude(thumbnail_jpeg=b"").exists()
    assert not Person.objects.filter(run=run).exclude(encoding=b"").exists()

    page = alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "The source video was deleted on" in page and 'id="player"' not in page and 'id="overlay"' not in page
    assert page.count("was deleted on") == 1 and page.count("the results stay") <= 1  # said once, not three times
    assert "disabled" in page and "nothing to analyse again" in page
    # ... and looks it: the stylesheet greys disabled buttons out (it made them look enabled before).
    css = (settings.BASE_DIR / "static" / "css" / "app.css").read_text()
    assert re.search(r"button:disabled[^{]*\{[^}]*opacity: 0\.4\d*;[^}]*cursor: not-allowed", css)
    assert charts_data(page)  # the charts stay
    after = json.loads(alice.get(reverse("analysis:export_json", args=[video.pk])).content)
    assert after["persons"] == before["persons"]
    assert alice.get(reverse("analysis:export_csv", args=[video.pk])).status_code == 200
    assert alice.get(reverse("analysis:overlay", args=[video.pk])).status_code == 200
    person = run.persons.get()
    thumb = alice.get(reverse("analysis:thumbnail", args=[video.pk, person.pk]))
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/svg+xml"
    stream = alice.get(reverse("videos:stream", args=[video.pk]))
    assert stream.status_code == 410 and b"deleted" in stream.content
    assert "video deleted, results kept" in alice.get(reverse("videos:list")).content.decode()
    # No new analysis of a missing file, by the page or the API.
    alice.post(reverse("analysis:reprocess", args=[video.pk]))
    assert video.runs.count() == 1
    assert alice.post(reverse("api:video-reprocess", args=[video.pk])).status_code == 409


def test_delete_source_is_refused_while_analysing_and_works_by_api(alice, user, isolated_storage_and_queue):
    video = make_video(user)
    run = make_run(video, status=AnalysisRun.Status.RUNNING)
    url = reverse("api:video-delete-source", args=[video.pk])
    assert alice.post(url).status_code == 409
    assert stored_files(isolated_storage_and_queue)
    AnalysisRun.objects.filter(pk=run.pk).update(status=AnalysisRun.Status.SUCCEEDED, finished_at=timezone.now())
    response = alice.post(url)
    assert response.status_code == 200 and response.json()["source_deleted_at"]
    assert not stored_files(isolated_storage_and_queue)
    assert alice.post(url).status_code == 200  # again: harmless


def _analysed(owner, title: str, days_ago: float, status=AnalysisRun.Status.SUCCEEDED):
    video = make_video(owner, title=title, name=f"{title}.mp4")
    finished = timezone.now() - timedelta(days=days_ago)
    run = make_run(video, finished_at=finished)
    add_person(run, 1, 3, [0.0, 0.2, 0.4])
    if status != AnalysisRun.Status.SUCCEEDED:
        make_run(video, status=status)
    return video


def test_retention_deletes_old_sources_and_keeps_results(alice, user, other_user, settings):
    settings.SOURCE_RETENTION_DAYS = None
    RetentionPolicy.objects.create(owner=user, delete_sources_after_days=30)
    old = _analysed(user, "old", 31)
    young = _analysed(user, "young", 29)
    busy = _analysed(user, "busy", 31, status=AnalysisRun.Status.RUNNING)
    kept = _analysed(other_user, "kept", 400)  # no policy, no default: kept

    page = alice.get(reverse("analysis:results", args=[young.pk])).content.decode()
    until = (AnalysisRun.shown_for(young).finished_at + timedelta(days=30)).strftime("%Y-%m-%d")
    assert f"Source kept until {until} (your retention: 30 days)" in page

    old_name = old.file.name
    assert apply_retention() == "deleted 1 source video(s)"
    for video in (old, young, busy, kept):
        video.refresh_from_db()
    assert old.source_deleted_at and not old.file and not default_storage.exists(old_name)
    assert (young.source_deleted_at, busy.source_deleted_at, kept.source_deleted_at) == (None, None, None)
    assert young.file.storage.exists(young.file.name) and busy.file.storage.exists(busy.file.name)
    assert alice.get(reverse("analysis:export_csv", args=[old.pk])).status_code == 200
    page = alice.get(reverse("analysis:results", args=[old.pk])).content.decode()
    assert f"The source video was deleted on {old.source_deleted_at:%Y-%m-%d}" in page

    # The site's default applies to users without a policy.
    settings.SOURCE_RETENTION_DAYS = 365
    apply_retention()
    kept.refresh_from_db()
    assert kept.source_deleted_at is not None


def test_retention_page_and_api(alice, user, settings):
    settings.SOURCE_RETENTION_DAYS = None
    video = _analysed(user, "v", 1)
    assert "Source kept until you delete it" in alice.get(reverse("analysis:results", args=[video.pk])).content.decode()
    assert "Retention of source videos" in alice.get(reverse("videos:list")).content.decode()
    assert alice.get(reverse("videos:retention")).status_code == 200
    assert alice.post(reverse("videos:retention"), {"keep": "0", "days": "30"}).status_code == 302
    assert RetentionPolicy.objects.get(owner=user).delete_sources_after_days == 30
    assert alice.get(reverse("api:retention")).json() == {"delete_sources_after_days": 30, "own": True}
    response = alice.put(reverse("api:retention"), {"delete_sources_after_days": None}, content_type="application/json")
    assert response.status_code == 200 and response.json()["delete_sources_after_days"] is None
    assert alice.post(reverse("videos:retention"), {"keep": "0"}).status_code == 200  # days missing
    assert RetentionPolicy.objects.get(owner=user).delete_sources_after_days is None


def test_new_endpoints_are_the_owners_only(client, user, other_user, isolated_storage_and_queue):
    video = _analysed(user, "mine", 1)
    client.force_login(other_user)
    assert client.get(reverse("analysis:delete_source", args=[video.pk])).status_code == 404
    assert client.post(reverse("analysis:delete_source", args=[video.pk])).status_code == 404
    assert client.post(reverse("api:video-delete-source", args=[video.pk])).status_code == 404
    video.refresh_from_db()
    assert video.source_deleted_at is None and stored_files(isolated_storage_and_queue)


def test_cron_registers_the_retention_on_the_maintenance_queue(settings, redis_url):
    from django_rq.cron import DjangoCronScheduler

    settings.RQ_QUEUES = {name: {"URL": redis_url} for name in ("default", "maintenance")}
    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file(CRON_CONFIG)
    jobs = {job.func_name: job for job in scheduler.get_jobs()}
    job = jobs["analysis.runs.retention.apply_retention"]
    assert job.queue_name == "maintenance" and job.interval == 3600
