"""Valence moved to the calm-anchored scale (analysis/core/valence.py): each stored run's persons and
timeline are recomputed from their samples, so nothing needs analysing again."""

from django.db import migrations, models


def recompute_stored_runs(apps, schema_editor):
    # The app's own code, not historical models: the figures must be the ones the app computes now. Runs
    # whose timeline is already on the current scale are left alone.
    from analysis.models import AnalysisRun
    from analysis.results.timeline_store import refresh_stale_runs

    refresh_stale_runs(AnalysisRun.objects.filter(timeline__isnull=False))


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0009_erased_persons"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="looking_down",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="person",
            name="calm_from_s",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="person",
            name="calm_to_s",
            field=models.FloatField(blank=True, null=True),
        ),
        migrations.RunPython(recompute_stored_runs, migrations.RunPython.noop),
    ]
