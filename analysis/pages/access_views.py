"""The access log, as its owner sees it: per video, and for all their videos (deleted ones included)."""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from videos.access_log import events_of_owner, events_of_video
from videos.ownership import owned_video

PER_PAGE = 50


def _page(request: HttpRequest, events: QuerySet, context: dict) -> HttpResponse:
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "videos/access.html", {**context, "page": page})


def video_access(request: HttpRequest, pk: int) -> HttpResponse:
    video = owned_video(request, pk)  # another user's video: 404
    return _page(request, events_of_video(video), {"video": video})


def all_access(request: HttpRequest) -> HttpResponse:
    return _page(request, events_of_owner(request.user), {"video": None})
