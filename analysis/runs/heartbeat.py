"""A running analysis says it is alive, whatever its progress: a daemon thread stamps its run's
`heartbeat_at` every `ANALYSIS_HEARTBEAT_S` while the job runs. A worker killed outright (SIGKILL,
out of memory, a lost machine) stops stamping, and the reaper (analysis.runs.reaper) fails the run once
the stamp is older than `ANALYSIS_STALE_AFTER_S`."""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections
from django.utils import timezone

from analysis.models import AnalysisRun

log = logging.getLogger(__name__)


def beat(run_id: int) -> bool:
    """Stamp the run's heartbeat now; False once the run is no longer running."""
    return bool(
        AnalysisRun.objects.filter(pk=run_id, status=AnalysisRun.Status.RUNNING).update(heartbeat_at=timezone.now())
    )


@contextmanager
def run_heartbeat(run_id: int, interval_s: float | None = None) -> Iterator[None]:
    """Stamp the run's heartbeat every `interval_s` (default `ANALYSIS_HEARTBEAT_S`) until the block ends."""
    interval_s = settings.ANALYSIS_HEARTBEAT_S if interval_s is None else interval_s
    stop = threading.Event()

    def loop() -> None:
        try:
            while not stop.wait(interval_s):
                try:
                    if not beat(run_id):
                        return  # cancelled or failed: the job notices at its next chunk
                except Exception:  # a busy database: try again at the next beat
                    log.warning("Heartbeat of run %s not recorded", run_id, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    thread = threading.Thread(target=loop, name=f"heartbeat-run-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)
