"""Retention (issue 14, item 8; docs/rules.md "Retention"): records past
their period are listed each night for an LA manager, who deletes them or
keeps them with a reason; both are audited and nothing goes without that."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from attendance.models import RegisterYear
from attendance.years import empty_marks
from cases.models import AttendanceCase, Contact
from core.models import AuditEvent
from documents.services.generate import subjects_of
from notices.models import NoticeToImprove
from pupils.models import Carer, Pupil
from records.models import RetentionReview
from records.retention_rules import register_kept_until
from records.services.retention import retention_delete, retention_review_run

from .conftest import signed_in_client
from .factories import (
    AttendanceCaseFactory,
    CarerFactory,
    LocalAuthorityFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .penalty_helpers import penalty_route

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(school):
    return UserFactory(la_user=True, role=Role.LA_MANAGER, local_authority=school.local_authority)


def register(pupil: Pupil, school, year: int) -> RegisterYear:
    return RegisterYear.unscoped.create(
        pupil=pupil, school=school, academic_year=year, marks=empty_marks(year)
    )


def closed_case(school, born: dt.date) -> AttendanceCase:
    pupil = PupilFactory(school=school, date_of_birth=born)
    case = AttendanceCaseFactory(school=school, pupil=pupil)
    AttendanceCase.unscoped.filter(pk=case.pk).update(
        status=AttendanceCase.Status.CLOSED, closed_at=timezone.now(), closing_reason="Improved"
    )
    case.refresh_from_db()
    return case


def listed() -> set[tuple[str, int]]:
    return set(RetentionReview.objects.filter(status="waiting").values_list("kind", "record_id"))


def test_a_register_is_listed_the_day_after_six_years_from_the_end_of_its_year(school):
    """SI 2024/208 reg 7: every entry kept at least six years. The 2018/19
    register's last entry can be 31 August 2019: kept until 31 August 2025."""
    kept = register(PupilFactory(school=school), school, 2018)
    newer = register(PupilFactory(school=school), school, 2019)
    assert register_kept_until(2018, 6) == dt.date(2025, 8, 31)

    retention_review_run(today=dt.date(2025, 8, 31))
    assert listed() == set()
    retention_review_run(today=dt.date(2025, 9, 1))
    assert listed() == {("attendance_register", kept.pk)}
    assert newer.pk not in {pk for _, pk in listed()}


def test_a_closed_case_file_is_listed_after_the_pupils_25th_birthday_and_only_once(school):
    """IRMS Toolkit for Schools: the pupil's record until date of birth + 25 years."""
    case = closed_case(school, born=dt.date(2000, 3, 15))
    open_case = AttendanceCaseFactory(
        school=school, pupil=PupilFactory(school=school, date_of_birth=dt.date(1990, 1, 1))
    )

    retention_review_run(today=dt.date(2025, 3, 15))
    assert listed() == set()
    retention_review_run(today=dt.date(2025, 3, 16))
    retention_review_run(today=dt.date(2025, 3, 17))
    assert listed() == {("closed_case_file", case.pk)}
    assert RetentionReview.objects.count() == 1
    assert open_case.pk not in {pk for _, pk in listed()}
    review = RetentionReview.objects.get()
    assert review.kept_until == dt.date(2025, 3, 15)
    assert "born 15 March 2000" in review.description


def test_the_manager_deletes_a_case_file_and_the_pupil_and_family_stay(school, manager):
    case = closed_case(school, born=dt.date(1995, 5, 1))
    link = PupilCarerFactory(pupil=case.pupil, carer=CarerFactory())
    Contact.unscoped.create(
        pupil=case.pupil,
        school=school,
        case=case,
        occurred_at=timezone.now(),
        method="phone",
        carer=link,
        made_by=case.lead_professional,
        reached=True,
        notes="Called mum",
    )
    penalty_route(case, link)
    other = AttendanceCaseFactory(school=school)
    retention_review_run(today=dt.date(2026, 12, 6))
    review = RetentionReview.objects.get()

    client = signed_in_client(manager)
    page = client.get(reverse("records:retention"))
    assert review.description in page.text
    response = client.post(
        reverse("records:retention_decide", args=[review.pk]),
        {"decision": "delete", "reason": "Past retention; no proceedings open"},
        follow=True,
    )

    assert "Deleted:" in response.text
    assert not AttendanceCase.unscoped.filter(pk=case.pk).exists()
    assert not Contact.unscoped.filter(case_id=case.pk).exists()
    assert not NoticeToImprove.unscoped.filter(case_id=case.pk).exists()
    assert Pupil.unscoped.filter(pk=case.pupil_id).exists()
    assert Carer.unscoped.filter(pk=link.carer_id).exists()
    assert AttendanceCase.unscoped.filter(pk=other.pk).exists()
    review.refresh_from_db()
    assert (review.status, review.decided_by) == ("deleted", manager)
    assert review.deleted_rows >= 4
    event = AuditEvent.objects.get(action=AuditEvent.Action.DELETE, actor=manager)
    assert "Past retention; no proceedings open" in event.note


