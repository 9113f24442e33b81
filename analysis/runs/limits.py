"""A user's limits on starting analyses: USER_MAX_ACTIVE_RUNS queued or running, and, for uploads,
the storage quota (videos.storage_quota). Uploads (page and API) and the results page's reprocess
check them; staff's admin actions and commands do not."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser

from analysis.models import AnalysisRun
from videos.storage_quota import storage_refusal


class LimitReached(ValueError):
    """A limit refuses the action; the message is for the user."""


class UploadRefused(Exception):
    """The owner's limits refuse an upload: `refusals` are (form field or None, message)."""

    def __init__(self, refusals: list[tuple[str | None, str]]):
        super().__init__("; ".join(message for _, message in refusals))
        self.refusals = refusals


def active_runs_refusal(owner: AbstractBaseUser, before: str) -> str | None:
    """The message when the user already has USER_MAX_ACTIVE_RUNS analyses queued or running; `before`
    ends it ("uploading another")."""
    active = AnalysisRun.objects.filter(video__owner=owner, status__in=AnalysisRun.ACTIVE).count()
    if active < settings.USER_MAX_ACTIVE_RUNS:
        return None
    videos = "video" if active == 1 else "videos"
    return f"You already have {active} {videos} waiting or being analysed; wait for one to finish before {before}."


def upload_refusals(owner: AbstractBaseUser, size_bytes: int) -> list[tuple[str | None, str]]:
    """What refuses an upload of `size_bytes` for the owner: (form field or None, message)."""
    refusals = [
        ("file", storage_refusal(owner, size_bytes)),
        (None, active_runs_refusal(owner, "uploading another")),
    ]
    return [(field, message) for field, message in refusals if message]
