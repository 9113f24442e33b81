"""The time left of an analysis: its speed measured over the later half of its progress reports,
start-up left out."""

import time

import pytest

from analysis.core.time_left import ProgressReport, measured_speed, seconds_left
from analysis.models import AnalysisRun
from analysis.results.sample_store import DatabaseSink

from .factories import make_run, make_video


def reports(*pairs: tuple[float, int]) -> list[ProgressReport]:
    return [ProgressReport(at, done) for at, done in pairs]


def test_the_speed_leaves_out_the_start_up_and_the_slow_first_segments():
    # 8 s of start-up; slow first segments (25 a second), then 80 a second.
    got = measured_speed(reports((8.0, 25), (10.0, 75), (12.0, 235), (14.0, 395), (16.0, 555)))
    assert got == pytest.approx(80.0)  # from the report at 12 s, the middle of 8-16 s
    # A burst (two segments ending together) never makes the whole span.
    assert measured_speed(reports((0.0, 25), (9.9, 400), (10.0, 550))) == pytest.approx(52.5)
    # Everything since the first report would say (555 - 25) / 8 = 66 a second.


def test_one_report_or_none_apart_in_time_gives_no_speed():
    assert measured_speed(reports((3.0, 25))) is None
    assert measured_speed(reports((3.0, 25), (3.0, 75))) is None
    assert measured_speed([]) is None


def test_the_time_left_counts_down_from_the_last_report():
    assert seconds_left(80.0, done=555, total=3755, since_last_report_s=0.0) == 40.0
    assert seconds_left(80.0, done=555, total=3755, since_last_report_s=5.0) == 35.0
    assert seconds_left(80.0, done=555, total=3755, since_last_report_s=90.0) == 0.0
    assert seconds_left(None, done=555, total=3755, since_last_report_s=0.0) is None
    assert seconds_left(80.0, done=0, total=3755, since_last_report_s=0.0) is None


@pytest.mark.django_db
def test_a_running_run_stores_its_measured_speed_and_says_the_time_left(user):
    run = make_run(make_video(user), status=AnalysisRun.Status.RUNNING, frames_total=500, frames_done=0)
    sink = DatabaseSink(run)
    sink.progress(50, 500, elapsed_s=10.0)  # one report: the speed since the start, 5 a second
    first = AnalysisRun.objects.get(pk=run.pk)
    assert first.progress_speed == pytest.approx(5.0) and first.frames_done == 50
    assert first.eta_s == pytest.approx(90.0, abs=1.0)
    # Reports 10 s and 5 s ago: the speed from the last one at or before the middle of those 10 s.
    now = time.monotonic()
    sink.reports = reports((now - 10, 50), (now - 5.2, 90))
    sink.progress(130, 500, elapsed_s=20.0)
    run = AnalysisRun.objects.get(pk=run.pk)
    assert run.progress_speed == pytest.approx(40 / 5.2, rel=0.05)
    assert run.eta_s == pytest.approx(370 / (40 / 5.2), rel=0.05)
    assert run.progress_detail == "130 / 500 frames"
