"""Pupil, Enrolment, Carer and PupilCarer now live in the `pupils` app
(pupils/migrations/0001_initial.py): the case file's foreign keys point there,
and cases forgets its own record of the four models. State only: the tables and
their rows, foreign-key constraints included, are not touched.

attendance 0004 and notices 0004 repoint their foreign keys before this runs
(their `run_before`), so no model is ever left pointing at a model that is gone.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_relationships_from_cbds_codes"),
        ("pupils", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="attendancecase",
                    name="pupil",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="pupils.pupil",
                    ),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="pupil",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="contacts",
                        to="pupils.pupil",
                    ),
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="carer",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="contacts",
                        to="pupils.pupilcarer",
                    ),
                ),
                migrations.AlterField(
                    model_name="parttimetimetable",
                    name="pupil",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="part_time_timetables",
                        to="pupils.pupil",
                    ),
                ),
                migrations.AlterField(
                    model_name="supportmeeting",
                    name="attended",
                    field=models.ManyToManyField(
                        blank=True, related_name="meetings_attended", to="pupils.pupilcarer"
                    ),
                ),
                migrations.AlterField(
                    model_name="supportmeeting",
                    name="invited",
                    field=models.ManyToManyField(
                        blank=True, related_name="meetings_invited", to="pupils.pupilcarer"
                    ),
                ),
                # Those that point at others first.
                migrations.DeleteModel(name="PupilCarer"),
                migrations.DeleteModel(name="Enrolment"),
                migrations.DeleteModel(name="Pupil"),
                migrations.DeleteModel(name="Carer"),
            ],
            database_operations=[],
        ),
    ]
