from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0010_valence_calm_anchored"),
    ]

    operations = [
        migrations.AddField(
            model_name="analysisrun",
            name="finish_unseen",
            field=models.BooleanField(db_index=True, default=False),
        ),
        migrations.AddField(
            model_name="analysisrun",
            name="progress_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="analysisrun",
            name="progress_speed",
            field=models.FloatField(blank=True, null=True),
        ),
    ]
