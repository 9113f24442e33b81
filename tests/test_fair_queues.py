"""No user can stall everyone (issue 30): blurred copies run on a queue of their own, one per video at a time and
USER_MAX_ACTIVE_COPIES per user; a flood of requests leaves another user's analysis first in line."""

import django_rq
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from analysis.models import AnalysisRun, BlurredCopy
from analysis.runs.blur_launch import COPIES_QUEUE, MAKE_BLURRED_COPY

from .factories import make_run, make_video, upload_clip

# Jobs are queued when the transaction commits.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_hundred_requests_for_one_video_queue_one_copy(api, user):
    video = make_video(user)
    make_run(video)
    url = reverse("api:video-blurred", args=[video.pk])
    answers = [api.post(url, {}, format="json") for _ in range(100)]
    assert [a.status_code for a in answers].count(202) == 1
    refused = [a for a in answers if a.status_code != 202]
    assert {a.status_code for a in refused} == {409}
    assert "already being made" in refused[0].json()["detail"]
    assert BlurredCopy.objects.filter(video=video).count() == 1
    assert django_rq.get_queue(COPIES_QUEUE).count == 1 and django_rq.get_queue("default").count == 0


def test_a_user_has_at_most_their_share_of_copies_in_flight(api, user, settings):
    settings.USER_MAX_ACTIVE_COPIES = 2
    videos = [make_video(user, title=f"Lecture {n}") for n in range(5)]
    for video in videos:
        make_run(video)
    codes = [api.post(reverse("api:video-blurred", args=[v.pk]), {}, format="json").status_code for v in videos]
    assert codes == [202, 202, 429, 429, 429]
    answer = api.post(reverse("api:video-blurred", args=[videos[4].pk]), {}, format="json").json()
    assert "at most 2" in answer["detail"]
    # The page says the same, without queuing anything.
    client = APIClient()
    client.force_login(user)
    page = client.post(reverse("analysis:make_blurred", args=[videos[3].pk]), follow=True).content.decode()
    assert "at most 2" in page
    assert BlurredCopy.objects.filter(video__owner=user).count() == 2
    # When one finishes, there is room again.
    BlurredCopy.objects.filter(video=videos[0]).update(status=BlurredCopy.Status.SUCCEEDED)
    assert api.post(reverse("api:video-blurred", args=[videos[2].pk]), {}, format="json").status_code == 202


def test_a_flood_of_copies_leaves_another_users_analysis_first_in_line(api, user, other_user, client):
    for n in range(100):
        video = make_video(user, title=f"Flood {n}")
        make_run(video)
        api.post(reverse("api:video-blurred", args=[video.pk]), {}, format="json")
    client.force_login(other_user)
    theirs = upload_clip(client, "single_face.mp4", title="Their lecture")
    run = AnalysisRun.objects.get(video=theirs)
    default, copies = django_rq.get_queue("default"), django_rq.get_queue(COPIES_QUEUE)
    # The analyses' queue holds their analysis alone: the next free analysis worker takes it.
    assert default.job_ids == [run.rq_job_id]
    assert all(job.func_name == MAKE_BLURRED_COPY for job in copies.jobs) and copies.count <= 2


def test_a_hundred_reprocess_requests_queue_one_analysis_a_video(api, user, settings):
    settings.USER_MAX_ACTIVE_RUNS = 5
    videos = [make_video(user, title=f"Lecture {n}") for n in range(7)]
    for video in videos:
        make_run(video)
    codes = [api.post(reverse("api:video-reprocess", args=[videos[0].pk])).status_code for _ in range(100)]
    assert codes.count(202) == 1 and set(codes) == {202, 409}
    # Over many videos: the user's analyses in flight stop at USER_MAX_ACTIVE_RUNS (429 past it).
    codes = [api.post(reverse("api:video-reprocess", args=[v.pk])).status_code for v in videos[1:]]
    assert codes == [202] * 4 + [429, 429]
    assert django_rq.get_queue("default").count == 5
