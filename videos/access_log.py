"""The access log: who viewed, streamed, exported, shared or erased which video, and when.

`record` is one INSERT and reads nothing: the caller has the video at hand, and the usernames are
copied so the event still reads after the account or the video is gone."""

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import AccessEvent, Video

Action = AccessEvent.Action


# Who acted: a request, a user, or None for the system (the retention job).
Actor = HttpRequest | AbstractBaseUser | None


def _user(request_or_user) -> AbstractBaseUser | AnonymousUser | None:
    return getattr(request_or_user, "user", request_or_user)


def _event(user, video: Video, action: str, detail: str, via: str) -> AccessEvent:
    signed_in = user is not None and user.is_authenticated
    return AccessEvent(
        user=user if signed_in else None,
        username=user.get_username() if signed_in else ("system" if user is None else ""),
        owner_id=video.owner_id,
        video=video,
        video_ref=video.pk,
        video_title=video.title[:200],
        action=action,
        detail=detail[:200],
        via=via,
    )


def record(
    request_or_user: HttpRequest | AbstractBaseUser | None,
    video: Video,
    action: str,
    detail: str = "",
    via: str = "page",
) -> AccessEvent:
    """Log one access to `video` (an Action value). A request or a user; None for the system."""
    event = _event(_user(request_or_user), video, action, detail, via)
    event.save(force_insert=True)
    return event


def record_many(
    request_or_user: HttpRequest | AbstractBaseUser | None,
    videos: Iterable[Video],
    action: str,
    detail: str = "",
    via: str = "page",
) -> None:
    """One event per video (a study's export), in one INSERT."""
    user = _user(request_or_user)
    AccessEvent.objects.bulk_create([_event(user, video, action, detail, via) for video in videos])


def events_of_owner(user) -> QuerySet[AccessEvent]:
    """All events of the user's videos, deleted ones included (by the owner copied into each event)."""
    return AccessEvent.objects.filter(owner=user)


def events_of_video(video: Video) -> QuerySet[AccessEvent]:
    return AccessEvent.objects.filter(video_ref=video.pk, owner_id=video.owner_id)


# The results page's players fetch with ?player=1 and say when playback starts (POST .../played/):
# what a player preloads (metadata, the first frame) is not a stream, so those requests log nothing.
PAGE_PLAYER_PARAM = "player"


def counts_as_playback(request: HttpRequest) -> bool:
    """Whether this request to a video's file starts a playback to log: not the page's own player
    (it logs on play), and the first request of a playback (is_first_of_playback)."""
    if request.GET.get(PAGE_PLAYER_PARAM):
        return False
    return is_first_of_playback(request.headers.get("Range"))


def is_first_of_playback(range_header: str | None) -> bool:
    """A player sends many Range requests while it plays and seeks; only the first of a playback (no
    Range, or one from byte 0) is logged, so the log says "streamed" once, not once per chunk."""
    if not range_header:
        return True
    return range_header.strip().replace(" ", "").startswith("bytes=0-")
