"""Adding event markers to a video under the per-video limit: the page and the API both come here."""

from django.db import transaction

from analysis.core.markers import MAX_MARKERS
from analysis.models import Marker
from videos.models import Video


class TooManyMarkers(ValueError):
    """Adding these markers would pass MAX_MARKERS; the message is for the user."""


def add_markers(video: Video, rows: list[tuple[float, str]]) -> list[Marker]:
    """All of `rows` (time, label) or none, in the file's order."""
    with transaction.atomic():
        # Counted and added under the video's row lock, so that two requests cannot pass the limit together
        # (SQLite's IMMEDIATE transactions serialise writers anyway).
        Video.objects.select_for_update().only("pk").get(pk=video.pk)
        if video.markers.count() + len(rows) > MAX_MARKERS:
            raise TooManyMarkers(f"A video can have at most {MAX_MARKERS} markers.")
        return Marker.objects.bulk_create([Marker(video=video, t=t, label=label) for t, label in rows])
