"""A user's limits: the stored videos' total size (USER_STORAGE_QUOTA_BYTES) and the analyses queued
or running (USER_MAX_ACTIVE_RUNS). Uploads (videos.forms) and the results page's reprocess check them;
staff's admin actions and commands do not."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum

from analysis.models import AnalysisRun
from analysis.runs import reprocess

from .models import Video


class LimitReached(ValueError):
    """A limit refuses the action; the message is for the user."""


def human_size(n: float) -> str:
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
    used = Video.objects.filter(owner=owner).aggregate(total=Sum("size_bytes"))["total"] or 0
    quota = settings.USER_STORAGE_QUOTA_BYTES
    if used + size_bytes <= quota:
        return None
    return f"This upload would take you over your {human_size(quota)} storage quota (you use {human_size(used)})."


def active_runs_refusal(owner: AbstractBaseUser, before: str) -> str | None:
    """The message when the user already has USER_MAX_ACTIVE_RUNS analyses queued or running; `before`
    ends it ("uploading another")."""
    active = AnalysisRun.objects.filter(video__owner=owner, status__in=AnalysisRun.ACTIVE).count()
    if active < settings.USER_MAX_ACTIVE_RUNS:
        return None
    videos = "video" if active == 1 else "videos"
    return f"You already have {active} {videos} waiting or being analysed; wait for one to finish before {before}."


def reprocess_for_owner(video: Video) -> AnalysisRun | None:
    """analysis.runs.reprocess under the owner's USER_MAX_ACTIVE_RUNS (LimitReached past it)."""
    with transaction.atomic():
        lock_owner(video.owner)
        if message := active_runs_refusal(video.owner, "starting another analysis"):
            raise LimitReached(message)
        return reprocess(video)
