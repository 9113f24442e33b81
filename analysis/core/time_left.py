"""How long an analysis has left, from its measured speed.

The speed is measured between progress reports, from the first report on: the time before it (a
job's start-up: opening the video, models, the first seek) is paid once and says nothing about
the pace of the rest. Segments finish in bursts, so the estimate counts down from the last report.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressReport:
    at_s: float  # seconds on any clock shared by the reports and `now_s`
    done: int  # samples analysed so far


def seconds_left(
    started_s: float, first: ProgressReport, last: ProgressReport, total: int, now_s: float
) -> float | None:
    """Seconds left until `total` samples are analysed; None before anything is done.

    With two reports apart: the speed between them. With one only: the speed since the run started
    (start-up included, so an overestimate, for the first short segment only)."""
    if last.done <= 0 or total <= 0:
        return None
    if last.done > first.done and last.at_s > first.at_s:
        speed = (last.done - first.done) / (last.at_s - first.at_s)
    elif last.at_s > started_s:
        speed = last.done / (last.at_s - started_s)
    else:
        return None
    left_at_last_report = max(0, total - last.done) / speed
    return max(0.0, left_at_last_report - max(0.0, now_s - last.at_s))
