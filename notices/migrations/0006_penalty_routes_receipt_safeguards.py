import contextlib
import datetime as dt
import re

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MONTHS = {
    name: number
    for number, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}
LONG_DATE = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? ([A-Za-z]+),? (\d{4})\b")
SHORT_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
# "between 8 and 26 September 2025": the first day borrows the second's month and year.
SAME_MONTH_RANGE = re.compile(r"\b(\d{1,2}) (?:and|to|-|\u2013) (\d{1,2}) ([A-Za-z]+),? (\d{4})\b")


def dates_in(text):
    """Every date written in the old free-text offence ("8 September 2025",
    "08/09/2025", "between 8 and 26 September 2025")."""
    found = []

    def add(day, month, year):
        with contextlib.suppress(ValueError):  # "31 September" is no date
            found.append(dt.date(int(year), int(month), int(day)))

    for day_a, day_b, month, year in SAME_MONTH_RANGE.findall(text):
        if month.lower() in MONTHS:
            add(day_a, MONTHS[month.lower()], year)
            add(day_b, MONTHS[month.lower()], year)
    for day, month, year in LONG_DATE.findall(text):
        if month.lower() in MONTHS:
            add(day, MONTHS[month.lower()], year)
    for day, month, year in SHORT_DATE.findall(text):
        add(day, month, year)
    return found


def backfill(apps, schema_editor):
    """Existing notices: the offence period from the dates written in the old
    text when it names at least two, all on or before the issue date (otherwise
    left empty: a guessed period would be worse than none); the LA decision of
    "penalty notice" on the case's referral, when there is one by the issue
    date. Their route stays blank and their service unrecorded: they were
    issued before either was asked, and keep the due dates they were given."""
    PenaltyNotice = apps.get_model("notices", "PenaltyNotice")
    LADecision = apps.get_model("notices", "LADecision")
    for notice in PenaltyNotice._default_manager.all().iterator():
        days = [d for d in dates_in(notice.reason) if d <= notice.issued_on]
        if len(days) >= 2:
            notice.offence_first_day, notice.offence_last_day = min(days), max(days)
        notice.decision = (
            LADecision._default_manager.filter(
                referral__case_id=notice.case_id,
                kind="penalty_notice",
                decided_on__lte=notice.issued_on,
            )
            .order_by("-decided_on", "-pk")
            .first()
        )
        notice.save(update_fields=["offence_first_day", "offence_last_day", "decision"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_pupils_and_families_moved_to_pupils"),
        ("notices", "0005_notice_facts_fixed_at_issue"),
        ("pupils", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The free text is kept, as the notice's notes: its dates are read into
        # the new offence period where they can be (backfill below).
        migrations.RenameField(
            model_name="penaltynotice",
            old_name="offence",
            new_name="reason",
        ),
        migrations.AlterField(
            model_name="penaltynotice",
            name="reason",
            field=models.TextField(blank=True, verbose_name="notes on the offence"),
        ),
        migrations.AddField(
            model_name="ladecision",
            name="contract_explored",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="an attendance contract was explored"
            ),
        ),
        migrations.AddField(
            model_name="ladecision",
            name="contract_note",
            field=models.TextField(
                blank=True, verbose_name="why an attendance contract was not explored"
            ),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="decision",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="penalty_notices",
                to="notices.ladecision",
            ),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="issue_token",
            field=models.UUIDField(blank=True, editable=False, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="offence_first_day",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="offence_last_day",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="prosecution_contract_explored",
            field=models.BooleanField(
                blank=True, null=True, verbose_name="an attendance contract was explored"
            ),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="prosecution_contract_note",
            field=models.TextField(
                blank=True, verbose_name="why an attendance contract was not explored"
            ),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="prosecution_eso_considered",
            field=models.BooleanField(
                default=False, verbose_name="an education supervision order was considered"
            ),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="prosecution_eso_note",
            field=models.TextField(
                blank=True, verbose_name="why an education supervision order is not used"
            ),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="received_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="route",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Recorded before routes were checked"),
                    ("la_decision", "LA decision on a referral"),
                ],
                max_length=24,
            ),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="served_on",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="service_method",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Not recorded"),
                    ("hand", "By hand"),
                    ("first_class", "First-class post"),
                    ("second_class", "Second-class post"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="penaltynotice",
            name="unauthorised_sessions",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="penaltynotice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("offence_first_day__isnull", True), ("offence_last_day__isnull", True)
                    ),
                    ("offence_first_day__lte", models.F("offence_last_day")),
                    _connector="OR",
                ),
                name="penalty_offence_period_in_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="penaltynotice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("received_on__isnull", True),
                        ("served_on__isnull", True),
                        ("service_method", ""),
                    ),
                    models.Q(
                        models.Q(("service_method", ""), _negated=True),
                        ("received_on__gte", models.F("served_on")),
                        ("received_on__isnull", False),
                        ("served_on__gte", models.F("issued_on")),
                        ("served_on__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="penalty_service_recorded_with_receipt",
            ),
        ),
        migrations.AddConstraint(
            model_name="penaltynotice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("route", ""),
                    models.Q(
                        ("offence_first_day__isnull", False),
                        ("served_on__isnull", False),
                        models.Q(
                            models.Q(("route", "la_decision"), _negated=True),
                            ("decision__isnull", False),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="penalty_route_has_source_period_and_service",
            ),
        ),
        migrations.AddConstraint(
            model_name="penaltynotice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "prosecution"), _negated=True),
                    ("route", ""),
                    models.Q(
                        ("prosecution_eso_considered", True),
                        models.Q(("prosecution_eso_note", ""), _negated=True),
                        models.Q(
                            ("prosecution_contract_explored", True),
                            models.Q(
                                ("prosecution_contract_explored", False),
                                models.Q(("prosecution_contract_note", ""), _negated=True),
                            ),
                            _connector="OR",
                        ),
                    ),
                    _connector="OR",
                ),
                name="penalty_prosecution_safeguards",
            ),
        ),
    ]
