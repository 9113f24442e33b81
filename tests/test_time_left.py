"""The time left of an analysis: measured between progress reports, start-up left out."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analysis.core.time_left import ProgressReport, seconds_left
from analysis.models import AnalysisRun
from analysis.results.sample_store import DatabaseSink

from .factories import make_run, make_video


def test_the_speed_between_reports_leaves_the_start_up_out():
    # 8 s of start-up, then 10 samples a second: 150 done at 20 s, 400 to go.
    left = seconds_left(0.0, ProgressReport(10.0, 50), ProgressReport(20.0, 150), total=550, now_s=20.0)
    assert left == pytest.approx(40.0)
    # Counting down between reports (segments finish in bursts).
    assert seconds_left(0.0, ProgressReport(10.0, 50), ProgressReport(20.0, 150), 550, now_s=25.0) == 35.0
    assert seconds_left(0.0, ProgressReport(10.0, 50), ProgressReport(20.0, 150), 550, now_s=90.0) == 0.0


def test_one_report_falls_back_on_the_speed_since_the_start():
    assert seconds_left(0.0, ProgressReport(10.0, 50), ProgressReport(10.0, 50), 550, now_s=10.0) == 100.0


def test_nothing_done_says_nothing():
    assert seconds_left(0.0, ProgressReport(0.0, 0), ProgressReport(0.0, 0), 550, now_s=5.0) is None


@pytest.mark.django_db
def test_a_running_run_keeps_its_first_report_and_measures_from_it(user):
    run = make_run(make_video(user), status=AnalysisRun.Status.RUNNING, frames_total=500, frames_done=0)
    AnalysisRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(seconds=60))
    sink = DatabaseSink(run)
    sink.progress(50, 500, 40.0)
    first = AnalysisRun.objects.get(pk=run.pk)
    assert (first.first_progress_done, first.frames_done) == (50, 50)
    # The first report came 20 s ago (40 s of start-up and a first segment before it).
    AnalysisRun.objects.filter(pk=run.pk).update(first_progress_at=timezone.now() - timedelta(seconds=20))
    sink.progress(150, 500, 60.0)
    run = AnalysisRun.objects.get(pk=run.pk)
    assert run.first_progress_done == 50 and run.frames_done == 150
    # 100 samples in 20 s: 350 left is 70 s (the start-up-included 60 s / 150 x 350 would say 140 s).
    assert run.eta_s == pytest.approx(70.0, abs=1.0)
    assert AnalysisRun.objects.get(pk=run.pk).progress_detail == "150 / 500 frames"
