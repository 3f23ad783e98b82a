"""Registers, figures and import discrepancies point at `pupils.Pupil`, which
moved from `cases` (pupils/migrations/0001_initial.py). State only: the column
and its foreign-key constraint to `cases_pupil` are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0003_register_origin_and_import_discrepancies"),
        ("pupils", "0001_initial"),
    ]
    # Before cases forgets its Pupil, so that no foreign key points at nothing.
    run_before = [("cases", "0005_pupils_and_families_moved_to_pupils")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="importdiscrepancy",
                    name="pupil",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="pupils.pupil",
                    ),
                ),
                migrations.AlterField(
                    model_name="pupilfigures",
                    name="pupil",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="figures",
                        to="pupils.pupil",
                    ),
                ),
                migrations.AlterField(
                    model_name="registeryear",
                    name="pupil",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="registers",
                        to="pupils.pupil",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
