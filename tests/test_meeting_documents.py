"""The Support First meeting's invitation and record, and the SMART action
plan, as documents sent to the family (issue 12), and who receives them.

The family: Lena Marsh (mother, parental responsibility) and Craig Dunn (her
partner, the pupil's step-father, no parental responsibility) at 12 Elm Road,
and Paul Marsh (father) at 4 Quay Street, who does not live with the pupil
and whom the DSL has not yet decided to write to. Meeting 1 is scheduled on
2 March 2026 for Tuesday 10 March 2026 at 9:30am and held that day; its
staff notes (the adjustments, the outcome) must never reach the family."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Role
from cases.models import (
    ActionPlan,
    ActionProgress,
    AttendanceCase,
    Barrier,
    PlanAction,
    PlanReview,
    SupportMeeting,
)
from cases.services.meetings import meeting_cancel, meeting_record_held, meeting_schedule
from documents.kinds import KINDS
from documents.models import Document
from documents.services.generate import DocumentRefused, document_make, subjects_of
from documents.services.wording import wording_save
from pupils.models import PupilCarer

from .factories import (
    ActionPlanFactory,
    AttendanceCaseFactory,
    CarerFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .test_pathway_rules import at

pytestmark = pytest.mark.django_db

SCHEDULED_ON = dt.date(2026, 3, 2)
MEETING_DAY = dt.date(2026, 3, 10)
STAFF_ADJUSTMENT = "Mum disclosed low mood to the DSL; keep the meeting short"
STAFF_OUTCOME = "Concerns about Craig's influence: DSL to review"
STAFF_RISK = "Possible exploitation after school"
STAFF_PROGRESS_NOTE = "Lena sounded evasive on the phone"


def pdf_pages(document: Document) -> list[str]:
    with document.file.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def pdf_text(document: Document) -> str:
    return " ".join(pdf_pages(document))


@pytest.fixture
def family():
    school = SchoolFactory(name="Northmoor High School", address="1 School Lane\nNorthmoor")
    lead = UserFactory(
        role=Role.ATTENDANCE_LEAD,
        school=school,
        full_name="Asha Patel",
        job_title="Attendance lead",
    )
    case = AttendanceCaseFactory(
        school=school,
        lead_professional=lead,
        pupil=PupilFactory(school=school, legal_forename="Ruby", legal_surname="Marsh"),
    )
    home = {"address": "12 Elm Road\nNorthmoor", "postcode": "NM2 3BB"}
    mother = PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(title="Ms", forename="Lena", surname="Marsh", **home),
        relationship=PupilCarer.Relationship.MOTHER,
        contact_priority=1,
    )
    step_father = PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(forename="Craig", surname="Dunn", **home),
        relationship=PupilCarer.Relationship.STEP_FATHER,
        parental_responsibility=False,
        contact_priority=2,
    )
    father = PupilCarerFactory(
        pupil=case.pupil,
        carer=CarerFactory(
            forename="Paul", surname="Marsh", address="4 Quay Street\nPortby", postcode="PB9 8ZZ"
        ),
        relationship=PupilCarer.Relationship.FATHER,
        lives_with_pupil=False,
        contact_priority=3,
    )
    return case, mother, step_father, father


def schedule(case: AttendanceCase, *invited: PupilCarer) -> SupportMeeting:
    with at(SCHEDULED_ON):
        return meeting_schedule(
            acting_user=case.lead_professional,
            case_id=case.pk,
            scheduled_for=timezone.make_aware(dt.datetime.combine(MEETING_DAY, dt.time(9, 30))),
            method=SupportMeeting.Method.IN_PERSON,
            invited_ids=[link.pk for link in invited],
            other_professionals="Jo Reid, Early Help worker",
            adjustments=STAFF_ADJUSTMENT,
            place="The meeting room by the main reception",
        )


def hold(case: AttendanceCase, meeting: SupportMeeting, *attended: PupilCarer) -> SupportMeeting:
    with at(MEETING_DAY):
        return meeting_record_held(
            acting_user=case.lead_professional,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            held_on=MEETING_DAY,
            attended_ids=[link.pk for link in attended],
            outcome=STAFF_OUTCOME,
            barriers_discussed="Ruby finds the crowded corridors at lesson changes hard.",
            pupil_views="Ruby said Mondays are the hardest and a quiet start would help.",
            parent_voice="Lena wants Ruby in school and asked for a named adult.",
            going_well="Ruby has come in every Wednesday for drama.",
            agreed_actions="Mrs Khan to meet Ruby at the side gate each morning.",
            summary_for_family="We agreed a quiet start each morning for four weeks.",
            next_review_date=dt.date(2026, 3, 24),
        )


def make_all(case: AttendanceCase, code: str, day: dt.date) -> dict[PupilCarer, Document]:
    with at(day):
        return {
            subject.recipient: document_make(
                acting_user=case.lead_professional, case_id=case.pk, key=subject.key
            )
            for subject in subjects_of(case)
            if subject.kind.code == code
        }


def test_an_invitation_for_each_parent_at_home_but_not_the_father_awaiting_the_dsl(family):
    """Rule (docs/rules.md, "Documents sent to parents"; Education Act 1996
    s576): the mother and the step-father without parental responsibility,
    who live with Ruby, each get an invitation; the father who lives elsewhere
    is invited to the meeting but gets no letter until the DSL agrees."""
    case, mother, step_father, father = family
    schedule(case, mother, step_father, father)

    letters = make_all(case, "meeting_invitation", SCHEDULED_ON)

    assert set(letters) == {mother, step_father}
    to_mother, to_step_father = pdf_text(letters[mother]), pdf_text(letters[step_father])
    assert "Lena Marsh 12 Elm Road Northmoor NM2 3BB" in to_mother
    assert "Dear Ms Marsh" in to_mother
    assert "Craig Dunn 12 Elm Road Northmoor NM2 3BB" in to_step_father
    for text in (to_mother, to_step_father):
        assert "Invitation to a meeting about Ruby Marsh's attendance" in text
        assert "Date: Tuesday 10 March 2026" in text
        assert "Time: 9:30am" in text
        assert "The meeting room by the main reception, Northmoor High School" in text
        # What it is for, in plain words.
        assert "understand what is making it hard for Ruby Marsh to come to school" in text
        # Who will be there: the family invited, the lead, the professionals.
        assert "Lena Marsh (mother)" in text
        assert "Craig Dunn (step-father)" in text
        assert "Asha Patel, Attendance lead, Northmoor High School" in text
        assert "Also invited: Jo Reid, Early Help worker" in text
        assert "We will ask Ruby Marsh what they think about school" in text
        assert "If the date or time does not suit you" in text
        assert "telephone 01234 500600" in text
        assert "Page 1 of 2" in text
        assert STAFF_ADJUSTMENT not in text
        assert "Paul Marsh" in text  # invited, so named among who will be there
    assert "4 Quay Street" not in to_mother + to_step_father


def test_the_record_once_held_with_views_barriers_actions_and_the_next_review(family):
    case, mother, step_father, father = family
    meeting = schedule(case, mother, step_father, father)
    with at(SCHEDULED_ON):
        assert {s.kind.code for s in subjects_of(case)} == {"meeting_invitation"}

    hold(case, meeting, mother)
    records = make_all(case, "meeting_record", MEETING_DAY)

    assert set(records) == {mother, step_father}
    text = pdf_text(records[step_father])
    assert "Craig Dunn 12 Elm Road Northmoor NM2 3BB" in text
    assert "Record of Support First meeting 1: Ruby Marsh" in text
    assert "Held on: Tuesday 10 March 2026 (in person)" in text
    assert "Who attended Ms Lena Marsh (mother) Asha Patel, Attendance lead" in text
    assert "Invited but not able to attend: Craig Dunn, Paul Marsh." in text
    assert "Ruby said Mondays are the hardest and a quiet start would help." in text
    assert "Lena wants Ruby in school and asked for a named adult." in text
    assert "Ruby finds the crowded corridors at lesson changes hard." in text
    assert "Ruby has come in every Wednesday for drama." in text
    assert "Mrs Khan to meet Ruby at the side gate each morning." in text
    assert "We agreed a quiet start each morning for four weeks." in text
    assert "on or before Tuesday 24 March 2026" in text
    assert "Page 1 of" in text
    for note in (STAFF_OUTCOME, STAFF_ADJUSTMENT):
        assert note not in text
        assert note not in str(records[step_father].data)


def test_a_cancelled_meeting_offers_no_invitation(family):
    case, mother, step_father, _ = family
    meeting = schedule(case, mother, step_father)
    with at(SCHEDULED_ON):
        meeting_cancel(
            acting_user=case.lead_professional,
            case_id=case.pk,
            meeting_id=meeting.pk,
            version=meeting.version,
            reason="Mum asked to rearrange",
        )
        assert subjects_of(case) == []


def plan_for(case: AttendanceCase) -> ActionPlan:
    lead = case.lead_professional
    mine = {"created_by": lead, "updated_by": lead}
    plan = ActionPlanFactory(
        case=case,
        agreed_on=dt.date(2026, 3, 10),
        target_attendance=95,
        target_date=dt.date(2026, 5, 22),
        next_review_due=dt.date(2026, 4, 14),
    )
    corridors = Barrier.unscoped.create(
        case=case,
        kind=Barrier.Kind.ANXIETY,
        factor=Barrier.Factor.PUSH,
        description="Crowded corridors at lesson changes",
        risk_factors=STAFF_RISK,
        identified_on=dt.date(2026, 3, 10),
        **mine,
    )
    mornings = Barrier.unscoped.create(
        case=case,
        kind=Barrier.Kind.ROUTINES,
        factor=Barrier.Factor.PULL,
        description="Mornings at home are rushed",
        identified_on=dt.date(2026, 3, 10),
        **mine,
    )
    meet = PlanAction.unscoped.create(
        case=case,
        plan=plan,
        barrier=corridors,
        action="Meet Ruby at the side gate at 8:40am",
        by_when=dt.date(2026, 3, 13),
        responsible="Mrs Khan, pastoral lead",
        how_we_will_know="Ruby arrives on time and goes to registration",
        **mine,
    )
    PlanAction.unscoped.create(
        case=case,
        plan=plan,
        barrier=mornings,
        action="A morning checklist on the fridge: alarm, shoes, bag",
        by_when=dt.date(2026, 3, 16),
        responsible="Lena Marsh, mother",
        how_we_will_know="Ruby is ready to leave by 8:15am on school days",
        **mine,
    )
    review = PlanReview.unscoped.create(
        case=case,
        plan=plan,
        reviewed_on=dt.date(2026, 3, 31),
        attendance_since={
            "from": "2026-03-11",
            "to": "2026-03-31",
            "attended": 26,
            "possible": 30,
            "rate": 86.7,
        },
        changes_made="The side-gate meeting moves to 8:30am.",
        next_review_due=dt.date(2026, 4, 14),
        **mine,
    )
    ActionProgress.unscoped.create(
        review=review, action=meet, progress="good", note=STAFF_PROGRESS_NOTE
    )
    return plan


def test_the_action_plan_is_the_seed_table_after_the_aim_with_the_reviews(family):
    """Norfolk's "Effective Plans" action plan: the aim first, then the five
    columns (barrier, actions, by when, person responsible, how we will know
    it is working), then the review dates and the latest review."""
    case, mother, step_father, _ = family
    plan_for(case)

    plans = make_all(case, "action_plan", dt.date(2026, 4, 1))

    assert set(plans) == {mother, step_father}
    text = pdf_text(plans[mother])
    assert "Lena Marsh 12 Elm Road" in text
    aim = text.index("Aim: Ruby Marsh's attendance to reach 95% by Friday 22 May 2026.")
    table = text.index(
        "Identified barrier Actions and interventions to address the barrier By when "
        "Person responsible How will we know it is working for Ruby Marsh?"
    )
    assert aim < table
    assert (
        "Anxiety or emotional wellbeing Crowded corridors at lesson changes "
        "Meet Ruby at the side gate at 8:40am 13 March 2026 Mrs Khan, pastoral lead "
        "Ruby arrives on time and goes to registration"
    ) in text
    assert (
        "Routines Mornings at home are rushed A morning checklist on the fridge: alarm, "
        "shoes, bag 16 March 2026 Lena Marsh, mother Ruby is ready to leave by 8:15am"
    ) in text
    reviews = text.index("It was reviewed on 31 March 2026.")
    assert table < reviews
    assert "The next review is due by Tuesday 14 April 2026." in text
    assert "The latest review, Tuesday 31 March 2026" in text
    assert "attended 26 of 30 possible sessions (86.7%)" in text
    assert "Meet Ruby at the side gate at 8:40am: good progress" in text
    assert "What we changed: The side-gate meeting moves to 8:30am." in text
    assert "Page 1 of" in text
    for note in (STAFF_RISK, STAFF_PROGRESS_NOTE):
        assert note not in text


def test_no_school_address_refuses_each_new_document(family):
    case, mother, step_father, _ = family
    meeting = schedule(case, mother, step_father)
    hold(case, meeting, mother)
    plan_for(case)
    case.school.address = ""
    case.school.save()
    with at(MEETING_DAY):
        subjects = subjects_of(case)
        assert {s.kind.code for s in subjects} == {
            "meeting_invitation",
            "meeting_record",
            "action_plan",
        }
        for subject in subjects:
            with pytest.raises(DocumentRefused, match="has no address yet"):
                document_make(acting_user=case.lead_professional, case_id=case.pk, key=subject.key)
    assert not Document.unscoped.exists()


def test_the_documents_page_lists_them_and_the_la_words_them(family, client_for):
    case, mother, step_father, _ = family
    meeting = schedule(case, mother, step_father)
    hold(case, meeting, mother)
    manager = UserFactory(
        role=Role.LA_MANAGER, school=None, local_authority=case.school.local_authority
    )
    wording_save(
        acting_user=manager,
        kind_code="meeting_invitation",
        key="rearrange",
        text="Phone {{ school_name }} to move the meeting on {{ meeting_date }}.",
    )
    editor = client_for(manager).get(reverse("documents:wordings"))
    for title in ("Invitation to a Support First meeting", "Record of a Support First meeting"):
        assert title in editor.text
    assert "Attendance action plan" in editor.text
    preview = client_for(manager).post(
        reverse("documents:wording_edit", args=["meeting_invitation", "rearrange"]),
        {"text": "Call us about {{ meeting_date }} at {{ meeting_time }}.", "preview": "1"},
    )
    assert "Call us about Tuesday 10 March 2026 at 9:30am." in preview.text
    with at(MEETING_DAY):
        page = client_for(case.lead_professional).get(
            reverse("documents:case_documents", args=[case.pk])
        )
    assert page.status_code == 200
    for title in (KINDS["meeting_invitation"].title, KINDS["meeting_record"].title):
        assert title in page.text
    letters = make_all(case, "meeting_invitation", MEETING_DAY)
    assert "Phone Northmoor High School to move the meeting on Tuesday 10 March 2026." in pdf_text(
        letters[mother]
    )


def test_render_documents_writes_the_new_kinds(family, tmp_path):
    case, mother, step_father, _ = family
    meeting = schedule(case, mother, step_father)
    hold(case, meeting, mother)
    plan_for(case)
    with at(MEETING_DAY):
        call_command("render_documents", str(case.pk), "--out", str(tmp_path))
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == sorted(
        f"{code}-case{case.pk}{f'-meeting{meeting.pk}' if code != 'action_plan' else ''}"
        f"-to{link.pk}.pdf"
        for code in ("meeting_invitation", "meeting_record", "action_plan")
        for link in (mother, step_father)
    )
