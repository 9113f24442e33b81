"""A database from before the valence and progress columns upgrades with its stored results intact:
the step that recomputes stored runs with the app's own models runs once every column exists."""

import pytest
from django.core.management import call_command

from analysis.models import AnalysisRun, Person, RunTimeline
from analysis.results.timeline_store import is_current, run_timeline

from .factories import add_person, make_run, make_video


@pytest.mark.django_db(transaction=True)
def test_an_old_database_with_stored_runs_migrates_forward(user):
    video = make_video(user)
    run = make_run(video, persons_count=1)
    add_person(run, 1, 3, [0.0, 0.2, 0.4, 0.6, 0.8])
    run_timeline(run)  # stored, then made stale: a run from before the current scales
    RunTimeline.objects.filter(run=run).update(summary={})
    call_command("migrate", "analysis", "0009", verbosity=0)  # the columns of 0010-0012 go
    try:
        call_command("migrate", verbosity=0)
    finally:
        call_command("migrate", verbosity=0)  # leave the schema whole for the tests after this one
    run = AnalysisRun.objects.get(pk=run.pk)
    assert is_current(RunTimeline.objects.get(run=run).summary)  # recomputed on the current scales
    assert Person.objects.get(run=run).valence is not None
