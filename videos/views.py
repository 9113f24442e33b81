from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from analysis.models import AnalysisRun
from analysis.runs import cancel

from .forms import VideoUploadForm
from .models import Video
from .streaming import ranged_file_response


def owned_video(request: HttpRequest, pk: int) -> Video:
    """The user's own video, or 404: other users' videos do not exist for them."""
    return get_object_or_404(Video, pk=pk, owner=request.user)


def video_list(request: HttpRequest) -> HttpResponse:
    videos = list(
        Video.objects.filter(owner=request.user).prefetch_related(
            Prefetch("runs", queryset=AnalysisRun.objects.order_by("-created_at", "-id"))
        )
    )
    for video in videos:
        video.last_run = next(iter(video.runs.all()), None)
    return render(request, "videos/list.html", {"videos": videos})


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = VideoUploadForm(
            request.POST,
            request.FILES,
            owner=request.user,
            upload_too_large=getattr(request, "upload_too_large", False),
        )
        if form.is_valid() and (video := form.save()) is not None:
            messages.success(request, f"“{video.title}” was uploaded and is queued for analysis.")
            return redirect(video)
    else:
        form = VideoUploadForm()
    return render(request, "videos/upload.html", {"form": form})


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    if request.method == "POST":
        for run in video.runs.filter(status__in=AnalysisRun.ACTIVE):
            cancel(run)
        title = video.title
        video.delete()
        messages.success(request, f"“{title}” and its results were deleted.")
        return redirect("videos:list")
    return render(request, "videos/delete.html", {"video": video})


def stream(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    return ranged_file_response(request, video.file.storage, video.file.name, video.content_type)
