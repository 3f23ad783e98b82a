"""Each school's summary, stored by the figures refresh for the LA overview.

The summaries are worked out here from the figures already stored, so the
overview shows the same numbers before the next nightly refresh as after it.
"""

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models


def _from_stored_figures(apps, schema_editor):
    PupilFigures = apps.get_model("attendance", "PupilFigures")
    SchoolFigures = apps.get_model("attendance", "SchoolFigures")
    on_roll = models.Q(on_roll=True)
    totals = PupilFigures._default_manager.values("school_id").annotate(
        latest=models.Max("as_at"),
        refreshed=models.Max("refreshed_at"),
        pupils=models.Count("pk", filter=on_roll),
        possible=models.Sum("possible_sessions"),
        attended=models.Sum("attended_sessions"),
        persistent=models.Count("pk", filter=on_roll & models.Q(persistent_absence=True)),
        severe=models.Count("pk", filter=on_roll & models.Q(severe_absence=True)),
        threshold=models.Count("pk", filter=on_roll & models.Q(national_threshold_met=True)),
        missing=models.Sum("missing_marks"),
    )
    SchoolFigures._default_manager.bulk_create(
        SchoolFigures(
            school_id=t["school_id"],
            as_at=t["latest"],
            pupils=t["pupils"],
            possible_sessions=t["possible"] or 0,
            attended_sessions=t["attended"] or 0,
            persistent_absence=t["persistent"],
            severe_absence=t["severe"],
            national_threshold_met=t["threshold"],
            missing_marks=t["missing"] or 0,
            refreshed_at=t["refreshed"],
        )
        for t in totals.order_by()
    )


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0005_second_factor_throttle'),
        ('attendance', '0005_school_week_figures'),
    ]

    operations = [
        migrations.CreateModel(
            name='SchoolFigures',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('as_at', models.DateField()),
                ('pupils', models.PositiveIntegerField(help_text='On roll on the as-at date')),
                ('possible_sessions', models.PositiveIntegerField()),
                ('attended_sessions', models.PositiveIntegerField()),
                ('persistent_absence', models.PositiveIntegerField()),
                ('severe_absence', models.PositiveIntegerField()),
                ('national_threshold_met', models.PositiveIntegerField()),
                ('missing_marks', models.PositiveIntegerField()),
                ('refreshed_at', models.DateTimeField()),
                ('school', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='figures', to='accounts.school')),
            ],
            options={
                'verbose_name_plural': 'school figures',
                'base_manager_name': 'unscoped',
                'default_manager_name': 'unscoped',
            },
            managers=[
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(_from_stored_figures, migrations.RunPython.noop),
    ]
