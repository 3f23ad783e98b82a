"""The access matrix's world: one LA with two schools, a second LA with a school,
a user in every role, and one record of every kind at the owning school.

The owning school has two cases: one referred to the LA (the referral service,
accepted, decided, a penalty notice issued) and one the LA has not been told
about. Everything is made once, for the one test in tests/test_access_matrix.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile

from accounts.models import Role, User
from accounts.services.tokens import api_token_create
from attendance.models import ImportDiscrepancy, SchoolClosure, SchoolTerm
from attendance.services.calendars import school_days_refresh
from cases.models import (
    AttendanceCase,
    Barrier,
    CaseShare,
    Flag,
    PartTimeTimetable,
    PlanAction,
    SupportMeeting,
    SupportOffer,
    WishesAndFeelings,
)
from documents.kinds import KINDS
from documents.models import DocumentBatch
from documents.services.generate import document_make, subjects_of, translation_attach
from notices.models import HolidayRequest
from notices.services.referrals import referral_accept, referral_decide, referral_submit
from records.models import RetentionReview

from .case_records import case_file_records
from .factories import (
    AttendanceCaseFactory,
    LocalAuthorityFactory,
    PupilCarerFactory,
    SchoolFactory,
    UserFactory,
)
from .factories_attendance import ImportBatchFactory
from .penalty_helpers import issue_on_route
from .test_bundle import certified
from .test_pathway_rules import TERMS, YEAR, at, registers
from .test_pathway_walk import first_meeting, issue, more_support

# The referral is submitted the day after the notice's period ended without
# sufficient improvement (tests/test_referrals.py's case).
READY = dt.date(2026, 3, 24)

# Who asks, by the name the table uses.
ROLES = (
    "anonymous",
    "staff",  # the owning school's read-only staff
    "lead",
    "dsl",
    "other_staff",  # another school of the same LA
    "other_lead",
    "other_dsl",
    "officer",  # the owning school's LA
    "manager",
    "far_officer",  # another LA
    "far_manager",
    "admin",
)


@dataclass
class World:
    users: dict[str, User]
    # The owning school's records, by URL keyword; `unshared` replaces the
    # case file's ones with those of the case the LA has not been told about.
    ids: dict[str, Any]
    unshared: dict[str, Any]
    admin_objects: dict[str, Any] = field(default_factory=dict)


def _users(school: Any, other: Any, la: Any, far_la: Any) -> dict[str, User]:
    def school_user(role: str, at_school: Any) -> User:
        return UserFactory(role=role, school=at_school)

    def la_user(role: str, authority: Any) -> User:
        return UserFactory(role=role, school=None, local_authority=authority)

    return {
        "staff": school_user(Role.SCHOOL_STAFF, school),
        "lead": school_user(Role.ATTENDANCE_LEAD, school),
        "dsl": school_user(Role.DSL, school),
        "other_staff": school_user(Role.SCHOOL_STAFF, other),
        "other_lead": school_user(Role.ATTENDANCE_LEAD, other),
        "other_dsl": school_user(Role.DSL, other),
        "officer": la_user(Role.LA_OFFICER, la),
        "manager": la_user(Role.LA_MANAGER, la),
        "far_officer": la_user(Role.LA_OFFICER, far_la),
        "far_manager": la_user(Role.LA_MANAGER, far_la),
        "admin": UserFactory(admin=True),
    }


def _records_of(case: AttendanceCase) -> dict[str, int]:
    """The ids of the records the referred case's pathway made (its first
    barrier, meeting, voice, offer and plan action)."""
    first = {
        "barrier_id": Barrier,
        "meeting_id": SupportMeeting,
        "voice_id": WishesAndFeelings,
        "offer_id": SupportOffer,
        "action_id": PlanAction,
    }
    return {
        key: model.unscoped.filter(case=case).order_by("pk").first().pk
        for key, model in first.items()
    }


def build_world() -> World:
    la = LocalAuthorityFactory(code="926", name="Northmoor Council")
    far_la = LocalAuthorityFactory(code="873", name="Farshire Council")
    school = SchoolFactory(local_authority=la, name="Owning Primary")
    other = SchoolFactory(local_authority=la, name="Other Primary")
    SchoolFactory(local_authority=far_la, name="Far Primary")
    users = _users(school, other, la, far_la)
    lead, officer = users["lead"], users["officer"]

    # The referred case: the pathway walked to a referral, accepted, decided,
    # and a penalty notice issued on the decision.
    case = AttendanceCaseFactory(school=school, lead_professional=lead)
    mother = PupilCarerFactory(pupil=case.pupil)
    # A father living elsewhere: whether he gets letters is the DSL's decision.
    father = PupilCarerFactory(
        pupil=case.pupil, relationship="father", lives_with_pupil=False, contact_priority=2
    )
    for name, start, end in TERMS:
        SchoolTerm.unscoped.create(school=school, name=name, start=start, end=end)
    school_days_refresh(pairs={(school.pk, YEAR)})
    with at(dt.date(2026, 1, 5)):
        registers(case)
    with at(dt.date(2026, 1, 30)):
        first_meeting(case)
        more_support(case)
    with at(dt.date(2026, 2, 2)):
        notice = issue(case, outcome="not_improved", outcome_on=READY)
        notice.recipients.set([mother])
    with at(READY):
        referral = referral_submit(acting_user=lead, case_id=case.pk)
        certified(referral)
        referral_accept(acting_user=officer, referral_id=referral.pk)
        decision = referral_decide(
            acting_user=officer,
            referral_id=referral.pk,
            kind="penalty_notice",
            reason="Unauthorised absence continued after the notice.",
            decided_on=READY,
            eso_considered=False,
        )
    with at(dt.date(2026, 3, 25)):
        penalty = issue_on_route(
            officer,
            case,
            mother,
            decision=decision,
            issued_on=dt.date(2026, 3, 25),
            first=dt.date(2026, 3, 2),
            last=dt.date(2026, 3, 20),
        )
        subject = next(s for s in subjects_of(case) if s.recipient == mother)
        document = document_make(acting_user=lead, case_id=case.pk, key=subject.key)
        translation_attach(
            acting_user=lead,
            document_id=document.pk,
            language="Polish",
            content=b"%PDF-1.7 translated",
            filename="pl.pdf",
        )
    timetable = PartTimeTimetable.unscoped.create(
        pupil=case.pupil,
        school=school,
        case=case,
        reason="Phased return",
        agreed_hours="Mornings",
        start=dt.date(2026, 1, 5),
        planned_end=dt.date(2026, 2, 13),
        next_review_due=dt.date(2026, 1, 19),
        created_by=lead,
    )

    # The case the LA has not been told about.
    unshared_case = AttendanceCaseFactory(school=school, lead_professional=lead)
    PupilCarerFactory(pupil=unshared_case.pupil)
    unshared = case_file_records(unshared_case)
    unshared["pupil_id"] = unshared_case.pupil_id

    now = dt.datetime(2026, 3, 25, 9, tzinfo=dt.UTC)
    flag = Flag.unscoped.create(
        kind="contact_overdue",
        subject=f"case:{case.pk}",
        pupil=case.pupil,
        case=case,
        school=school,
        due_on=dt.date(2026, 3, 20),
        raised_at=now,
        raised_as_at=dt.date(2026, 3, 20),
    )
    batch = ImportBatchFactory(school=school, uploaded_by=lead)
    discrepancy = ImportDiscrepancy.unscoped.create(
        pupil=case.pupil, school=school, batch=batch, importing_school=other, refused=True
    )
    holiday = HolidayRequest.unscoped.create(
        pupil=case.pupil,
        school=school,
        sessions_first_day=dt.date(2026, 1, 12),
        sessions_last_day=dt.date(2026, 1, 16),
        leave_first_day=dt.date(2026, 1, 12),
        leave_last_day=dt.date(2026, 1, 16),
        requested_by="Mrs Jones (mother)",
        requested_on=dt.date(2026, 1, 5),
        request_reason="Family wedding abroad",
        refused_on=dt.date(2026, 1, 8),
        refusal_reason="Not exceptional circumstances",
        threshold_sessions=10,
        threshold_as_at=dt.date(2026, 1, 16),
        submitted_at=now,
        submitted_by=lead,
    )
    holiday.parents.set([mother])
    review = RetentionReview.objects.create(
        local_authority=la,
        school=school,
        kind="closed_case_file",
        record_id=unshared_case.pk,
        description="A closed case file",
        kept_until=dt.date(2026, 1, 1),
        listed_on=dt.date(2026, 3, 25),
    )
    # A run of half-term letters, done.
    letters = DocumentBatch.unscoped.create(
        school=school,
        kind="half_term",
        term_name="Spring 1",
        first_day=dt.date(2026, 1, 5),
        last_day=dt.date(2026, 2, 13),
        as_at=dt.date(2026, 2, 13),
        status=DocumentBatch.Status.DONE,
        requested_by=lead,
        requested_at=now,
    )
    letters.combined_file.save("letters.pdf", ContentFile(b"%PDF-1.7 letters"))
    token, _ = api_token_create(user=lead, name="Matrix", acting_user=lead)
    kind, paragraph = next((k, k.paragraphs[0]) for k in KINDS.values() if k.paragraphs)

    ids: dict[str, Any] = {
        "case_id": case.pk,
        "pupil_id": case.pupil_id,
        "upn": case.pupil.upn,
        "case_pk": case.pk,
        "link_id": mother.pk,
        "apart_link_id": father.pk,
        "subject_key": subject.key,
        **_records_of(case),
        "timetable_id": timetable.pk,
        "flag_id": flag.pk,
        "batch_id": batch.pk,
        "letters_id": letters.pk,
        "discrepancy_id": discrepancy.pk,
        "notice_id": notice.pk,
        "recipient_id": mother.pk,
        "referral_id": referral.pk,
        "decision_id": decision.pk,
        "penalty_id": penalty.pk,
        "request_id": holiday.pk,
        "document_id": document.pk,
        "review_id": review.pk,
        "token_id": token.pk,
        "school_id": school.pk,
        # The share the referral made: the school may not take it back.
        "share_id": CaseShare.unscoped.filter(case=case).values_list("pk", flat=True)[0],
        "kind": kind.code,
        "key": paragraph.key,
        # A password-reset link that is not valid: the page says so to anyone.
        "uidb64": "MQ",
        "reset_token": "not-a-token",
    }
    closure = SchoolClosure.unscoped.create(
        school=school, date=dt.date(2026, 3, 6), kind=SchoolClosure.Kind.INSET
    )
    group = Group.objects.create(name="Matrix")
    admin_objects = {
        "auth_group": group.pk,
        "accounts_localauthority": la.pk,
        "accounts_school": school.pk,
        "accounts_user": lead.pk,
        "accounts_apitoken": token.pk,
        "attendance_schoolterm": SchoolTerm.unscoped.filter(school=school).first().pk,
        "attendance_schoolclosure": closure.pk,
        "axes_accessattempt": AccessAttempt.objects.create(
            username="x", ip_address="127.0.0.1", user_agent="t", failures_since_start=1
        ).pk,
        "axes_accesslog": AccessLog.objects.create(
            username="x", ip_address="127.0.0.1", user_agent="t"
        ).pk,
        "axes_accessfailurelog": AccessFailureLog.objects.create(
            username="x", ip_address="127.0.0.1", user_agent="t"
        ).pk,
    }
    return World(users=users, ids=ids, unshared=unshared, admin_objects=admin_objects)
