"""Retention: the maintenance queue deletes source videos N days after their analysis (the results stay).

N is the owner's RetentionPolicy, else settings.SOURCE_RETENTION_DAYS; None keeps the source.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Max, Q
from django.utils import timezone

from analysis.models import AnalysisRun
from analysis.results.source_removal import SourceRemovalRefused, delete_source
from videos.models import RetentionPolicy, Video

logger = logging.getLogger(__name__)


def retention_days(owner: AbstractBaseUser) -> int | None:
    policy = RetentionPolicy.objects.filter(owner=owner).first()
    return policy.delete_sources_after_days if policy is not None else settings.SOURCE_RETENTION_DAYS


def source_kept_until(video: Video) -> datetime | None:
    """When retention deletes the source: its latest succeeded run's end + N days; None: kept."""
    days = retention_days(video.owner)
    finished = video.runs.filter(status=AnalysisRun.Status.SUCCEEDED).aggregate(last=Max("finished_at"))["last"]
    if days is None or finished is None or video.source_deleted_at:
        return None
    return finished + timedelta(days=days)


def apply_retention(now: datetime | None = None) -> str:
    now = now or timezone.now()
    candidates = (
        Video.objects.filter(source_deleted_at__isnull=True)
        .exclude(runs__status__in=AnalysisRun.ACTIVE)
        .annotate(analysed=Max("runs__finished_at", filter=Q(runs__status=AnalysisRun.Status.SUCCEEDED)))
        .filter(analysed__isnull=False)
        .select_related("owner")
    )
    deleted = 0
    for video in candidates:
        days = retention_days(video.owner)
        if days is None or video.analysed + timedelta(days=days) > now:
            continue
        try:
            delete_source(video, via="system")
        except SourceRemovalRefused:
            continue  # a run started meanwhile: next tick
        deleted += 1
    if deleted:
        logger.info("Retention deleted %d source video(s)", deleted)
    return f"deleted {deleted} source video(s)"
