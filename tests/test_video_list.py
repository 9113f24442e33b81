"""My videos: a face, the persons and the studies of each video; bulk actions on the ticked
videos; the notice on every page that an analysis ended since its owner last looked."""

import pytest
from django.urls import reverse

from analysis.models import AnalysisRun, Study, StudyVideo
from analysis.runs.lifecycle import cancel, complete, fail_run
from videos.models import AccessEvent, Video

from .factories import add_person, make_run, make_video

pytestmark = pytest.mark.django_db

LIST = reverse("videos:list")


def test_each_video_shows_its_first_visible_persons_face_its_persons_and_studies(alice, user, analysed):
    video, run, (first, second) = analysed
    first.hidden = True
    first.save()
    study = Study.objects.create(owner=user, name="Lectures")
    StudyVideo.objects.create(study=study, video=video)
    make_video(user, "Not analysed yet")
    page = alice.get(LIST).content.decode()
    row = page[page.index(f'id="video-{video.pk}"') :].split("</tr>")[0]
    assert reverse("analysis:thumbnail", args=[video.pk, second.pk]) in row  # person 1 is hidden
    assert '<td class="persons">2</td>' in row
    assert "Lectures" in row and study.get_absolute_url() in row
    assert "no-thumbnail.svg" in page  # the video without results


def test_the_list_costs_the_same_queries_for_many_videos(alice, user, django_assert_max_num_queries):
    for number in range(12):
        video = make_video(user, f"Video {number}")
        run = make_run(video, persons_count=1)
        add_person(run, 1, 3, [0.0, 0.2])
        StudyVideo.objects.create(study=Study.objects.get_or_create(owner=user, name="S")[0], video=video)
    with django_assert_max_num_queries(9):  # session, user, studies, videos, runs, persons, memberships...
        assert alice.get(LIST).status_code == 200


def test_ticked_videos_go_into_a_study_but_never_another_users(alice, user, other_user):
    mine, also_mine = make_video(user, "Mine"), make_video(user, "Also mine")
    theirs = make_video(other_user, "Theirs")
    study = Study.objects.create(owner=user, name="Lectures")
    their_study = Study.objects.create(owner=other_user, name="Private")
    post = {"videos": [mine.pk, also_mine.pk, theirs.pk], "study": study.pk, "action": "add_to_study"}
    response = alice.post(reverse("videos:bulk"), post, follow=True)
    assert "2 videos added to “Lectures”" in response.content.decode()
    assert set(study.memberships.values_list("video_id", flat=True)) == {mine.pk, also_mine.pk}
    response = alice.post(reverse("videos:bulk"), {**post, "study": their_study.pk}, follow=True)
    assert "Choose one of your studies" in response.content.decode()
    assert not their_study.memberships.exists()
    response = alice.post(reverse("videos:bulk"), {"action": "add_to_study", "study": study.pk}, follow=True)
    assert "Tick at least one video" in response.content.decode()


def test_ticked_videos_are_deleted_after_a_confirmation_and_logged(alice, user, other_user):
    first, second, kept = make_video(user, "First"), make_video(user, "Second"), make_video(user, "Kept")
    theirs = make_video(other_user, "Theirs")
    ids = [first.pk, second.pk, theirs.pk]
    confirm = alice.post(reverse("videos:bulk"), {"videos": ids, "action": "delete"})
    page = confirm.content.decode()
    assert "Delete 2 videos?" in page and "First" in page and "Theirs" not in page
    assert Video.objects.count() == 4  # nothing deleted before the confirmation
    assert alice.get(reverse("videos:delete_many")).status_code == 405
    response = alice.post(reverse("videos:delete_many"), {"videos": ids}, follow=True)
    assert "2 videos and their results were deleted" in response.content.decode()
    assert set(Video.objects.values_list("title", flat=True)) == {"Kept", "Theirs"}
    assert sorted(AccessEvent.objects.filter(action="delete").values_list("video_title", flat=True)) == [
        "First",
        "Second",
    ]
    assert kept.file.storage.exists(kept.file.name)


def the_notice(page: str) -> str:
    assert 'id="finished-notice"' in page
    return page.split('id="finished-notice"')[1].split("</div>")[0]


def test_an_ended_analysis_is_announced_on_every_page_until_its_page_is_opened(alice, user, other_user):
    done_video, failed_video = make_video(user, "Lecture 3"), make_video(user, "Broken")
    cancelled_video = make_video(user, "Cancelled")
    done = make_run(done_video, status=AnalysisRun.Status.RUNNING)
    failed = make_run(failed_video, status=AnalysisRun.Status.RUNNING)
    cancelled = make_run(cancelled_video, status=AnalysisRun.Status.RUNNING)
    assert "Finished since you last looked" not in alice.get(LIST).content.decode()
    complete(done, frames_analyzed=12, persons=0, faces=0)
    fail_run(failed.pk, "The video file is missing from storage.")
    cancel(cancelled)  # the user's own doing: no notice
    for url in (LIST, reverse("studies:list"), reverse("videos:upload")):
        notice = the_notice(alice.get(url).content.decode())
        assert "“Lecture 3”</a> (done)" in notice and "“Broken”</a> (failed)" in notice
        assert "Cancelled" not in notice
    # Another user sees nothing of it.
    alice.force_login(other_user)
    assert "Finished since you last looked" not in alice.get(LIST).content.decode()
    alice.force_login(user)
    # Opening the video's page marks its run seen; dismissing marks the rest.
    alice.get(reverse("analysis:results", args=[done_video.pk]))
    notice = the_notice(alice.get(LIST).content.decode())
    assert "Lecture 3" not in notice and "Broken" in notice
    response = alice.post(reverse("videos:dismiss_finished"), {"next": "/studies/"})
    assert response.status_code == 302 and response["Location"] == "/studies/"
    assert "Finished since you last looked" not in alice.get(LIST).content.decode()
    assert alice.post(reverse("videos:dismiss_finished"), {"next": "https://evil.example/"})["Location"] == LIST
