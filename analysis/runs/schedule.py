"""rq's cron configuration: `python manage.py rqcron analysis.runs.schedule` (`make run` and the
compose service `cron` start it; run one per deployment). It enqueues the lost-run reaper on the
"maintenance" queue every `ANALYSIS_REAP_INTERVAL_S`; a worker of that queue runs it
(`python manage.py rqworker maintenance`)."""

from django.conf import settings
from rq import cron

from analysis.runs.reaper import reap_lost_runs

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
