"""Documents made from the record (issue 12): the Notice to Improve letter to
each parent at their own address, the letter telling them of the referral,
the penalty notice and its withdrawal; stored, versioned, scoped, audited.

The case is the notices tests' one: unauthorised absence every Monday and
Friday from 5 January 2026, the notice issued on 2 February 2026, its period
ending on Monday 23 March 2026 (30 school days, half term skipped)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from cases.models import SupportOffer
from core.models import AuditEvent
from documents.models import Document, Wording
from documents.services.generate import DocumentRefused, document_make, subjects_of
from notices.services.notices import notice_outcome_record, parents_told_record
from pupils.models import PupilCarer

from .factories import CarerFactory, PupilCarerFactory, SchoolFactory, UserFactory
from .penalty_helpers import absent, issue_on_route, penalty_route
from .test_notices import ISSUED, issue, ready_case
from .test_pathway_rules import at

pytestmark = pytest.mark.django_db

STAFF_NOTE = "Mum not engaging with Early Help"


def pdf_text(document: Document) -> str:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def page_count(document: Document) -> int:
    with document.file.open("rb") as handle:
        return len(PdfReader(io.BytesIO(handle.read())).pages)


def two_parent_case():
    """The ready case with a father who lives elsewhere, whom the DSL agreed
    to write to, and a support offer with a staff note and family wording."""
    case = ready_case()
    mother = case.pupil.carer_links.get()
    mother.carer.address = "12 Elm Road\nNorthmoor"
    mother.carer.postcode = "NM2 3BB"
    mother.carer.save()
    father = PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(
            forename="David",
            surname="Lowe",
            address="4 Quay Street\nPortby",
            postcode="PB9 8ZZ",
            preferred_language="Polish",
            interpreter_needed=True,
        ),
        relationship=PupilCarer.Relationship.FATHER,
        lives_with_pupil=False,
        included_in_correspondence=True,
    )
    SupportOffer.unscoped.filter(case=case).update(
        what=STAFF_NOTE, for_family="Time with the school's family support worker"
    )
    return case, mother, father


def letters_of(case):
    """The case's Notice to Improve letters (the ready case's meetings and plan
    have their own documents, tests/test_meeting_documents.py)."""
    return [s for s in subjects_of(case) if s.kind.code == "notice_to_improve"]


def make(case, subject, user=None, **extra):
    return document_make(
        acting_user=user or case.lead_professional, case_id=case.pk, key=subject.key, **extra
    )


def test_one_notice_letter_per_parent_each_at_their_own_address_with_the_key_facts():
    case, mother, father = two_parent_case()
    made = issue(case)
    assert set(made.recipients.all()) == {mother, father}
    subjects = [s for s in subjects_of(case) if s.kind.code == "notice_to_improve"]
    assert {s.recipient for s in subjects} == {mother, father}
    with at(ISSUED):
        letters = {
            s.recipient: make(case, s, translation_note="Read with him by Mrs Nowak, in Polish")
            if s.recipient == father
            else make(case, s)
            for s in subjects
        }
    to_mother, to_father = pdf_text(letters[mother]), pdf_text(letters[father])
    assert str(mother.carer) in to_mother
    assert "12 Elm Road Northmoor NM2 3BB" in to_mother
    assert "4 Quay Street Portby PB9 8ZZ" in to_father
    assert "Elm Road" not in to_father
    for text in (to_mother, to_father):
        assert case.pupil.display_name in text
        assert case.school.name in text
        assert "1 School Lane" in text
        assert "NM1 1AA" in text
        assert "Monday 23 March 2026" in text  # the period's end
        assert "section 7" in text
        assert "section 444(1)" in text
        assert "£80" in text
        assert "£160" in text
        assert "21 days" in text
        assert "28 days" in text
        assert "can be made before the improvement period ends" in text
        assert "Monday 5 January 2026" in text  # an unauthorised session, with its code
        assert "Time with the school's family support worker" in text
        assert STAFF_NOTE not in text  # a staff note never reaches a parent
        assert "Page 1 of" in text
        assert "[School address]" not in text
    assert letters[father].translation_note == "Read with him by Mrs Nowak, in Polish"
    assert len(letters[mother].checksum) == 64
    assert letters[mother].data["recipient"]["postcode"] == "NM2 3BB"


def test_the_threshold_count_and_window_are_those_stored_on_the_notice():
    case, _, _ = two_parent_case()
    made = issue(case)
    subject = next(s for s in subjects_of(case) if s.kind.code == "notice_to_improve")
    with at(ISSUED):
        letter = make(case, subject)
    text = pdf_text(letter)
    assert (
        f"{made.threshold_sessions} unauthorised absences (sessions; a session is a morning or "
        f"an afternoon) in the {made.threshold_window_weeks} school weeks up to 2 February 2026"
    ) in text


def test_a_missing_school_address_refuses_with_a_link_to_the_details(client_for):
    case, _, _ = two_parent_case()
    issue(case)
    case.school.address = ""
    case.school.save()
    subject = next(s for s in subjects_of(case) if s.kind.code == "notice_to_improve")
    with at(ISSUED), pytest.raises(DocumentRefused) as refused:
        make(case, subject)
    assert "has no address yet" in str(refused.value)
    assert not Document.unscoped.exists()
    with at(ISSUED):
        page = client_for(case.lead_professional).get(
            reverse("documents:case_documents", args=[case.pk])
        )
    assert "has no address yet" in page.text
    assert reverse("documents:school_details") in page.text


def test_a_recipient_who_needs_it_explained_is_refused_without_a_word_on_how():
    case, _, father = two_parent_case()
    issue(case)
    subject = next(s for s in letters_of(case) if s.recipient == father)
    with at(ISSUED), pytest.raises(DocumentRefused) as refused:
        make(case, subject)
    assert "translation_note" in refused.value.error_dict


def test_never_regenerated_silently_a_new_version_supersedes_the_old():
    case, mother, _ = two_parent_case()
    issue(case)
    subject = next(s for s in letters_of(case) if s.recipient == mother)
    with at(ISSUED):
        first = make(case, subject)
        with pytest.raises(DocumentRefused):
            make(case, subject)
        second = make(case, subject, reason="Her address changed")
    first.refresh_from_db()
    assert (second.version, first.superseded_by, first.superseded_reason) == (
        2,
        second,
        "Her address changed",
    )
    assert first.superseded_at is not None
    assert second.is_current
    assert first.reference.endswith("/v1")
    assert second.reference.endswith("/v2")
    assert AuditEvent.objects.filter(target_type="documents.Document", action="create").count() == 2


def test_the_documents_page_makes_through_the_task_and_downloads_are_scoped_and_audited(
    client_for, django_capture_on_commit_callbacks
):
    case, mother, _ = two_parent_case()
    made = issue(case)
    subject = next(s for s in letters_of(case) if s.recipient == mother)
    lead = client_for(case.lead_professional)
    with at(ISSUED):
        listing = lead.get(reverse("documents:case_documents", args=[case.pk]))
        assert "Polish" in listing.text
        assert "needs an interpreter" in listing.text
        with django_capture_on_commit_callbacks(execute=True):
            response = lead.post(reverse("documents:make", args=[case.pk]), {"key": subject.key})
    assert response.status_code == 302
    document = Document.unscoped.get(recipient=mother)
    url = reverse("documents:download", args=[document.pk])
    with at(ISSUED):
        got = lead.get(url)
        outsider = client_for(UserFactory(school=SchoolFactory())).get(url)
        staff = client_for(UserFactory(role=Role.SCHOOL_STAFF, school=case.school))
        refused = staff.post(reverse("documents:make", args=[case.pk]), {"key": subject.key})
        old_address = lead.get(reverse("notices:letter", args=[made.pk, mother.pk]), follow=True)
    assert got.status_code == 200
    assert b"".join(got.streaming_content).startswith(b"%PDF")
    assert outsider.status_code == 404
    assert refused.status_code == 403
    assert old_address.status_code == 200
    seen = AuditEvent.objects.filter(action="view_sensitive", target_id=str(document.pk))
    assert seen.count() == 2


def test_the_chronology_shows_each_document():
    from cases.selectors_chronology import case_chronology

    case, mother, _ = two_parent_case()
    issue(case)
    subject = next(s for s in letters_of(case) if s.recipient == mother)
    with at(ISSUED):
        make(case, subject)
        _, entries = case_chronology(user=case.lead_professional, case_id=case.pk)
    assert any(e.title == f"Document made: Notice to Improve to {mother.carer}" for e in entries)


def test_the_referral_letter_goes_to_each_parent_told():
    case, mother, father = two_parent_case()
    made = issue(case)
    with at(dt.date(2026, 3, 24)):
        notice_outcome_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            outcome="not_improved",
            note="Absent every Monday and Friday",
            on=dt.date(2026, 3, 24),
        )
        parents_told_record(
            acting_user=case.lead_professional,
            notice_id=made.pk,
            told_on=dt.date(2026, 3, 24),
            method="letter",
            told_by="Ms Patel",
        )
        subjects = [s for s in subjects_of(case) if s.kind.code == "parents_told"]
        assert {s.recipient for s in subjects} == {mother, father}
        letter = make(case, next(s for s in subjects if s.recipient == mother))
    text = pdf_text(letter)
    assert "within 15 school days" in text
    assert "24 March 2026" in text
    assert "unauthorised absence" in text
    assert "Page 1 of" in text


def test_the_penalty_notice_counts_from_receipt_and_its_withdrawal():
    from notices.services.penalties import penalty_notice_withdraw

    case, mother, _ = two_parent_case()
    officer = UserFactory(
        role=Role.LA_OFFICER, school=None, local_authority=case.school.local_authority
    )
    decision = penalty_route(case, mother, decided_on=dt.date(2026, 3, 2))
    absent(case, dt.date(2026, 2, 23), dt.date(2026, 2, 27))
    with at(dt.date(2026, 3, 6)):
        notice = issue_on_route(
            officer,
            case,
            mother,
            decision=decision,
            issued_on=dt.date(2026, 3, 6),
            first=dt.date(2026, 2, 23),
            last=dt.date(2026, 2, 27),
            method="first_class",
            served_on=dt.date(2026, 3, 6),
        )
        subject = next(s for s in subjects_of(case) if s.kind.code == "penalty_notice")
        with pytest.raises(Exception):  # noqa: B017,PT011 (a school lead does not issue it)
            make(case, subject)
        document = make(case, subject, user=officer)
    text = pdf_text(document)
    assert notice.received_on == dt.date(2026, 3, 10)
    assert "Tuesday 10 March 2026" in text  # deemed receipt, posted first class on a Friday
    assert "£80" in text
    assert "Monday 30 March 2026" in text
    assert "£160" in text
    assert "Monday 6 April 2026" in text
    assert "section 444(1)" in text
    assert "23 February 2026" in text
    assert "27 February 2026" in text
    assert "discharges your liability" in text
    assert "prosecute you" in text
    assert "12 Elm Road" in text
    assert case.school.local_authority.name in text
    assert "Page 1 of" in text

    with at(dt.date(2026, 3, 9)):
        penalty_notice_withdraw(
            acting_user=officer, notice_id=notice.pk, ground="wrong_recipient", note="Wrong parent"
        )
        withdrawal = next(s for s in subjects_of(case) if s.kind.code == "penalty_withdrawal")
        letter = make(case, withdrawal, user=officer)
    assert "is withdrawn" in pdf_text(letter)
    assert "wrong person" in pdf_text(letter)


def test_an_la_wording_is_versioned_and_used_but_fixed_text_stays():
    from documents.services.wording import wording_save

    case, mother, _ = two_parent_case()
    issue(case)
    manager = UserFactory(
        role=Role.LA_MANAGER, school=None, local_authority=case.school.local_authority
    )
    wording_save(
        acting_user=manager,
        kind_code="notice_to_improve",
        key="opening",
        text="Northmoor writes to {{ parent_name }} about {{ pupil_name }}.",
    )
    second = wording_save(
        acting_user=manager,
        kind_code="notice_to_improve",
        key="opening",
        text="Our council writes to {{ parent_name }} about {{ pupil_name }}.",
    )
    assert second.version == 2
    with pytest.raises(Exception):  # noqa: B017,PT011
        wording_save(
            acting_user=manager, kind_code="notice_to_improve", key="opening", text="{{ secret }}"
        )
    subject = next(s for s in letters_of(case) if s.recipient == mother)
    with at(ISSUED):
        text = pdf_text(make(case, subject))
    assert f"Our council writes to {mother.carer} about {case.pupil.display_name}." in text
    assert "section 444(1)" in text
    assert "£160" in text


def test_render_documents_writes_one_file_per_document_and_recipient(tmp_path):
    from django.core.management import call_command

    case, _, _ = two_parent_case()
    issue(case)
    with at(ISSUED):
        call_command("render_documents", str(case.pk), "--out", str(tmp_path))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len([n for n in names if n.startswith("notice_to_improve-")]) == 2
    # The rest are the ready case's meetings' invitations and records and its plan.
    assert len(names) == len(subjects_of(case))
    assert {n.split("-")[0] for n in names} == {
        "notice_to_improve",
        "meeting_invitation",
        "meeting_record",
        "action_plan",
    }


def test_the_attendance_lead_sets_the_school_address_and_letters_can_then_be_made(client_for):
    case, _, _ = two_parent_case()
    case.school.address = ""
    case.school.save()
    lead = client_for(case.lead_professional)
    url = reverse("documents:school_details")
    staff = client_for(UserFactory(role=Role.SCHOOL_STAFF, school=case.school))
    assert staff.get(url).status_code == 403
    with at(ISSUED):
        missing = lead.post(url, {"address": "", "postcode": "NM1 1AA"})
        assert "Enter the school&#x27;s address" in missing.text
        saved = lead.post(url, {"address": "1 School Lane\nNorthmoor", "postcode": "nm1 1aa"})
    assert saved.status_code == 302
    case.school.refresh_from_db()
    assert (case.school.address, case.school.postcode) == ("1 School Lane\nNorthmoor", "NM1 1AA")
    assert AuditEvent.objects.filter(target_type="accounts.School", action="update").exists()


def test_the_wording_page_lists_variables_previews_and_saves_versions(client_for):
    case, _, _ = two_parent_case()
    manager = UserFactory(
        role=Role.LA_MANAGER, school=None, local_authority=case.school.local_authority
    )
    client = client_for(manager)
    url = reverse("documents:wording_edit", args=["notice_to_improve", "opening"])
    assert client_for(case.lead_professional).get(url).status_code == 403
    page = client.get(url)
    assert "period_ends_on" in page.text
    assert "pupil_name" in page.text
    preview = client.post(
        url, {"text": "Dear {{ parent_name }}, about {{ pupil_name }}.", "preview": "1"}
    )
    assert "Dear Ms Alex Example, about Sam Example." in preview.text
    assert not Wording.objects.exists()
    bad = client.post(url, {"text": "{{ secret }}"})
    assert "not variables this paragraph can use: secret" in bad.text
    saved = client.post(url, {"text": "Our words about {{ pupil_name }}."})
    assert saved.status_code == 302
    assert Wording.objects.get().version == 1
    listing = client.get(reverse("documents:wordings"))
    assert "Our words about {{ pupil_name }}." in listing.text


def test_a_translation_is_stored_with_the_letter(client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case, _, father = two_parent_case()
    issue(case)
    subject = next(s for s in letters_of(case) if s.recipient == father)
    with at(ISSUED):
        letter = make(case, subject, translation_note="Translated by the LA's service")
        response = client_for(case.lead_professional).post(
            reverse("documents:translation_new", args=[letter.pk]),
            {"language": "Polish", "file": SimpleUploadedFile("pl.pdf", b"%PDF-1.7 translated")},
        )
        got = client_for(case.lead_professional).get(
            reverse("documents:translation", args=[letter.pk])
        )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.translated_language == "Polish"
    assert len(letter.translated_checksum) == 64
    assert b"".join(got.streaming_content) == b"%PDF-1.7 translated"


def test_the_documents_page_reads_a_bounded_number_of_queries(
    client_for, django_assert_max_num_queries
):
    case, mother, _ = two_parent_case()
    made = issue(case)
    with at(ISSUED):
        for subject in subjects_of(case):
            make(case, subject, translation_note="Explained in person")
        client = client_for(case.lead_professional)
        with django_assert_max_num_queries(20):
            page = client.get(reverse("documents:case_documents", args=[case.pk]))
    assert page.status_code == 200
    assert page.text.count("Make a new version") == len(subjects_of(case))
    assert made.recipients.count() == 2
    assert str(mother.carer) in page.text


def test_a_letter_of_a_withdrawn_notice_is_kept_and_marked_not_to_send(client_for):
    from notices.services.notices import notice_withdraw

    case, mother, _ = two_parent_case()
    made = issue(case)
    subject = next(s for s in letters_of(case) if s.recipient == mother)
    with at(ISSUED):
        make(case, subject)
    with at(dt.date(2026, 2, 4)):
        notice_withdraw(
            acting_user=case.lead_professional, notice_id=made.pk, reason="Issued in error"
        )
        page = client_for(case.lead_professional).get(
            reverse("documents:case_documents", args=[case.pk])
        )
    assert "Do not send: the Notice to Improve is withdrawn." in page.text
    assert "Make a new version" not in page.text


def test_the_bundle_prints_the_stored_letter_and_says_when_none_was_stored():
    """The referral bundle's "Notice to Improve as served" (notices.hooks): the
    stored letter where one was made, otherwise the letter made from the record,
    marked as such; never the placeholder letter of old."""
    from notices.hooks import letter_as_served

    case, mother, _ = two_parent_case()
    made = issue(case)
    html, stored = letter_as_served(made, mother)
    assert stored is False
    assert "[School address]" not in html
    assert "1 School Lane" in html

    subject = next(
        s for s in subjects_of(case) if s.kind.code == "notice_to_improve" and s.recipient == mother
    )
    with at(ISSUED):
        letter = make(case, subject)
    html, stored = letter_as_served(made, mother)
    assert stored is True
    assert letter.reference in html
