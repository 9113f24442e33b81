"""'Delete the video, keep the results': the source file goes, and with it what shows a face.

Thumbnails and identity encodings of every run's persons are cleared: an encoding is a biometric
identifier of the face, and the source is deleted for privacy. So the study page can no longer suggest
participants by face for this video (labels already given stay). Samples, timelines, charts, markers
and exports stay.
"""

from django.db import transaction

from analysis.models import AnalysisRun, Person
from videos.access_log import Action, Actor, record
from videos.models import Video
from videos.source_files import remove_source_file


class SourceRemovalRefused(ValueError):
    """The source cannot be deleted now; the message is for the user."""


@transaction.atomic
def delete_source(video: Video, by: Actor = None, via: str = "system") -> None:
    """Delete the source for `by` (a request or user; None: the retention job), logged as an access."""
    # The lock reprocess() takes: no run can be queued between the check and the deletion.
    Video.objects.select_for_update().filter(pk=video.pk).first()
    # A run reading the file would fail halfway; the owner cancels it or waits.
    if video.runs.filter(status__in=AnalysisRun.ACTIVE).exists():
        raise SourceRemovalRefused("This video is being analysed: wait until the analysis ends, or cancel it.")
    Person.objects.filter(run__video=video).update(thumbnail_jpeg=b"", encoding=b"")
    remove_source_file(video)
    record(by, video, Action.DELETE_SOURCE, via=via)
