"""Withdrawing and correcting a Notice to Improve (rule A4).

A withdrawn notice is kept but is no longer the notice on file: the referral
rules do not rest on it. A correction (wrong date, wrong recipients) is a new
version; the old is kept, superseded, and its letters say so. Both are
audited, in the chronology, for the school's attendance lead or DSL only, and
refused once a referral has been submitted on the notice."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from cases.models import AttendanceCase
from cases.selectors_chronology import case_chronology
from core.models import AuditEvent
from documents.models import Document
from notices.models import NoticeToImprove
from notices.providers import latest_notice
from notices.services.notices import notice_correct, notice_withdraw, running_notice
from notices.services.referrals import referral_submit
from pupils.models import PupilCarer

from .check_helpers import post_and_confirm
from .conftest import signed_in_client
from .factories import PupilCarerFactory, UserFactory
from .test_notices import ISSUED, PERIOD_ENDS, issue, letter_html, ready_case
from .test_pathway_rules import at
from .test_referrals import READY

pytestmark = pytest.mark.django_db

CORRECTED = dt.date(2026, 2, 3)
# 30 school days from 4 February, skipping the half term (16 to 20 February).
CORRECTED_PERIOD_ENDS = dt.date(2026, 3, 24)


def text(response) -> str:
    return response.content.decode()


def dates(name: str, on: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(on.day), f"{name}_1": str(on.month), f"{name}_2": str(on.year)}


@pytest.fixture
def case() -> AttendanceCase:
    return ready_case()


@pytest.fixture
def issued(case) -> NoticeToImprove:
    return issue(case)


# Withdrawal -------------------------------------------------------------------------


def test_a_withdrawn_notice_is_kept_but_no_longer_on_file(case, issued):
    """Issued 2 February 2026 and withdrawn on 4 February (given in error): the
    referral rules see no notice (`latest_notice` is None), none is running, the
    case is back in Support First, and a new notice can be issued."""
    lead = case.lead_professional
    with at(dt.date(2026, 2, 4)):
        assert latest_notice(case, dt.date(2026, 2, 4)) is not None
        response = post_and_confirm(
            signed_in_client(lead),
            reverse("notices:notice_withdraw", args=[issued.pk]),
            {"reason": "Given to the wrong family in error."},
        )
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.status == NoticeToImprove.Status.WITHDRAWN
    assert (issued.ended_by, issued.ended_reason) == (lead, "Given to the wrong family in error.")
    assert latest_notice(case, dt.date(2026, 2, 4)) is None
    assert running_notice(case.pk) is None
    case.refresh_from_db()
    assert case.stage == AttendanceCase.Stage.SUPPORT_FIRST
    audit = AuditEvent.objects.filter(
        target_type="notices.NoticeToImprove", target_id=str(issued.pk), action="update"
    ).get()
    assert audit.changes["status"] == ["", "withdrawn"]
    # In the chronology, dated the day it was withdrawn.
    with at(dt.date(2026, 2, 4)):
        _, entries = case_chronology(user=lead, case_id=case.pk)
    titles = {(e.date, e.title) for e in entries}
    assert (dt.date(2026, 2, 4), "Notice to Improve issued 2 February 2026 withdrawn") in titles
    # The letter says so, prominently.
    letter = letter_html(issued, issued.recipients.get())
    assert "WITHDRAWN: DO NOT SEND." in letter
    # A new notice can be issued: the withdrawn one is not running.
    fresh = issue(case, issued_on=dt.date(2026, 2, 4))
    assert latest_notice(case, dt.date(2026, 2, 4)).issued_on == fresh.issued_on


def test_a_withdrawal_needs_a_reason(case, issued):
    with at(dt.date(2026, 2, 4)), pytest.raises(ValidationError) as refused:
        notice_withdraw(acting_user=case.lead_professional, notice_id=issued.pk, reason=" ")
    assert "reason" in refused.value.error_dict
    issued.refresh_from_db()
    assert issued.is_live


# Correction -------------------------------------------------------------------------


def test_correcting_the_date_makes_a_new_version_and_supersedes_the_old(case, issued):
    """Recorded as issued on 2 February but given on 3 February: version 2 is
    dated 3 February, its period recomputed to end on 24 March 2026 (30 school
    days, half term skipped); version 1 is kept, superseded, its letter marked."""
    lead = case.lead_professional
    client = signed_in_client(lead)
    url = reverse("notices:notice_correct", args=[issued.pk])
    link = case.pupil.carer_links.get()
    data = {
        **dates("issued_on", CORRECTED),
        "recipients": [str(link.pk)],
        "reason": "The letter was handed over a day later than recorded.",
    }
    with at(dt.date(2026, 2, 4)):
        check = client.post(url, data)
        body = text(check)
        assert check.status_code == 200, body
        assert "The day after issue until 24 March 2026" in body
        assert NoticeToImprove.unscoped.count() == 1
        response = post_and_confirm(client, url, data)
    assert response.status_code == 302
    issued.refresh_from_db()
    new = NoticeToImprove.unscoped.exclude(pk=issued.pk).get()
    assert issued.status == NoticeToImprove.Status.SUPERSEDED
    assert (new.version, new.corrects, new.issued_on) == (2, issued, CORRECTED)
    assert issued.period_ends_on == PERIOD_ENDS
    assert new.period_ends_on == CORRECTED_PERIOD_ENDS
    assert new.sufficient_improvement == issued.sufficient_improvement
    assert new.threshold_as_at == CORRECTED
    # The referral rules follow the live version.
    on_file = latest_notice(case, dt.date(2026, 2, 4))
    assert (on_file.issued_on, on_file.period_ends_on) == (CORRECTED, CORRECTED_PERIOD_ENDS)
    assert running_notice(case.pk) == new
    # The old letter says it is superseded; the new one does not.
    assert "SUPERSEDED: DO NOT SEND." in letter_html(issued, link)
    assert "replaced by version 2" in letter_html(issued, link)
    assert "DO NOT SEND" not in letter_html(new, link)
    # Both versions are on the case page; the old marked superseded.
    with at(dt.date(2026, 2, 4)):
        page = text(client.get(reverse("cases:case_detail", args=[case.pk])))
    assert "(version 2)" in page
    assert "Superseded" in page
    assert "download the superseded letter" in page
    # Its link (and the old letter address) gives the old version's letter,
    # marked at the top of the PDF, made on request and not stored.
    with at(dt.date(2026, 2, 4)):
        old_letter = client.get(reverse("notices:letter", args=[issued.pk, link.pk]), follow=True)
    assert old_letter.status_code == 200
    assert old_letter["Content-Type"] == "application/pdf"
    assert "no-store" in old_letter["Cache-Control"]
    first_page = PdfReader(io.BytesIO(old_letter.content)).pages[0].extract_text()
    assert "SUPERSEDED: DO NOT SEND" in " ".join(first_page.split())
    assert "replaced by version 2" in " ".join(first_page.split())
    assert not Document.unscoped.exists()
    audit = AuditEvent.objects.get(
        target_type="notices.NoticeToImprove", target_id=str(issued.pk), action="update"
    )
    assert audit.changes["corrected_by"] == new.pk
    assert audit.changes["issued_on"] == ["2026-02-02", "2026-02-03"]
    with at(dt.date(2026, 2, 4)):
        _, entries = case_chronology(user=lead, case_id=case.pk)
    titles = [e.title for e in entries]
    assert "Notice to Improve issued 2 February 2026 corrected: a new version replaces it" in (
        titles
    )
    assert "Notice to Improve issued (version 2)" in titles


def test_correcting_the_recipients(case, issued):
    father = PupilCarerFactory(pupil=case.pupil, relationship=PupilCarer.Relationship.FATHER)
    mother = case.pupil.carer_links.exclude(pk=father.pk).get()
    with at(dt.date(2026, 2, 4)):
        new = notice_correct(
            acting_user=case.lead_professional,
            notice_id=issued.pk,
            issued_on=ISSUED,
            recipient_ids=[mother.pk, father.pk],
            reason="The father also has parental responsibility.",
        )
    assert set(new.recipients.all()) == {mother, father}
    assert list(issued.recipients.all()) == [mother]
    # Same date: the same period.
    assert new.period_ends_on == PERIOD_ENDS


def test_a_correction_must_change_something_and_be_a_school_day(case, issued):
    link = case.pupil.carer_links.get()
    with at(dt.date(2026, 2, 9)):
        with pytest.raises(ValidationError, match="Change the date of issue or the recipients"):
            notice_correct(
                acting_user=case.lead_professional,
                notice_id=issued.pk,
                issued_on=ISSUED,
                recipient_ids=[link.pk],
                reason="No change",
            )
        with pytest.raises(ValidationError, match="not a school day"):
            notice_correct(
                acting_user=case.lead_professional,
                notice_id=issued.pk,
                issued_on=dt.date(2026, 2, 7),  # a Saturday
                recipient_ids=[link.pk],
                reason="Wrong date",
            )
    issued.refresh_from_db()
    assert issued.is_live
    assert NoticeToImprove.unscoped.count() == 1


# Who may, and when not ----------------------------------------------------------------


def test_the_la_reads_but_cannot_withdraw_or_correct(case, issued):
    officer = UserFactory(
        role=Role.LA_OFFICER, la_user=True, local_authority=case.school.local_authority
    )
    outsider = UserFactory(role=Role.ATTENDANCE_LEAD)
    for name in ("notices:notice_withdraw", "notices:notice_correct"):
        url = reverse(name, args=[issued.pk])
        assert signed_in_client(officer).get(url).status_code == 403
        assert signed_in_client(outsider).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        notice_withdraw(acting_user=officer, notice_id=issued.pk, reason="No")
    issued.refresh_from_db()
    assert issued.is_live


def test_refused_once_a_referral_has_been_submitted_on_the_notice(case):
    """After a referral on the notice, the LA reviews the notice as referred:
    neither withdrawal nor correction, and the page says so."""
    with at(ISSUED):
        made = issue(case)
    with at(READY):
        from notices.services.notices import notice_outcome_record

        notice_outcome_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            outcome="not_improved",
            note="Absent every Monday and Friday",
            on=READY,
        )
        referral_submit(acting_user=case.lead_professional, case_id=case.pk)
        with pytest.raises(ValidationError, match="A referral has been submitted"):
            notice_withdraw(acting_user=case.lead_professional, notice_id=made.pk, reason="x")
        client = signed_in_client(case.lead_professional)
        response = client.get(reverse("notices:notice_withdraw", args=[made.pk]), follow=True)
        page = text(client.get(reverse("cases:case_detail", args=[case.pk])))
    assert "A referral has been submitted on this Notice to Improve" in text(response)
    assert reverse("notices:notice_withdraw", args=[made.pk]) not in page
    made.refresh_from_db()
    assert made.is_live


def test_a_withdrawn_notice_cannot_be_withdrawn_or_corrected_again(case, issued):
    with at(dt.date(2026, 2, 4)):
        notice_withdraw(acting_user=case.lead_professional, notice_id=issued.pk, reason="Error")
        with pytest.raises(ValidationError, match="already been withdrawn"):
            notice_withdraw(acting_user=case.lead_professional, notice_id=issued.pk, reason="Again")
        with pytest.raises(ValidationError, match="already been withdrawn"):
            notice_correct(
                acting_user=case.lead_professional,
                notice_id=issued.pk,
                issued_on=CORRECTED,
                recipient_ids=[case.pupil.carer_links.get().pk],
                reason="Wrong date",
            )
