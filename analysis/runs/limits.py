"""A user's limits on starting analyses: USER_MAX_ACTIVE_RUNS queued or running, and, for uploads,
the storage quota (videos.storage_quota). An upload past the cap is stored and its run waits its
turn (analysis.runs.launch); the results page's reprocess is refused past it; staff's admin actions
and commands are not limited."""

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


def in_flight(owner_id: int) -> int:
    """The owner's analyses queued or running."""
    return AnalysisRun.objects.filter(video__owner_id=owner_id, status__in=AnalysisRun.IN_FLIGHT).count()


def free_slots(owner_id: int) -> int:
    """How many more analyses the owner may have queued or running now."""
    return max(0, settings.USER_MAX_ACTIVE_RUNS - in_flight(owner_id))


def active_runs_refusal(owner: AbstractBaseUser, before: str) -> str | None:
    """The message when the user already has USER_MAX_ACTIVE_RUNS analyses queued or running; `before`
    ends it ("starting another analysis")."""
    if free_slots(owner.pk):
        return None
    active = in_flight(owner.pk)
    videos = "video" if active == 1 else "videos"
    return f"You already have {active} {videos} waiting or being analysed; wait for one to finish before {before}."


def upload_refusals(owner: AbstractBaseUser, size_bytes: int) -> list[tuple[str | None, str]]:
    """What refuses an upload of `size_bytes` for the owner: (form field or None, message). Not the
    cap on analyses: an upload past it waits its turn."""
    message = storage_refusal(owner, size_bytes)
    return [("file", message)] if message else []
