"""The video file itself, streamed to its owner (ranged, for the player's seeking)."""

from django.http import HttpRequest, HttpResponse

from .ownership import owned_video
from .streaming import ranged_file_response


def stream(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)
    return ranged_file_response(request, video.file.storage, video.file.name, video.content_type)
