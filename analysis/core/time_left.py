"""How long an analysis has left, from its measured speed.

The speed is measured over the later half of the time since the first progress report: the time
before that report (a job's start-up: opening the video, models, the first seek) is paid once, and
the first short segments cost more per sample than the long ones after them, so neither says much
about the pace of the rest. Segments finish in bursts, so the estimate counts down from the last
report. bench/time_left.py measures it against runs' real ends.
"""

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressReport:
    at_s: float  # seconds on any clock shared by the reports
    done: int  # samples analysed so far


def measured_speed(reports: Sequence[ProgressReport]) -> float | None:
    """Samples a second from the last report at or before the middle of the time since the first
    report to the last one (so the span is never a single burst of segments ending together); None
    with fewer than two reports apart in time."""
    if len(reports) < 2:
        return None
    first, last = reports[0], reports[-1]
    middle = last.at_s - (last.at_s - first.at_s) / 2
    start = [report for report in reports[:-1] if report.at_s <= middle][-1]
    if last.at_s <= start.at_s or last.done <= start.done:
        return None
    return (last.done - start.done) / (last.at_s - start.at_s)


def seconds_left(speed: float | None, done: int, total: int, since_last_report_s: float) -> float | None:
    """Seconds until `total` samples are analysed at `speed`, counted down since the last report."""
    if not speed or speed <= 0 or total <= 0 or done <= 0:
        return None
    return max(0.0, max(0, total - done) / speed - max(0.0, since_last_report_s))
