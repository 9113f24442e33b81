from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import BlurredCopy


@receiver(post_delete, sender=BlurredCopy)
def delete_blurred_file(sender, instance: BlurredCopy, **kwargs) -> None:
    # Runs for the cascade when its video is deleted, and for queryset deletes, as videos/signals.py does.
    if instance.file:
        instance.file.storage.delete(instance.file.name)
