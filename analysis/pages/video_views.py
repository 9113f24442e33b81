"""The video pages: the upload page and the delete page (the list: video_list.py)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from analysis.models import AnalysisRun
from analysis.pages.upload_form import VideoUploadForm
from analysis.runs.lifecycle import cancel
from videos.access_log import Action, record
from videos.ownership import owned_video
from videos.upload_handlers import upload_was_too_large


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = VideoUploadForm(
            request.POST, request.FILES, owner=request.user, upload_too_large=upload_was_too_large(request)
        )
        if form.is_valid() and (video := form.save()) is not None:
            messages.success(request, f"“{video.title}” was uploaded and is queued for analysis.")
            return redirect(video)
    else:
        form = VideoUploadForm(owner=request.user, initial={"study": request.GET.get("study")})
    # The page checks type and size before sending (the server checks again).
    context = {"form": form, "max_upload_bytes": settings.VIDEO_MAX_UPLOAD_BYTES}
    return render(request, "videos/upload.html", context)


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    if request.method == "POST":
        title = video.title
        delete_video(request, video)
        messages.success(request, f"“{title}” and its results were deleted.")
        return redirect("videos:list")
    return render(request, "videos/delete.html", {"video": video})


def delete_video(request: HttpRequest, video) -> None:
    """Cancel its analyses, log it, delete it with its results (files go by the videos signals)."""
    for run in video.runs.filter(status__in=AnalysisRun.ACTIVE):
        cancel(run)
    # Logged before the delete: the event keeps the video's id and title, its FK goes NULL.
    record(request, video, Action.DELETE)
    video.delete()
