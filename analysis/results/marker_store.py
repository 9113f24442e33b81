"""Adding event markers to a video under the per-video limit: the page and the API both come here."""

from django.db import transaction

from analysis.core.markers import MAX_MARKERS
from analysis.models import Marker
from videos.models import Video

SLACK_S = 0.5  # a duration is read from the container; a marker at its very end must still fit


class MarkerRefused(ValueError):
    """Markers that cannot be added; the message is for the user."""


class TooManyMarkers(MarkerRefused):
    """Adding these markers would pass MAX_MARKERS."""


def check_inside(video: Video, rows: list[tuple[float, str]]) -> None:
    """A marker marks a moment of the video: at most its length (when known), give or take a frame."""
    if not video.duration_s:
        return
    for t, label in rows:
        if t > video.duration_s + SLACK_S:
            raise MarkerRefused(f"“{label}” at {t:g} s is after the end of the video ({video.duration_s:.1f} s).")


def add_markers(video: Video, rows: list[tuple[float, str]]) -> list[Marker]:
    """All of `rows` (time, label) or none, in the file's order."""
    check_inside(video, rows)
    with transaction.atomic():
        # Counted and added under the video's row lock, so that two requests cannot pass the limit together
        # (SQLite's IMMEDIATE transactions serialise writers anyway).
        Video.objects.select_for_update().only("pk").get(pk=video.pk)
        if video.markers.count() + len(rows) > MAX_MARKERS:
            raise TooManyMarkers(f"A video can have at most {MAX_MARKERS} markers.")
        return Marker.objects.bulk_create([Marker(video=video, t=t, label=label) for t, label in rows])
