"""The rq job: write the browser preview of a source browsers cannot play, beside the source."""

import logging
import tempfile
from pathlib import PurePosixPath

from django.core.files import File
from django.db import close_old_connections
from rq.timeouts import JobTimeoutException

from analysis.core.h264_copy import write_h264
from analysis.runs.copy_failures import describe_copy_failure
from analysis.runs.preview_launch import fail_preview
from analysis.runs.video_files import local_video_path
from videos.models import PreviewStatus, Video

log = logging.getLogger(__name__)


def preview_name(source_name: str) -> str:
    """Beside the source, named after it: videos/7/3f2a....mov -> videos/7/3f2a...-preview.mp4."""
    source = PurePosixPath(source_name)
    return str(source.with_name(f"{source.stem}-preview.mp4"))


def _being_made(video_id: int):
    # Not when the source was deleted meanwhile (videos.source_files): nothing is left to preview.
    return Video.objects.filter(pk=video_id, preview_status=PreviewStatus.MAKING, source_deleted_at__isnull=True)


def make_preview(video_id: int) -> str:
    close_old_connections()
    video = _being_made(video_id).exclude(file="").first()
    if video is None:
        return "nothing to make (deleted, its source deleted, or ended)"
    storage = video.file.storage
    try:
        with local_video_path(video.file) as source, tempfile.NamedTemporaryFile(suffix=".mp4") as target:
            frames = write_h264(source, target.name)
            target.seek(0)
            stored = storage.save(preview_name(video.file.name), File(target))
        if not _being_made(video_id).update(preview=stored, preview_status=PreviewStatus.READY, preview_error=""):
            storage.delete(stored)  # the video or its source was deleted meanwhile: keep no orphan file
            return "ended elsewhere"
        return f"{frames} frames written"
    except BaseException as error:  # a timeout too: the preview must never stay "being made"
        log.exception("The preview of video %s failed", video_id)
        fail_preview(video_id, describe_copy_failure(error, "The playable copy"))
        if isinstance(error, JobTimeoutException | KeyboardInterrupt | SystemExit):
            raise
        return "failed"
