"""The "My videos" page: each video with a face, its persons, its studies and its latest analysis;
bulk actions on the videos ticked (add to a study, delete)."""

from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from analysis.models import AnalysisRun, Person, Study, StudyVideo
from analysis.pages.video_views import delete_video
from analysis.studies import membership
from analysis.studies.membership import StudyInputError
from videos.models import Video
from videos.ownership import owned_videos


@dataclass
class ListedVideo:
    video: Video
    last_run: AnalysisRun | None
    shown: AnalysisRun | None  # the run whose results the video shows (its newest succeeded one)
    face_person_id: int | None = None  # whose thumbnail stands for the video: its first visible person
    studies: list[Study] = field(default_factory=list)


def listed_videos(request: HttpRequest) -> list[ListedVideo]:
    """The user's videos with what the list shows, in four queries whatever their number."""
    videos = owned_videos(request).prefetch_related(
        Prefetch("runs", queryset=AnalysisRun.objects.order_by("-created_at", "-id"))
    )
    listed = []
    for video in videos:
        runs = list(video.runs.all())
        shown = next((run for run in runs if run.status == AnalysisRun.Status.SUCCEEDED), None)
        listed.append(ListedVideo(video, runs[0] if runs else None, shown))
    by_run = {item.shown.pk: item for item in listed if item.shown}
    firsts = Person.objects.filter(run_id__in=by_run, hidden=False, number__isnull=False).order_by("run_id", "number")
    for run_id, person_id in firsts.values_list("run_id", "pk"):
        if by_run[run_id].face_person_id is None:
            by_run[run_id].face_person_id = person_id
    by_video = {item.video.pk: item for item in listed}
    for member in StudyVideo.objects.filter(video_id__in=by_video).select_related("study").order_by("study__name"):
        by_video[member.video_id].studies.append(member.study)
    return listed


def video_list(request: HttpRequest) -> HttpResponse:
    studies = Study.objects.filter(owner=request.user).order_by("name")
    return render(request, "videos/list.html", {"listed": listed_videos(request), "studies": studies})


def _ticked(request: HttpRequest) -> list[Video]:
    ids = [value for value in request.POST.getlist("videos") if value.isdigit()]
    return list(owned_videos(request).filter(pk__in=ids))  # another user's ids select nothing


@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Add the ticked videos to a study, or ask to confirm their deletion."""
    videos = _ticked(request)
    if not videos:
        messages.error(request, "Tick at least one video first.")
        return redirect("videos:list")
    if request.POST.get("action") == "delete":
        return render(request, "videos/delete_many.html", {"videos": videos})
    study = Study.objects.filter(owner=request.user, pk=request.POST.get("study") or 0).first()
    if study is None:
        messages.error(request, "Choose one of your studies to add the videos to.")
        return redirect("videos:list")
    try:
        added = membership.add_videos(study, videos)
    except StudyInputError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, f"{added} video{'s' * (added != 1)} added to “{study.name}”.")
    return redirect("videos:list")


@require_POST
def delete_many(request: HttpRequest) -> HttpResponse:
    videos = _ticked(request)
    for video in videos:
        delete_video(request, video)
    messages.success(request, f"{len(videos)} video{'s' * (len(videos) != 1)} and their results were deleted.")
    return redirect("videos:list")
