"""Drop the index on performance_observation.measure_id alone: the unique key (measure, area,
period type, period start) and the (measure, period end) index both start with it, so it only
slowed every write. Only the index goes; the foreign key stays as it was (AlterField would drop
and re-validate it)."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "performance_observation_measure_id_a86f31d5"  # Django's name for the FK's index


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0007_optional_authors"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {INDEX}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {INDEX} "
                    "ON performance_observation (measure_id)",
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="observation",
                    name="measure",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="observations",
                        to="performance.measure",
                    ),
                )
            ],
        )
    ]
