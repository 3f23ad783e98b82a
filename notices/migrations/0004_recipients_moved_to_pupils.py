"""Notices' recipients point at `pupils.PupilCarer`, which moved from `cases`
(pupils/migrations/0001_initial.py). State only: the columns, the recipients'
table and their foreign-key constraints to `cases_pupilcarer` are unchanged."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notices", "0003_legal_referrals"),
        ("pupils", "0001_initial"),
    ]
    # Before cases forgets its PupilCarer, so that no foreign key points at nothing.
    run_before = [("cases", "0005_pupils_and_families_moved_to_pupils")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="noticetoimprove",
                    name="recipients",
                    field=models.ManyToManyField(
                        related_name="notices_received", to="pupils.pupilcarer"
                    ),
                ),
                migrations.AlterField(
                    model_name="penaltynotice",
                    name="recipient",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="penalty_notices",
                        to="pupils.pupilcarer",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