def test_keeping_needs_a_reason_and_is_not_listed_again_for_a_year(school, manager):
    kept = register(PupilFactory(school=school), school, 2015)
    retention_review_run(today=dt.date(2026, 12, 6))
    review = RetentionReview.objects.get()
    client = signed_in_client(manager)
    url = reverse("records:retention_decide", args=[review.pk])

    refused = client.post(url, {"decision": "keep", "reason": ""})
    assert "Say why the record is kept past its retention period" in refused.text
    client.post(url, {"decision": "keep", "reason": "Prosecution under appeal"})
    review.refresh_from_db()
    assert review.status == "kept"
    assert RegisterYear.unscoped.filter(pk=kept.pk).exists()
    retention_review_run(today=dt.date(2026, 12, 7))
    assert listed() == set()


def test_the_la_sets_longer_periods_but_not_shorter_than_the_law(school, manager):
    client = signed_in_client(manager)
    url = reverse("records:retention")
    refused = client.post(url, {"attendance_register": "5", "closed_case_file": "25"})
    assert "Attendance registers must be kept for at least 6 years" in refused.text
    client.post(url, {"attendance_register": "8", "closed_case_file": "25"})
    register(PupilFactory(school=school), school, 2018)
    retention_review_run(today=dt.date(2025, 9, 1))
    assert listed() == set()  # kept until 31 August 2027 now
    assert AuditEvent.objects.filter(
        actor=manager, changes={"years": [6, 8]}, note__contains="attendance registers"
    ).exists()


def test_only_the_las_own_managers_see_and_decide(school, manager):
    register(PupilFactory(school=school), school, 2015)
    retention_review_run(today=dt.date(2026, 12, 6))
    review = RetentionReview.objects.get()
    officer = UserFactory(la_user=True, local_authority=school.local_authority)
    assert signed_in_client(officer).get(reverse("records:retention")).status_code == 403
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    assert signed_in_client(lead).get(reverse("records:retention")).status_code == 403
    other_la = LocalAuthorityFactory()
    SchoolFactory(local_authority=other_la)
    elsewhere = UserFactory(la_user=True, role=Role.LA_MANAGER, local_authority=other_la)
    client = signed_in_client(elsewhere)
    assert client.get(reverse("records:retention_decide", args=[review.pk])).status_code == 404
    assert review.description not in client.get(reverse("records:retention")).text


def test_deleting_a_case_file_deletes_its_stored_letters(django_capture_on_commit_callbacks):
    from documents.models import Document

    from .test_documents import make, two_parent_case
    from .test_notices import ISSUED, issue
    from .test_pathway_rules import at

    case, _, _ = two_parent_case()
    issue(case)
    with at(ISSUED):
        subject = next(s for s in subjects_of(case) if s.kind.code == "notice_to_improve")
        letter = make(case, subject)
    storage, name = letter.file.storage, letter.file.name
    assert storage.exists(name)
    AttendanceCase.unscoped.filter(pk=case.pk).update(
        status=AttendanceCase.Status.CLOSED, closed_at=timezone.now(), closing_reason="Improved"
    )
    born = case.pupil.date_of_birth
    retention_review_run(today=born.replace(year=born.year + 26))
    review = RetentionReview.objects.get(kind="closed_case_file")
    manager = UserFactory(
        la_user=True, role=Role.LA_MANAGER, local_authority=case.school.local_authority
    )

    with django_capture_on_commit_callbacks(execute=True):
        retention_delete(acting_user=manager, review_id=review.pk, reason="Past retention")

    assert not Document.unscoped.filter(pk=letter.pk).exists()
    assert not storage.exists(name)


def test_the_nightly_task_lists_what_is_due(school):
    from records.tasks import retention_review

    register(PupilFactory(school=school), school, 2010)
    assert retention_review.delay().get() == 1
    assert retention_review.delay().get() == 0  # the same record is not listed twice
