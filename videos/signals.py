from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Video


@receiver(post_delete, sender=Video)
def delete_video_file(sender, instance: Video, **kwargs) -> None:
    # Runs for cascades and queryset deletes too, unlike Model.delete(). The browser preview goes with it.
    for stored in (instance.file, instance.preview):
        if stored:
            stored.storage.delete(stored.name)
