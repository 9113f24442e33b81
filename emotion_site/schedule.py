"""rq's cron configuration: `python manage.py rqcron emotion_site.schedule` (`make run` and the
compose service `cron` start it; run one per deployment). It enqueues the lost-run reaper on the
"maintenance" queue every `ANALYSIS_REAP_INTERVAL_S`, and the removal of expired resumable uploads
every hour (sooner if UPLOAD_EXPIRE_S is shorter), the retention of source videos
(analysis.runs.retention) every hour, and the participant recordings whose bytes stopped arriving
(analysis.sessions.recordings.finish_idle, kept as partial) every PARTICIPANT_IDLE_S / 2; a worker of
that queue runs them
(`python manage.py rqworker maintenance`)."""

from django.conf import settings
from rq import cron

from analysis.runs.reaper import reap_lost_runs
from analysis.runs.retention import apply_retention
from analysis.sessions.recordings import finish_idle
from videos.partial_uploads import remove_expired

cron.register(
    reap_lost_runs,
    "maintenance",
    interval=settings.ANALYSIS_REAP_INTERVAL_S,
    job_timeout=max(60, settings.ANALYSIS_REAP_INTERVAL_S),
    # A reaper job no worker took before the next one is due is dropped, not run late in a pile.
    ttl=settings.ANALYSIS_REAP_INTERVAL_S,
    result_ttl=3600,
    failure_ttl=86400,
)

UPLOAD_CLEAN_INTERVAL_S = min(3600, settings.UPLOAD_EXPIRE_S)
cron.register(
    remove_expired,
    "maintenance",
    interval=UPLOAD_CLEAN_INTERVAL_S,
    job_timeout=600,
    ttl=UPLOAD_CLEAN_INTERVAL_S,
    result_ttl=3600,
    failure_ttl=86400,
)

RETENTION_INTERVAL_S = 3600
cron.register(
    apply_retention,
    "maintenance",
    interval=RETENTION_INTERVAL_S,
    job_timeout=1800,
    ttl=RETENTION_INTERVAL_S,
    result_ttl=3600,
    failure_ttl=86400,
)

PARTICIPANT_IDLE_INTERVAL_S = max(30, settings.PARTICIPANT_IDLE_S // 2)
cron.register(
    finish_idle,
    "maintenance",
    interval=PARTICIPANT_IDLE_INTERVAL_S,
    job_timeout=1800,
    ttl=PARTICIPANT_IDLE_INTERVAL_S,
    result_ttl=3600,
    failure_ttl=86400,
)
