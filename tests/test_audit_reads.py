"""Who has seen this child's record? Opening a pupil's pages, or downloading a
letter, is in the audit trail: who, when, what, from where (issue
"Safeguarding-grade security", item 3, in part)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from documents.services.generate import document_make

from .factories import EnrolmentFactory
from .test_notices import ISSUED, at, issue, ready_case

pytestmark = pytest.mark.django_db


def views_of(target) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditEvent.Action.VIEW_SENSITIVE,
            target_type=target._meta.label,
            target_id=str(target.pk),
        ).order_by("occurred_at", "pk")
    )


def test_opening_a_pupils_pages_is_recorded_with_who_and_where(lead, school, client_for):
    pupil = EnrolmentFactory(school=school).pupil
    client = client_for(lead)
    client.get(reverse("cases:pupil_detail", args=[pupil.pk]), REMOTE_ADDR="192.0.2.7")
    client.get(reverse("attendance:pupil_attendance", args=[pupil.pk]), REMOTE_ADDR="192.0.2.7")

    seen = views_of(pupil)
    assert [event.actor for event in seen] == [lead, lead]
    assert seen[0].note == "pupil and family page (from 192.0.2.7)"
    assert seen[1].note == "pupil's attendance page (from 192.0.2.7)"


def test_a_page_refused_to_an_outsider_records_no_view(lead, school, client_for):
    from .factories import SchoolFactory, UserFactory

    pupil = EnrolmentFactory(school=school).pupil
    outsider = UserFactory(school=SchoolFactory())
    assert (
        client_for(outsider).get(reverse("cases:pupil_detail", args=[pupil.pk])).status_code == 404
    )
    assert views_of(pupil) == []


def test_downloading_a_notice_letter_is_recorded(client_for):
    case = ready_case()
    made = issue(case)
    recipient = made.recipients.select_related("carer").get()
    with at(ISSUED):
        # Letters are made and stored by the documents app; the old address leads there.
        document = document_make(
            acting_user=case.lead_professional,
            case_id=case.pk,
            key=f"notice_to_improve:case{case.pk}:notice{made.pk}:to{recipient.pk}",
        )
        client_for(case.lead_professional).get(
            reverse("notices:letter", args=[made.pk, recipient.pk]), follow=True
        )
    (seen,) = views_of(document)
    assert seen.actor == case.lead_professional
    assert seen.school == case.school
    assert f"Notice to Improve to {recipient.carer} downloaded" in seen.note


def test_opening_a_case_file_is_recorded(client_for):
    from .factories import AttendanceCaseFactory

    case = AttendanceCaseFactory()
    client_for(case.lead_professional).get(reverse("cases:case_detail", args=[case.pk]))
    (seen,) = views_of(case)
    assert seen.actor == case.lead_professional
    assert seen.school == case.school
    assert seen.note.startswith("case file")
