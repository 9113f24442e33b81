"""The source file of a video, removed while its row (and so the analysis results) stays."""

from django.db import transaction
from django.utils import timezone

from .models import Video


@transaction.atomic
def remove_source_file(video: Video) -> None:
    """Delete the stored file through its storage and mark the video's source as deleted. Idempotent."""
    locked = Video.objects.select_for_update().get(pk=video.pk)
    if locked.file:
        # After the commit: a rollback must not leave a row that points to a deleted file.
        name, storage = locked.file.name, locked.file.storage
        transaction.on_commit(lambda: storage.delete(name))
    Video.objects.filter(pk=video.pk).update(file="", source_deleted_at=locked.source_deleted_at or timezone.now())
    video.refresh_from_db()
