"""Valence moved to the calm-anchored scale (analysis/core/valence.py): the persons' new columns. The
stored runs are recomputed on the new scale by 0012, once every column the app's models ask for
exists."""

from django.db import migrations, models


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
    ]
