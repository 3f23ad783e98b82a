"""The nightly run as a whole: idempotent, resumable after a crash, one at a
time, a missed night caught up, the dry run, the command, the task and the
morning digest (issue 13, items 2, 4, 5)."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from accounts.models import Role
from attendance.models import PupilFigures
from cases import nightly as nightly_module
from cases.hooks import all_flag_kinds
from cases.models import AttendanceCase, DigestSent, Flag, NightlyRun
from cases.nightly import LOCK_NAME, run_nightly
from cases.services.flags import flag_resolve
from cases.tasks import nightly
from core.locks import JobAlreadyRunning
from core.models import AuditEvent

from .factories import AttendanceCaseFactory, PupilFactory, SchoolFactory, UserFactory
from .test_flags_kinds import figures
from .test_pathway_rules import at

pytestmark = pytest.mark.django_db
D = dt.date
MONDAY = D(2026, 3, 9)


def needs_cases(schools: int = 3, pupils: int = 2) -> list:
    """Pupils meeting the national threshold with no case, at several schools."""
    made = []
    for _ in range(schools):
        school = SchoolFactory()
        for _ in range(pupils):
            # As at yesterday, as the figures refresh leaves them.
            figures(
                PupilFactory(school=school),
                school,
                MONDAY - dt.timedelta(days=1),
                national_threshold_met=True,
            )
        made.append(school)
    return made


def test_running_twice_raises_nothing_the_second_time():
    needs_cases()
    with at(MONDAY):
        first = run_nightly(as_at=MONDAY)
        second = run_nightly(as_at=MONDAY)
    assert first.raised["threshold_no_case"] == 6
    assert sum(second.raised.values()) == 0
    assert Flag.unscoped.filter(kind="threshold_no_case").count() == 6
    # The night's record is the latest run's.
    assert NightlyRun.objects.get(as_at=MONDAY).raised == 0


def test_a_run_killed_after_its_first_batch_is_finished_by_the_next_with_no_duplicate(
    monkeypatch,
):
    needs_cases(schools=3)
    real = nightly_module._judge
    first_batch: list[list[int]] = []

    def dies_in_the_second_batch(kind, night, result, *, dry_run):
        first_batch[:] = first_batch or [night.school_ids]
        if night.school_ids != first_batch[0]:
            raise RuntimeError("worker killed")
        return real(kind, night, result, dry_run=dry_run)

    monkeypatch.setattr(nightly_module, "_judge", dies_in_the_second_batch)
    with at(MONDAY), pytest.raises(RuntimeError):
        run_nightly(as_at=MONDAY, batch_schools=1)
    # The first batch (one school, two pupils) is stored whole; the rest not.
    assert Flag.unscoped.filter(kind="threshold_no_case").count() == 2
    assert not NightlyRun.objects.filter(as_at=MONDAY).exists()

    monkeypatch.setattr(nightly_module, "_judge", real)
    with at(MONDAY):
        again = run_nightly(as_at=MONDAY, batch_schools=1)
    assert again.raised["threshold_no_case"] == 4
    flags = Flag.unscoped.filter(kind="threshold_no_case")
    assert flags.count() == 6
    assert len({f.subject for f in flags}) == 6


def test_the_dry_run_counts_and_changes_nothing():
    needs_cases(schools=1)
    with at(MONDAY):
        result = run_nightly(as_at=MONDAY, dry_run=True)
    assert result.raised["threshold_no_case"] == 2
    assert not Flag.unscoped.exists()
    assert not NightlyRun.objects.exists()


def test_a_missed_night_is_caught_up_with_each_flag_dated_when_it_fell_due():
    # Contact due by Monday 19 January; nothing ran on the 20th or 21st.
    AttendanceCaseFactory(opened_at=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    with at(D(2026, 1, 22)):
        run_nightly(as_at=D(2026, 1, 22))
    (flag,) = Flag.unscoped.filter(kind="contact_overdue")
    assert flag.due_on == D(2026, 1, 20)
    assert flag.raised_as_at == D(2026, 1, 22)


def test_a_user_resolves_a_flag_with_a_note_audited_and_it_is_not_raised_again():
    school = needs_cases(schools=1, pupils=1)[0]
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
        flag = Flag.unscoped.get(kind="threshold_no_case")
        flag_resolve(acting_user=lead, flag_id=flag.pk, note="Moving school next week")
        run_nightly(as_at=MONDAY)
    flag.refresh_from_db()
    assert flag.resolution == Flag.Resolution.BY_USER
    assert flag.resolved_by == lead
    assert Flag.unscoped.filter(kind="threshold_no_case").count() == 1
    event = AuditEvent.objects.get(target_type="cases.Flag", target_id=str(flag.pk))
    assert "Moving school next week" in event.note


def test_read_only_staff_cannot_resolve_a_flag():
    from django.core.exceptions import PermissionDenied

    school = needs_cases(schools=1, pupils=1)[0]
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=school)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
    flag = Flag.unscoped.get()
    with pytest.raises(PermissionDenied):
        flag_resolve(acting_user=staff, flag_id=flag.pk, note="Done")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_never_overlap_on_postgresql():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        import zlib

        other.execute("SELECT pg_advisory_lock(%s)", [zlib.crc32(LOCK_NAME.encode())])
        with pytest.raises(JobAlreadyRunning):
            run_nightly(as_at=MONDAY)
        other.execute("SELECT pg_advisory_unlock(%s)", [zlib.crc32(LOCK_NAME.encode())])
    run_nightly(as_at=MONDAY)  # free again


def test_the_command_logs_counts_and_dry_runs(capsys):
    needs_cases(schools=1)
    with at(MONDAY):
        call_command("run_nightly", "--dry-run", "--as-at", "2026-03-09")
    out = capsys.readouterr().out
    assert "threshold_no_case: 2 raised" in out
    assert "(dry run)" in out
    assert not Flag.unscoped.exists()
    with at(MONDAY):
        call_command("run_nightly")
    assert Flag.unscoped.count() == 2


def test_every_kind_is_registered_by_its_app():
    kinds = all_flag_kinds()
    assert {"threshold_no_case", "plan_review_overdue", "correspondence_decision"} <= set(kinds)
    assert {"notice_new_unauthorised", "referral_returned", "la_penalty_unpaid"} <= set(kinds)


# The task and the morning digest ---------------------------------------------------


def test_the_task_raises_flags_and_emails_each_lead_once_a_night():
    school = needs_cases(schools=1)[0]
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    UserFactory(role=Role.ATTENDANCE_LEAD, school=school, morning_digest=False)
    UserFactory(role=Role.SCHOOL_STAFF, school=school)
    with at(MONDAY):
        outcome = nightly.delay().get()
        nightly.delay().get()
    assert outcome["raised"] == 2
    assert outcome["digests"] == 1
    (email,) = mail.outbox
    assert email.to == [lead.email]
    assert "Meets the national threshold: needs a case: 2" in email.body
    assert "/" in email.body.split("today page: ", 1)[1]
    assert DigestSent.objects.get(user=lead).as_at == MONDAY


def test_the_next_digest_lists_only_what_is_new_and_counts_what_is_still_open():
    school = needs_cases(schools=1, pupils=1)[0]
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    with at(MONDAY):
        nightly.delay().get()
    AttendanceCaseFactory(
        school=school, lead_professional=lead, opened_at=dt.datetime(2026, 2, 2, 9, tzinfo=dt.UTC)
    )
    PupilFigures.unscoped.update(as_at=MONDAY)  # Monday night's refresh
    tuesday = MONDAY + dt.timedelta(days=1)
    with at(tuesday):
        nightly.delay().get()
    assert len(mail.outbox) == 2
    second = mail.outbox[1].body
    new_part, open_part = second.split("Still open:")
    assert "Fortnightly contact overdue: 1" in new_part
    assert "needs a case" not in new_part
    assert "Meets the national threshold: needs a case: 1" in open_part


def test_the_la_officer_gets_the_las_flags_and_the_dsl_theirs():
    school = SchoolFactory()
    officer = UserFactory(role=Role.LA_OFFICER, school=None, local_authority=school.local_authority)
    dsl = UserFactory(role=Role.DSL, school=school)
    from .factories import PupilCarerFactory

    PupilCarerFactory(pupil=PupilFactory(school=school), lives_with_pupil=False)
    with at(MONDAY):
        nightly.delay().get()
    (email,) = mail.outbox
    assert email.to == [dsl.email]
    assert "correspondence decision: 1" in email.body
    assert not DigestSent.objects.filter(user=officer).exists()  # nothing for the LA
    assert AttendanceCase.unscoped.count() == 0
