"""The video file itself, streamed to its owner (ranged, for the player's seeking)."""

from django.http import HttpRequest, HttpResponse
from django.utils.formats import date_format

from .access_log import Action, is_first_of_playback, record
from .ownership import owned_video
from .streaming import ranged_file_response


def stream(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    if video.source_deleted_at:
        # Gone for good, not missing: 410, with the date.
        when = date_format(video.source_deleted_at, "DATE_FORMAT")
        return HttpResponse(f"The source video was deleted on {when}; the results stay.", status=410)
    if is_first_of_playback(request.headers.get("Range")):
        record(request, video, Action.STREAM)
    return ranged_file_response(request, video.file.storage, video.file.name, video.content_type)
