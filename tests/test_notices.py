"""Issuing a Notice to Improve (rule A4), its daily review, its outcome and its
letter. The case is made ready with the pathway walk's builders, with the clock
frozen in spring 2026 (half term 16 to 20 February)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse

from accounts.models import Role
from attendance.models import RegisterYear
from attendance.years import mark_index
from cases.models import AttendanceCase
from documents.kinds import KINDS, Subject
from documents.services.generate import document_make, render_html
from notices.models import NoticeToImprove
from notices.selectors import notices_in_review
from notices.services.notices import NoticeRefused, notice_issue, notice_outcome_record
from pathway.models import PathwayEvaluation

from .check_helpers import post_and_confirm
from .factories import AttendanceCaseFactory, SchoolFactory, UserFactory
from .test_pathway_rules import YEAR, at, make_case, notice, registers
from .test_pathway_walk import first_meeting, more_support

pytestmark = pytest.mark.django_db

ISSUED = dt.date(2026, 2, 2)
# 30 school days from 3 February, skipping the half term (16 to 20 February).
PERIOD_ENDS = dt.date(2026, 3, 23)


def ready_case() -> AttendanceCase:
    """A case the Notice to Improve rule set allows on `ISSUED`: unauthorised
    absence every Monday and Friday, three meetings, voice, plan, support declined."""
    with at(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case)
    with at(dt.date(2026, 1, 30)):
        first_meeting(case)
        more_support(case)
    return case


def issue(case: AttendanceCase, **fields) -> NoticeToImprove:
    values = {
        "acting_user": case.lead_professional,
        "case_id": case.pk,
        "issued_on": ISSUED,
        "sufficient_improvement": "No unauthorised absence",
        "consequence": "A referral to the Local Authority",
        "staff_contact": "Ms Patel, attendance lead",
    }
    values.update(fields)
    with at(values["issued_on"]):
        return notice_issue(**values)


def set_mark(case: AttendanceCase, day: dt.date, session: str, char: str) -> None:
    register = RegisterYear.unscoped.get(pupil=case.pupil, academic_year=YEAR)
    marks = list(register.marks)
    marks[mark_index(day, session)] = char
    register.marks = "".join(marks)
    register.save(update_fields=["marks"])


# Issuing -------------------------------------------------------------------------


def test_refused_with_what_is_missing_then_issued_when_the_rule_set_passes():
    with at(dt.date(2026, 1, 5)):
        case = make_case()
        registers(case)
    with at(dt.date(2026, 1, 19)):
        first_meeting(case)
    with pytest.raises(NoticeRefused) as refused:
        issue(case, issued_on=dt.date(2026, 1, 19))
    text = " ".join(refused.value.messages)
    assert "cannot be issued yet" in text
    assert "meeting" in text.lower()
    assert "plan" in text.lower()
    # The refusal is on record, with who and when.
    stored = PathwayEvaluation.unscoped.get(case=case)
    assert (stored.allowed, stored.evaluated_by) == (False, case.lead_professional)
    assert not NoticeToImprove.unscoped.exists()

    with at(dt.date(2026, 1, 30)):
        more_support(case)
    made = issue(case)
    latest = PathwayEvaluation.unscoped.filter(case=case).latest("evaluated_at")
    assert latest.allowed
    assert latest.rule_set == "notice_to_improve"
    assert latest.evaluated_by == case.lead_professional
    assert latest.day == ISSUED
    assert latest.evaluated_at.date() == ISSUED
    assert made.period_ends_on == PERIOD_ENDS
    # Fixed at issue: the threshold as measured that day (Mondays and Fridays
    # from 5 January: 18 sessions) and the support the check relied on.
    assert (made.threshold_sessions, made.threshold_window_weeks, made.threshold_as_at) == (
        18,
        10,
        ISSUED,
    )
    assert [o["what"] for o in made.support_relied_on] == ["Family support sessions"]
    assert list(made.recipients.all()) == list(case.pupil.carer_links.all())
    case.refresh_from_db()
    assert case.stage == AttendanceCase.Stage.NOTICE_TO_IMPROVE


def test_only_one_notice_runs_at_a_time():
    case = ready_case()
    issue(case)
    with pytest.raises(ValidationError, match="already running"):
        issue(case, issued_on=dt.date(2026, 2, 3))
    assert NoticeToImprove.unscoped.filter(case=case).count() == 1


def test_recipients_must_receive_correspondence_for_this_pupil():
    case = ready_case()
    other = make_case()
    with pytest.raises(ValidationError) as refused:
        issue(case, recipient_ids=[other.pupil.carer_links.get().pk])
    assert "recipients" in refused.value.error_dict


def test_an_la_officer_cannot_issue_a_schools_notice(client_for):
    case = ready_case()
    officer = UserFactory(
        role=Role.LA_OFFICER, la_user=True, local_authority=case.school.local_authority
    )
    with pytest.raises(PermissionDenied):
        issue(case, acting_user=officer)
    with at(ISSUED):
        response = client_for(officer).get(reverse("notices:notice_new", args=[case.pk]))
    assert response.status_code == 403


def test_another_schools_case_is_not_found(client_for):
    case = ready_case()
    outsider = UserFactory(school=SchoolFactory())
    with pytest.raises(Http404):
        issue(case, acting_user=outsider)
    with at(ISSUED):
        response = client_for(outsider).get(reverse("notices:notice_new", args=[case.pk]))
    assert response.status_code == 404


def test_the_form_shows_the_verdict_and_issues_the_notice(client_for):
    case = ready_case()
    client = client_for(case.lead_professional)
    url = reverse("notices:notice_new", args=[case.pk])
    with at(ISSUED):
        page = client.get(reverse("cases:case_detail", args=[case.pk]))
        assert url in page.content.decode()
        form = client.get(url)
        assert "Ready to issue a Notice to Improve today: yes" in form.content.decode()
        assert "at least 90%" in form.content.decode()
        link = case.pupil.carer_links.get()
        response = post_and_confirm(
            client,
            url,
            {
                "issued_on_0": "2",
                "issued_on_1": "2",
                "issued_on_2": "2026",
                "recipients": [str(link.pk)],
                "sufficient_improvement": "No unauthorised absence",
                "consequence": "A referral",
                "staff_contact": "Ms Patel",
                "override_reason": "",
            },
        )
        assert response.status_code == 302
        page = client.get(reverse("cases:case_detail", args=[case.pk]))
    html = page.content.decode()
    assert 'id="notice-to-improve"' in html
    assert "23 March 2026" in html
    # A notice is running: the panel no longer offers another.
    assert url not in html


# The daily review ------------------------------------------------------------------


def test_the_review_flags_new_unauthorised_absence_on_the_next_school_day():
    case = ready_case()
    issue(case)
    set_mark(case, dt.date(2026, 2, 3), "AM", "O")
    set_mark(case, dt.date(2026, 2, 4), "AM", "I")
    user = case.lead_professional

    (tuesday,) = notices_in_review(user=user, day=dt.date(2026, 2, 3))
    assert tuesday.new_unauthorised == 1
    assert tuesday.since_issue.unauthorised == 1
    assert tuesday.school_days_left == 29

    # Wednesday's authorised absence is not flagged; Tuesday's is no longer new.
    (wednesday,) = notices_in_review(user=user, day=dt.date(2026, 2, 4))
    assert (wednesday.new_unauthorised, wednesday.since_issue.unauthorised) == (0, 1)
    assert wednesday.since_issue.authorised == 1


def test_the_review_page_shows_the_flag(client_for):
    case = ready_case()
    issue(case)
    set_mark(case, dt.date(2026, 2, 3), "AM", "O")
    with at(dt.date(2026, 2, 3)):
        response = client_for(case.lead_professional).get(reverse("notices:review"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "New unauthorised absence" in html
    assert reverse("cases:case_detail", args=[case.pk]) in html


def test_the_review_reads_a_fixed_number_of_queries(django_assert_num_queries):
    school = SchoolFactory()
    lead = UserFactory(school=school)

    def add_notice() -> None:
        case = AttendanceCaseFactory(school=school, lead_professional=lead)
        notice(case, ISSUED)

    add_notice()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert len(notices_in_review(user=lead, day=dt.date(2026, 2, 10))) == 1
    for _ in range(9):
        add_notice()
    with django_assert_num_queries(len(one)):
        assert len(notices_in_review(user=lead, day=dt.date(2026, 2, 10))) == 10


# The outcome -----------------------------------------------------------------------


def test_improved_only_after_the_period_and_then_back_to_support_first():
    case = ready_case()
    made = issue(case)
    lead = case.lead_professional
    with pytest.raises(ValidationError) as early:
        notice_outcome_record(
            acting_user=lead, notice_id=made.pk, outcome="improved", note="Good", on=PERIOD_ENDS
        )
    assert "outcome" in early.value.error_dict
    with at(dt.date(2026, 3, 24)):
        notice_outcome_record(
            acting_user=lead,
            notice_id=made.pk,
            outcome="improved",
            note="No unauthorised absence since the notice",
            on=dt.date(2026, 3, 24),
        )
    case.refresh_from_db()
    made.refresh_from_db()
    assert case.stage == AttendanceCase.Stage.SUPPORT_FIRST
    assert (made.outcome, made.outcome_on) == ("improved", dt.date(2026, 3, 24))


def test_not_improved_may_be_recorded_during_the_period():
    case = ready_case()
    made = issue(case)
    with at(dt.date(2026, 2, 10)):
        notice_outcome_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            outcome="not_improved",
            note="Absent 6 and 9 February",
            on=dt.date(2026, 2, 10),
        )
    case.refresh_from_db()
    assert case.stage == AttendanceCase.Stage.NOTICE_TO_IMPROVE


# The letter ------------------------------------------------------------------------


def letter_html(notice: NoticeToImprove, recipient) -> str:
    """The documents app's Notice to Improve letter to `recipient`, as it would
    be made from the record now (corrected and withdrawn notices marked)."""
    kind = KINDS["notice_to_improve"]
    subject = Subject(kind, notice.case, notice=notice, recipient=recipient)
    data = kind.data(subject)
    return render_html(
        kind,
        data,
        reference=subject.reference(1),
        local_authority_id=notice.case.school.local_authority_id,
    )


def test_the_letter_is_a_pdf_with_the_pupil_period_and_recipient(client_for):
    case = ready_case()
    made = issue(case)
    recipient = made.recipients.select_related("carer").get()
    html = letter_html(made, recipient)
    assert case.pupil.display_name in html
    assert "23 March 2026" in html
    assert str(recipient.carer) in html
    # The offences: the unauthorised sessions from the registers, with their code.
    assert "Monday 5 January 2026" in html
    assert "<td>O</td>" in html
    assert "DO NOT SEND" not in html

    url = reverse("notices:letter", args=[made.pk, recipient.pk])
    with at(ISSUED):
        # The letter is made and stored by the documents app (tests/test_documents.py);
        # its old address leads to the stored letter.
        document_make(
            acting_user=case.lead_professional,
            case_id=case.pk,
            key=f"notice_to_improve:case{case.pk}:notice{made.pk}:to{recipient.pk}",
        )
        response = client_for(case.lead_professional).get(url, follow=True)
        outsider = client_for(UserFactory(school=SchoolFactory())).get(url, follow=True)
        wrong = client_for(case.lead_professional).get(
            reverse("notices:letter", args=[made.pk, recipient.pk + 999]), follow=True
        )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("attachment;")
    assert (outsider.status_code, wrong.status_code) == (404, 404)


def test_notice_urls_are_scoped_and_read_only_staff_are_refused(client_for):
    # tests/test_case_tenancy.py reverses every case URL in the "cases"
    # namespace; until it follows the namespace, these are checked here.
    case = ready_case()
    made = issue(case)
    recipient = made.recipients.get()
    outsider = client_for(UserFactory(school=SchoolFactory()))
    staff = client_for(UserFactory(role=Role.SCHOOL_STAFF, school=case.school))
    issue_url = reverse("notices:notice_new", args=[case.pk])
    outcome_url = reverse("notices:notice_outcome", args=[made.pk])
    letter_url = reverse("notices:letter", args=[made.pk, recipient.pk])
    with at(dt.date(2026, 2, 3)):
        for url in (issue_url, outcome_url):
            assert outsider.get(url).status_code == 404, url
        assert outsider.get(letter_url, follow=True).status_code == 404
        for url in (issue_url, outcome_url):
            assert outsider.post(url, {}).status_code == 404, url
            assert staff.post(url, {}).status_code == 403, url
        assert staff.get(letter_url, follow=True).status_code == 200
        form = client_for(case.lead_professional).get(outcome_url)
    assert form.status_code == 200
    assert "Record the outcome" in form.content.decode()
