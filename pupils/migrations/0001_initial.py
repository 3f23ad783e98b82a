"""Pupil, Enrolment, Carer and PupilCarer move here from `cases`, keeping their data.

Only Django's record of the models moves (state_operations): the tables stay
where they are, under the names they have had since `cases` created them
(`cases_pupil`, `cases_enrolment`, `cases_carer`, `cases_pupilcarer`, kept by
each model's Meta.db_table), so no row is copied and no table is locked. The
foreign keys of cases, attendance and notices are repointed in their own
migrations (state only too), and cases 0005 then forgets the old models.

The one database change: the content types (and so the permissions attached to
them) of the four models are relabelled from `cases` to `pupils`, so nothing
that refers to them is orphaned.
"""

import django.db.models.deletion
import django.db.models.manager
from django.conf import settings
from django.db import migrations, models

import pupils.upn

MOVED = ("pupil", "enrolment", "carer", "pupilcarer")


def _relabel(apps, from_label, to_label):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=to_label, model=model).exists():
            continue
        ContentType.objects.filter(app_label=from_label, model=model).update(app_label=to_label)


def content_types_forwards(apps, schema_editor):
    _relabel(apps, "cases", "pupils")


def content_types_backwards(apps, schema_editor):
    _relabel(apps, "pupils", "cases")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The tables, as cases' migrations left them.
        ("cases", "0004_relationships_from_cbds_codes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Carer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(blank=True, max_length=20)),
                        ('forename', models.CharField(max_length=100)),
                        ('surname', models.CharField(max_length=100)),
                        ('address', models.TextField(blank=True)),
                        ('postcode', models.CharField(blank=True, max_length=10)),
                        ('phone', models.CharField(blank=True, max_length=30)),
                        ('mobile', models.CharField(blank=True, max_length=30)),
                        ('email', models.EmailField(blank=True, max_length=254)),
                        ('preferred_language', models.CharField(default='English', max_length=50)),
                        ('interpreter_needed', models.BooleanField(default=False)),
                        ('literacy_support_needed', models.BooleanField(default=False)),
                        ('preferred_contact_method', models.CharField(choices=[('phone', 'Phone call'), ('text', 'Text message'), ('email', 'Email'), ('letter', 'Letter'), ('app', 'School app message'), ('in_person', 'In person')], default='phone', max_length=16)),
                    ],
                    options={
                        'db_table': 'cases_carer',
                        'ordering': ['surname', 'forename'],
                        'base_manager_name': 'unscoped',
                        'default_manager_name': 'unscoped',
                    },
                    managers=[
                        ('unscoped', django.db.models.manager.Manager()),
                    ],
                ),
                migrations.CreateModel(
                    name='Pupil',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('upn', models.CharField(max_length=13, unique=True, validators=[pupils.upn.validate_upn], verbose_name='UPN')),
                        ('legal_forename', models.CharField(max_length=100)),
                        ('legal_surname', models.CharField(max_length=100)),
                        ('preferred_forename', models.CharField(blank=True, max_length=100)),
                        ('preferred_surname', models.CharField(blank=True, max_length=100)),
                        ('date_of_birth', models.DateField()),
                        ('sex', models.CharField(choices=[('F', 'Female'), ('M', 'Male'), ('U', 'Not known')], default='U', max_length=1)),
                        ('year_group', models.CharField(blank=True, help_text='R, 1 to 14', max_length=3, verbose_name='national curriculum year')),
                        ('sen_status', models.CharField(blank=True, choices=[('', 'None recorded'), ('K', 'SEN support'), ('E', 'Education, health and care plan')], max_length=1, verbose_name='special educational needs')),
                        ('free_school_meals', models.BooleanField(default=False, verbose_name='eligible for free school meals')),
                        ('looked_after', models.BooleanField(default=False, verbose_name='looked-after child')),
                        ('social_care', models.CharField(blank=True, choices=[('', 'None recorded'), ('cin', 'Child in need'), ('cp', 'Child protection plan')], max_length=3, verbose_name="children's social care")),
                    ],
                    options={
                        'db_table': 'cases_pupil',
                        'ordering': ['legal_surname', 'legal_forename'],
                        'base_manager_name': 'unscoped',
                        'default_manager_name': 'unscoped',
                    },
                    managers=[
                        ('unscoped', django.db.models.manager.Manager()),
                    ],
                ),
                migrations.CreateModel(
                    name='Enrolment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('start', models.DateField()),
                        ('end', models.DateField(blank=True, null=True)),
                        ('school', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='enrolments', to='accounts.school')),
                        ('pupil', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='enrolments', to='pupils.pupil')),
                    ],
                    options={
                        'db_table': 'cases_enrolment',
                        'ordering': ['-start'],
                        'base_manager_name': 'unscoped',
                        'default_manager_name': 'unscoped',
                        'indexes': [models.Index(fields=['school', 'end'], name='cases_enrol_school__15d115_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('end__isnull', True), ('end__gte', models.F('start')), _connector='OR'), name='enrolment_ends_after_it_starts'), models.UniqueConstraint(condition=models.Q(('end__isnull', True)), fields=('pupil', 'school'), name='one_open_enrolment_per_pupil_per_school')],
                    },
                    managers=[
                        ('unscoped', django.db.models.manager.Manager()),
                    ],
                ),
                migrations.CreateModel(
                    name='PupilCarer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('relationship', models.CharField(choices=[('mother', 'Mother'), ('father', 'Father'), ('parent', 'Parent'), ('step_mother', 'Step-mother'), ('step_father', 'Step-father'), ('step_parent', 'Step-parent'), ('foster_carer', 'Foster carer'), ('carer', 'Carer'), ('grandparent', 'Grandparent'), ('other_relative', 'Other relative or family member'), ('childminder', 'Childminder'), ('social_worker', 'Social worker'), ('doctor', 'Doctor'), ('teacher', 'Teacher'), ('head_teacher', 'Head teacher'), ('religious_contact', 'Religious contact'), ('other', 'Other contact')], max_length=20)),
                        ('parental_responsibility', models.BooleanField(default=True)),
                        ('lives_with_pupil', models.BooleanField(default=True)),
                        ('contact_priority', models.PositiveSmallIntegerField(default=1)),
                        ('included_in_correspondence', models.BooleanField(blank=True, null=True)),
                        ('correspondence_decided_at', models.DateTimeField(blank=True, null=True)),
                        ('correspondence_decision_reason', models.TextField(blank=True)),
                        ('carer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pupil_links', to='pupils.carer')),
                        ('correspondence_decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pupil', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='carer_links', to='pupils.pupil')),
                    ],
                    options={
                        'db_table': 'cases_pupilcarer',
                        'ordering': ['contact_priority', 'pk'],
                        'base_manager_name': 'unscoped',
                        'default_manager_name': 'unscoped',
                        'constraints': [models.UniqueConstraint(fields=('pupil', 'carer'), name='carer_linked_once_per_pupil')],
                    },
                    managers=[
                        ('unscoped', django.db.models.manager.Manager()),
                    ],
                ),
            ],
            database_operations=[
                migrations.RunPython(content_types_forwards, content_types_backwards),
            ],
        ),
    ]
