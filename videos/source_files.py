"""The source file of a video (and its browser preview), removed while its row (and so the analysis results) stays."""

from django.db import transaction
from django.utils import timezone

from .models import PreviewStatus, Video


@transaction.atomic
def remove_source_file(video: Video) -> None:
    """Delete the stored file and its browser preview through their storage and mark the video's source as
    deleted (a preview being made is then dropped by its job). Idempotent."""
    locked = Video.objects.select_for_update().get(pk=video.pk)
    for stored in (locked.file, locked.preview):
        if stored:
            # After the commit: a rollback must not leave a row that points to a deleted file.
            name, storage = stored.name, stored.storage
            transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
    Video.objects.filter(pk=video.pk).update(
        file="",
        preview="",
        preview_status=PreviewStatus.NOT_NEEDED,
        source_deleted_at=locked.source_deleted_at or timezone.now(),
    )
    video.refresh_from_db()
