"""Facts fixed when a notice is issued, and the parents being told of the referral.

- The national threshold as measured on the issue date (rule A4: the referral
  relies on the threshold met when the notice was issued, not on the rolling
  count on the referral day). Existing notices are backfilled from their
  registers as at the issue date; where that cannot be read back the fields
  stay empty, and the referral says the threshold at issue is not known.
- The support offers the check relied on: empty (unknown) for existing
  notices, whose letters fall back to the offers dated on or before issue.
- `parents_informed_on` is removed: it was always the issue date, not the day
  the parents were told that a referral will be made, so nothing in it can
  become a `ParentsToldOfReferral` record; the school records that step.
"""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models, transaction


def threshold_backfill(apps, schema_editor):
    from attendance import figures as fig
    from attendance.loading import pupil_data

    notice_model = apps.get_model("notices", "NoticeToImprove")
    for notice in notice_model._default_manager.select_related("case__pupil").filter(
        threshold_as_at__isnull=True
    ):
        pupil = notice.case.pupil
        try:
            with transaction.atomic():
                data = pupil_data(pupil.pk, notice.issued_on)
                figures = fig.pupil_figures(
                    upn=pupil.upn,
                    registers=data.registers,
                    spans=data.spans,
                    context=data.context,
                )
        except Exception:  # noqa: BLE001 - unknown is an honest answer for an old notice
            continue
        notice.threshold_sessions = figures.unauthorised_last_10_school_weeks
        notice.threshold_window_weeks = fig.NATIONAL_THRESHOLD_WEEKS
        notice.threshold_as_at = notice.issued_on
        notice.save(
            update_fields=["threshold_sessions", "threshold_window_weeks", "threshold_as_at"]
        )


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0004_recipients_moved_to_pupils'),
        ('attendance', '0004_pupil_moved_to_pupils'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveField(
            model_name='noticetoimprove',
            name='parents_informed_on',
        ),
        migrations.AddField(
            model_name='noticetoimprove',
            name='support_relied_on',
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='noticetoimprove',
            name='threshold_as_at',
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='noticetoimprove',
            name='threshold_sessions',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='noticetoimprove',
            name='threshold_window_weeks',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name='ParentsToldOfReferral',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('told_on', models.DateField()),
                ('method', models.CharField(choices=[('letter', 'Letter'), ('in_person', 'In person'), ('phone', 'Telephone'), ('email', 'Email')], max_length=16, verbose_name='how the parents were told')),
                ('told_by', models.CharField(max_length=200, verbose_name='who told them')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('notice', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='parents_told', to='notices.noticetoimprove')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'parents told of the referral',
                'verbose_name_plural': 'parents told of referrals',
                'base_manager_name': 'unscoped',
                'default_manager_name': 'unscoped',
            },
            managers=[
                ('unscoped', django.db.models.manager.Manager()),
            ],
        ),
        migrations.RunPython(threshold_backfill, migrations.RunPython.noop),
    ]
