"""A user's storage quota (USER_STORAGE_QUOTA_BYTES): the total size of the videos they keep and of the
resumable uploads still arriving."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import F, Sum

from .models import PartialUpload, Video


def human_size(n: float) -> str:
    """1536 -> "1.5 KB": sizes in the users' messages."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def lock_owner(owner: AbstractBaseUser) -> None:
    """Within a transaction: hold the user's row, so that two requests cannot pass a limit together
    (SQLite's IMMEDIATE transactions serialise writers anyway). NO KEY: rows referring to the user
    can still be inserted meanwhile."""
    get_user_model().objects.select_for_update(no_key=True).only("pk").get(pk=owner.pk)


def storage_refusal(owner: AbstractBaseUser, size_bytes: int) -> str | None:
    """The message when storing `size_bytes` more would take the owner past the quota."""
    # A video whose source was deleted keeps its row (the results) but no longer its bytes.
    kept = Video.objects.filter(owner=owner, source_deleted_at__isnull=True)
    used = kept.aggregate(total=Sum("size_bytes"))["total"] or 0
    # Resumable uploads still arriving hold their whole declared length.
    arriving = PartialUpload.objects.filter(owner=owner, offset__lt=F("length"))
    used += arriving.aggregate(total=Sum("length"))["total"] or 0
    quota = settings.USER_STORAGE_QUOTA_BYTES
    if used + size_bytes <= quota:
        return None
    return f"This upload would take you over your {human_size(quota)} storage quota (you use {human_size(used)})."
