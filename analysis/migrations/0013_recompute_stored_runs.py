"""Each stored run's persons and timeline recomputed from their samples on the current scales
(calm-anchored valence, the time grid), so nothing needs analysing again.

It uses the app's own code, not historical models: the figures must be the ones the app computes now.
So it runs last, when the tables have every column the app's models select; a later migration that
adds a column to AnalysisRun, Person, Sample or Video must come before a step like this one, not after it."""

from django.db import migrations


def recompute_stored_runs(apps, schema_editor):
    if not apps.get_model("analysis", "RunTimeline").objects.exists():
        return  # a new database: nothing stored
    from analysis.models import AnalysisRun
    from analysis.results.timeline_store import refresh_stale_runs

    refresh_stale_runs(AnalysisRun.objects.filter(timeline__isnull=False))


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0012_facial_measures"),
    ]

    operations = [migrations.RunPython(recompute_stored_runs, migrations.RunPython.noop)]
