from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Video


@receiver(post_delete, sender=Video)
def delete_video_file(sender, instance: Video, **kwargs) -> None:
    # Runs for cascades and queryset deletes too, unlike Model.delete().
    if instance.file:
        instance.file.storage.delete(instance.file.name)
