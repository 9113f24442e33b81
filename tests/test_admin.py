"""Staff pages: admin lists and the reprocess / cancel actions."""

import django_rq
import pytest
from django.urls import reverse

from analysis.models import AnalysisRun

from .factories import make_video

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", password="a-long-pass-phrase-9")
    client.force_login(admin)
    return client


@pytest.fixture
def video(user):
    video = make_video(user, "Lecture")
    return video


def test_admin_lists_videos_runs_and_persons(staff_client, video):
    run = AnalysisRun.objects.create(video=video, status="failed", detector="hog", model="m", error="Boom happened")
    run.persons.create(track_key=1, number=1, dominant="happy")
    assert "Lecture" in staff_client.get(reverse("admin:videos_video_changelist")).content.decode()
    runs_page = staff_client.get(reverse("admin:analysis_analysisrun_changelist")).content.decode()
    assert "failed" in runs_page.lower()
    assert (
        "Boom happened"
        in staff_client.get(reverse("admin:analysis_analysisrun_change", args=[run.pk])).content.decode()
    )
    assert staff_client.get(reverse("admin:analysis_person_changelist")).status_code == 200
    assert staff_client.get("/admin/rq/").status_code == 200


def test_admin_reprocess_and_cancel_actions(staff_client, video):
    url = reverse("admin:videos_video_changelist")
    staff_client.post(url, {"action": "reprocess_videos", "_selected_action": [video.pk]})
    run = video.runs.get()
    assert run.status == "queued" and django_rq.get_queue("default").count == 1
    staff_client.post(url, {"action": "cancel_analyses", "_selected_action": [video.pk]})
    run.refresh_from_db()
    assert run.status == "cancelled" and run.error

    runs_url = reverse("admin:analysis_analysisrun_changelist")
    staff_client.post(runs_url, {"action": "reprocess_runs", "_selected_action": [run.pk]})
    new_run = video.runs.exclude(pk=run.pk).get()
    staff_client.post(runs_url, {"action": "cancel_runs", "_selected_action": [new_run.pk]})
    new_run.refresh_from_db()
    assert new_run.status == "cancelled"


def test_admin_reprocess_skips_a_video_already_being_analysed(staff_client, video):
    """The admin's actions share the page's guard: never a second run of a video being analysed."""
    running = AnalysisRun.objects.create(video=video, status="running", detector="hog", model="m")
    videos_url = reverse("admin:videos_video_changelist")
    response = staff_client.post(
        videos_url, {"action": "reprocess_videos", "_selected_action": [video.pk]}, follow=True
    )
    assert "Queued 0 video(s) for analysis. Skipped 1 already being analysed." in response.content.decode()
    runs_url = reverse("admin:analysis_analysisrun_changelist")
    staff_client.post(runs_url, {"action": "reprocess_runs", "_selected_action": [running.pk]})
    assert list(video.runs.values_list("status", flat=True)) == ["running"]
    assert django_rq.get_queue("default").count == 0


def test_admin_lists_studies_with_their_variables_and_videos(staff_client, video, user):
    from analysis.models import Study
    from analysis.studies.membership import add_variable, add_videos

    study = Study.objects.create(owner=user, name="Spring classes")
    add_variable(study, "condition")
    add_videos(study, [video])
    assert "Spring classes" in staff_client.get(reverse("admin:analysis_study_changelist")).content.decode()
    page = staff_client.get(reverse("admin:analysis_study_change", args=[study.pk])).content.decode()
    assert 'value="condition"' in page and str(video.pk) in page
