"""Ownership: a user sees only their own videos; every page and API view looks them up here."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from .models import Video


def owned_videos(request: HttpRequest) -> QuerySet[Video]:
    return Video.objects.filter(owner=request.user)


def owned_video(request: HttpRequest, pk: int) -> Video:
    """The user's own video, or 404: other users' videos do not exist for them."""
    return get_object_or_404(owned_videos(request), pk=pk)
