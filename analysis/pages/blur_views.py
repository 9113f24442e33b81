"""The results page's blurred copy: ask for one, its progress, and the copy streamed or downloaded."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from analysis.models import BlurredCopy
from analysis.runs.blur_launch import copy_state, download_name, latest_copy, ready_copy, start_blurred_copy
from videos.access_log import Action, counts_as_playback, record
from videos.ids import MAX_ID
from videos.ownership import owned_video
from videos.streaming import ranged_file_response


def keep_visible_numbers(values: list[str]) -> list[int]:
    return sorted({int(value) for value in values if str(value).isdigit() and int(value) <= MAX_ID})


@require_POST
def make_copy(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    try:
        with transaction.atomic():
            start_blurred_copy(video, keep_visible_numbers(request.POST.getlist("keep_visible")), by=request)
    except ValueError as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "A blurred copy is being made.")
    return redirect(reverse("analysis:results", kwargs={"pk": video.pk}) + "#blurred-copy")


def copy_progress(request: HttpRequest, pk: int) -> JsonResponse:
    copy = latest_copy(owned_video(request, pk))
    if copy is None:
        raise Http404("No blurred copy")
    return JsonResponse(copy_state(copy))


def _ready_copy(request: HttpRequest, pk: int) -> BlurredCopy:
    copy = ready_copy(owned_video(request, pk))
    if copy is None:
        raise Http404("No blurred copy")
    return copy


def _log_playback(request: HttpRequest, copy: BlurredCopy, action: str) -> None:
    """One event per playback or download, not per Range request nor the page player's preload
    (videos.access_log)."""
    if counts_as_playback(request):
        record(request, copy.video, action, detail="blurred copy")


def stream_copy(request: HttpRequest, pk: int) -> HttpResponse:
    copy = _ready_copy(request, pk)
    _log_playback(request, copy, Action.STREAM)
    return ranged_file_response(request, copy.file.storage, copy.file.name, "video/mp4")


@require_POST
def copy_played(request: HttpRequest, pk: int) -> HttpResponse:
    """The results page's blurred-copy player started playing: one stream in the access log."""
    copy = _ready_copy(request, pk)
    record(request, copy.video, Action.STREAM, detail="blurred copy")
    return HttpResponse(status=204)


def download_copy(request: HttpRequest, pk: int) -> HttpResponse:
    copy = _ready_copy(request, pk)
    _log_playback(request, copy, Action.DOWNLOAD)
    response = ranged_file_response(request, copy.file.storage, copy.file.name, "video/mp4")
    response["Content-Disposition"] = f'attachment; filename="{download_name(copy)}"'
    return response
