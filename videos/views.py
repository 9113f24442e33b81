"""The video file itself, streamed to its owner (ranged, for the player's seeking), and the player's
"playback started" signal that logs the stream."""

from django.http import HttpRequest, HttpResponse
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from .access_log import Action, counts_as_playback, record
from .models import Video
from .ownership import owned_video
from .streaming import ranged_file_response


def _gone(video: Video) -> HttpResponse:
    # Gone for good, not missing: 410, with the date.
    when = date_format(video.source_deleted_at, "DATE_FORMAT")
    return HttpResponse(f"The source video was deleted on {when}; the results stay.", status=410)


def stream(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    if video.source_deleted_at:
        return _gone(video)
    if counts_as_playback(request):
        record(request, video, Action.STREAM)
    if request.GET.get("original"):  # the source as uploaded, to download (the player may have a preview)
        response = ranged_file_response(request, video.file.storage, video.file.name, video.content_type)
        response["Content-Disposition"] = content_disposition_header(True, video.original_name)
        return response
    playable = video.playable_file  # the browser preview of a source browsers cannot play, when made
    return ranged_file_response(request, playable.storage, playable.name, video.playable_content_type)


@require_POST
def played(request: HttpRequest, pk: int) -> HttpResponse:
    """The results page's player started playing: one stream in the access log."""
    video = owned_video(request, pk)
    if video.source_deleted_at:
        return _gone(video)
    record(request, video, Action.STREAM)
    return HttpResponse(status=204)
