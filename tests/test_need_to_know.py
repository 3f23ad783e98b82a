"""Need to know (issue 14, item 2): an LA user sees every school's figures and
each case's stage, but opens a case file (the pupil's voice, barriers, contacts
and home visits, meetings, plan, chronology, letters) only while the case is
shared with the LA: referred to it, the subject of a penalty-notice request, or
shared by the school with a reason. Sharing and taking back are audited. A
case file not shared is a 404, like a case that does not exist."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases.models import (
    ActionPlan,
    AttendanceCase,
    Barrier,
    CaseShare,
    Contact,
    SupportMeeting,
    WishesAndFeelings,
)
from cases.services.casework import record_create
from cases.services.sharing import case_share, case_share_revoke, case_share_with_la
from core.models import AuditEvent
from notices.models import NoticeToImprove
from notices.services.holiday import holiday_request_accept
from notices.services.referrals import referral_return, referral_submit
from pathway.models import PathwayEvaluation

from .conftest import signed_in_client
from .factories import AttendanceCaseFactory, PupilCarerFactory, SchoolFactory, UserFactory
from .penalty_helpers import penalty_route
from .test_holiday_requests import ACCEPTED_ON, at, submit
from .test_holiday_requests import world as holiday_world  # noqa: F401 (a fixture)
from .test_pathway_rules import at as on_day
from .test_pathway_rules import make_case, registers
from .test_pathway_walk import first_meeting, issue, more_support

pytestmark = pytest.mark.django_db

VOICE = "It is too loud in the dining hall"
CONTACT = "Home visit: mum says the bus is never on time"
DAY = dt.date(2025, 9, 20)


def fill(case: AttendanceCase) -> None:
    """A case file with something in every section."""
    lead = case.lead_professional
    record_create(
        acting_user=lead,
        case_id=case.pk,
        model=WishesAndFeelings,
        gathered_on=DAY,
        gathered_by=lead,
        relationship="Tutor",
        setting="Library",
        why_hard=VOICE,
        what_would_help="A quiet room at lunch",
    )
    record_create(
        acting_user=lead,
        case_id=case.pk,
        model=Barrier,
        kind="transport",
        factor="push",
        description="The bus",
        identified_on=DAY,
    )
    record_create(
        acting_user=lead,
        case_id=case.pk,
        model=SupportMeeting,
        sequence=1,
        scheduled_for=dt.datetime(2025, 9, 25, 15, tzinfo=dt.UTC),
        method="phone",
    )
    record_create(
        acting_user=lead,
        case_id=case.pk,
        model=ActionPlan,
        agreed_on=DAY,
        target_attendance=95,
        target_date=DAY + dt.timedelta(days=60),
        next_review_due=DAY + dt.timedelta(days=14),
    )
    Contact.unscoped.create(
        pupil=case.pupil,
        school=case.school,
        case=case,
        occurred_at=timezone.now(),
        method="home_visit",
        carer=PupilCarerFactory(pupil=case.pupil),
        made_by=lead,
        reached=True,
        notes=CONTACT,
    )


@pytest.fixture
def case() -> AttendanceCase:
    made = AttendanceCaseFactory(stage=AttendanceCase.Stage.SUPPORT_FIRST)
    fill(made)
    return made


@pytest.fixture
def officer(case):
    return UserFactory(la_user=True, local_authority=case.school.local_authority)


CONTENT = (WishesAndFeelings, Barrier, SupportMeeting, ActionPlan, Contact)


def file_urls(case: AttendanceCase) -> list[str]:
    return [
        reverse("cases:case_detail", args=[case.pk]),
        reverse("cases:chronology", args=[case.pk]),
        reverse("cases:chronology_pdf", args=[case.pk]),
        reverse("documents:case_documents", args=[case.pk]),
        f"/api/v1/cases/{case.pk}/pathway/",
    ]


def statuses(user, case: AttendanceCase) -> list[int]:
    client = signed_in_client(user)
    return [client.get(url).status_code for url in file_urls(case)]


def content_seen(user) -> dict[str, int]:
    return {model.__name__: model.objects.for_user(user).count() for model in CONTENT}


def test_an_la_officer_sees_the_stage_but_not_the_case_file(case, officer):
    caseload = signed_in_client(officer).get(reverse("cases:caseload"))
    assert caseload.status_code == 200
    assert case.pupil.display_name in caseload.text
    assert "Support First" in caseload.text
    assert "Case file not shared with the LA" in caseload.text
    assert reverse("cases:case_detail", args=[case.pk]) not in caseload.text

    # The case file, its chronology (page and PDF), its letters and the API:
    # the same 404 as a case that does not exist.
    assert statuses(officer, case) == [404] * 5
    assert content_seen(officer) == dict.fromkeys(content_seen(officer), 0)
    assert not AttendanceCase.objects.for_user(officer).exists()
    assert AttendanceCase.objects.listed_for(officer).get() == case
    # Nothing was opened, so nothing is in the access log as seen.
    assert not AuditEvent.objects.filter(
        actor=officer, action=AuditEvent.Action.VIEW_SENSITIVE
    ).exists()


def test_the_pupil_page_shows_the_stage_without_a_link_to_the_file(case, officer):
    page = signed_in_client(officer).get(reverse("cases:pupil_detail", args=[case.pupil.pk]))
    assert page.status_code == 200
    assert "Open attendance case: Support First" in page.text
    assert "The school has not shared the case file with the LA" in page.text
    assert reverse("cases:case_detail", args=[case.pk]) not in page.text


def test_a_school_share_opens_the_file_and_taking_it_back_closes_it(case, officer):
    lead = case.lead_professional
    share = case_share(acting_user=lead, case_id=case.pk, reason="For the autumn TSM")

    assert statuses(officer, case) == [200] * 5
    assert content_seen(officer) == dict.fromkeys(content_seen(officer), 1)
    page = signed_in_client(officer).get(reverse("cases:case_detail", args=[case.pk]))
    assert VOICE in page.text
    assert CONTACT in page.text
    assert "For the autumn TSM" in page.text
    caseload = signed_in_client(officer).get(reverse("cases:caseload"))
    assert reverse("cases:case_detail", args=[case.pk]) in caseload.text

    case_share_revoke(acting_user=lead, share_id=share.pk)
    assert statuses(officer, case) == [404] * 5
    assert content_seen(officer) == dict.fromkeys(content_seen(officer), 0)


def test_sharing_and_taking_back_are_audited_with_who_when_and_why(case):
    lead = case.lead_professional
    dsl = UserFactory(role=Role.DSL, school=case.school)
    share = case_share(acting_user=lead, case_id=case.pk, reason="  Advice on the plan ")
    assert share.reason == "Advice on the plan"
    assert (share.shared_by, share.kind) == (lead, CaseShare.Kind.SCHOOL)
    made = AuditEvent.objects.get(target_type="cases.CaseShare", action=AuditEvent.Action.CREATE)
    assert made.actor == lead
    assert made.school == case.school
    assert made.changes["reason"] == "Advice on the plan"
    assert made.occurred_at == pytest.approx(share.shared_at, abs=dt.timedelta(seconds=5))

    case_share_revoke(acting_user=dsl, share_id=share.pk)
    share.refresh_from_db()
    assert share.revoked_by == dsl
    assert share.revoked_at is not None
    taken_back = AuditEvent.objects.get(
        target_type="cases.CaseShare", action=AuditEvent.Action.UPDATE
    )
    assert taken_back.actor == dsl
    assert taken_back.target_id == str(share.pk)
    # Both are in the pupil's access log, for the DSL and the LA's manager.
    log = signed_in_client(dsl).get(reverse("cases:access_log", args=[case.pupil.pk])).text
    assert "Created: Case file shared with the LA" in log
    assert "Changed: Case file no longer shared with the LA" in log

    # Taken back is kept; sharing again is a new share.
    again = case_share(acting_user=lead, case_id=case.pk, reason="Again")
    assert again.pk != share.pk
    assert CaseShare.unscoped.filter(case=case).count() == 2


def test_the_share_needs_a_reason_and_the_schools_lead_or_dsl(case, officer):
    with pytest.raises(ValidationError):
        case_share(acting_user=case.lead_professional, case_id=case.pk, reason="   ")
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    with pytest.raises(PermissionDenied):
        case_share(acting_user=staff, case_id=case.pk, reason="Please")
    with pytest.raises(PermissionDenied):
        case_share(acting_user=officer, case_id=case.pk, reason="Let me in")
    case_share(acting_user=case.lead_professional, case_id=case.pk, reason="TSM")
    with pytest.raises(ValidationError, match="already shared"):
        case_share(acting_user=case.lead_professional, case_id=case.pk, reason="Twice")


def test_the_pages_share_and_stop_sharing(case, officer):
    lead = signed_in_client(case.lead_professional)
    detail = reverse("cases:case_detail", args=[case.pk])
    share_url = reverse("cases:case_share", args=[case.pk])
    assert share_url in lead.get(detail).text

    refused = lead.post(share_url, {"reason": ""})
    assert refused.status_code == 200
    assert "Enter why the LA needs to see this case" in refused.text
    assert not CaseShare.unscoped.exists()

    done = lead.post(share_url, {"reason": "For the Targeting Support Meeting"})
    assert done.status_code == 302
    share = CaseShare.unscoped.get()
    page = lead.get(detail).text
    assert "For the Targeting Support Meeting" in page
    assert case.lead_professional.full_name in page
    stop = reverse("cases:case_share_revoke", args=[case.pk, share.pk])
    assert stop in page
    assert f'href="{share_url}"' not in page  # shared already: one live share at a time

    confirm = lead.get(stop)
    assert confirm.status_code == 200
    assert "Stop sharing the case file with the LA?" in confirm.text
    assert CaseShare.unscoped.get().is_live  # opening the page changes nothing
    assert lead.post(stop).status_code == 302
    assert not CaseShare.unscoped.get().is_live
    assert "No longer shared" in lead.get(detail).text

    # The LA and read-only staff cannot share: 404 outside the scope, 403 inside.
    assert signed_in_client(officer).get(share_url).status_code == 404
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    assert signed_in_client(staff).post(share_url, {"reason": "x"}).status_code == 403


def test_a_referral_or_penalty_request_share_cannot_be_taken_back_by_the_school(case, officer):
    share = case_share_with_la(
        acting_user=case.lead_professional,
        case=case,
        kind=CaseShare.Kind.REFERRAL,
        reason="Referral version 1 submitted to the LA.",
    )
    with pytest.raises(ValidationError, match="LA keeps access"):
        case_share_revoke(acting_user=case.lead_professional, share_id=share.pk)
    stop = reverse("cases:case_share_revoke", args=[case.pk, share.pk])
    lead = signed_in_client(case.lead_professional)
    assert lead.post(stop).status_code == 302
    assert CaseShare.unscoped.get().is_live
    assert stop not in lead.get(reverse("cases:case_detail", args=[case.pk])).text
    assert statuses(officer, case) == [200] * 5


def test_school_users_are_unaffected(case):
    lead = case.lead_professional
    staff = UserFactory(role=Role.SCHOOL_STAFF, school=case.school)
    assert statuses(lead, case) == [200] * 5
    assert statuses(staff, case) == [200] * 5
    assert content_seen(staff) == dict.fromkeys(content_seen(staff), 1)


def test_another_las_users_never_see_even_a_shared_case(case):
    case_share(acting_user=case.lead_professional, case_id=case.pk, reason="For our TSM")
    elsewhere = UserFactory(la_user=True)
    assert statuses(elsewhere, case) == [404] * 5
    assert not AttendanceCase.objects.listed_for(elsewhere).exists()
    assert (
        case.pupil.display_name
        not in signed_in_client(elsewhere).get(reverse("cases:caseload")).text
    )
    # Nor another school of the same LA.
    other_school = SchoolFactory(local_authority=case.school.local_authority)
    assert statuses(UserFactory(school=other_school), case) == [404] * 5


def test_the_la_managers_subject_access_export_leaves_out_an_unshared_file(case):
    manager = UserFactory(
        la_user=True, role=Role.LA_MANAGER, local_authority=case.school.local_authority
    )
    url = reverse("records:subject_access", args=[case.pupil.pk])

    def exported() -> str:
        response = signed_in_client(manager).post(url)
        assert response.status_code == 200
        return zipfile.ZipFile(io.BytesIO(response.content)).read("records.json").decode()

    records = json.loads(exported())
    assert [c["id"] for c in records["cases.AttendanceCase"]] == [case.pk]  # the stage
    assert VOICE not in json.dumps(records)
    assert CONTACT not in json.dumps(records)
    case_share(acting_user=case.lead_professional, case_id=case.pk, reason="SAR to the LA")
    assert VOICE in exported()


# Shares made by the notices services ------------------------------------------

READY = dt.date(2026, 3, 24)


@pytest.fixture
def ready_case() -> AttendanceCase:
    """A case whose Notice to Improve ended without sufficient improvement."""
    with on_day(dt.date(2026, 1, 5)):
        made = make_case()
        registers(made)
    with on_day(dt.date(2026, 1, 30)):
        first_meeting(made)
        more_support(made)
    with on_day(dt.date(2026, 2, 2)):
        issue(made, outcome="not_improved", outcome_on=READY)
    made.refresh_from_db()
    return made


def test_a_referral_shares_the_case_and_a_return_keeps_it_shared(ready_case):
    officer = UserFactory(la_user=True, local_authority=ready_case.school.local_authority)
    assert statuses(officer, ready_case)[0] == 404
    assert not NoticeToImprove.objects.for_user(officer).exists()
    with on_day(READY):
        referral = referral_submit(acting_user=ready_case.lead_professional, case_id=ready_case.pk)
    share = CaseShare.unscoped.get(case=ready_case)
    assert share.kind == CaseShare.Kind.REFERRAL
    assert share.shared_by == ready_case.lead_professional
    assert statuses(officer, ready_case)[:2] == [200, 200]
    assert NoticeToImprove.objects.for_user(officer).exists()
    assert PathwayEvaluation.objects.for_user(officer).exists()

    # Returned: the LA has read the file, and the school will send it back.
    with on_day(READY):
        referral_return(acting_user=officer, referral_id=referral.pk, reasons="Add the review")
    assert statuses(officer, ready_case)[0] == 200
    # Submitted again: the same share, not a second one.
    with on_day(READY):
        referral_submit(acting_user=ready_case.lead_professional, case_id=ready_case.pk)
    assert CaseShare.unscoped.filter(case=ready_case).count() == 1


def test_a_penalty_notice_request_shares_the_case_it_is_issued_on(holiday_world):  # noqa: F811
    case = AttendanceCaseFactory(
        school=holiday_world["school"],
        pupil=holiday_world["pupil"],
        lead_professional=holiday_world["lead"],
    )
    officer = holiday_world["officer"]
    assert statuses(officer, case)[0] == 404
    request = submit(holiday_world)
    share = CaseShare.unscoped.get(case=case)
    assert (share.kind, share.shared_by) == (
        CaseShare.Kind.PENALTY_REQUEST,
        holiday_world["lead"],
    )
    assert statuses(officer, case)[0] == 200
    with at(ACCEPTED_ON):
        holiday_request_accept(acting_user=officer, request_id=request.pk)
    assert CaseShare.unscoped.filter(case=case).count() == 1
    with pytest.raises(ValidationError):
        case_share_revoke(acting_user=holiday_world["lead"], share_id=share.pk)


def test_a_penalty_notice_request_without_a_case_shares_the_one_opened_on_acceptance(
    holiday_world,  # noqa: F811
):
    request = submit(holiday_world)
    assert not CaseShare.unscoped.exists()
    with at(ACCEPTED_ON):
        accepted = holiday_request_accept(
            acting_user=holiday_world["officer"], request_id=request.pk
        )
    share = CaseShare.unscoped.get()
    assert share.case == accepted.case
    assert share.shared_by == holiday_world["lead"]
    assert statuses(holiday_world["officer"], accepted.case)[0] == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(MIGRATION_MODULES={})
def test_referrals_made_before_shares_existed_are_shared_by_the_migration() -> None:
    case = AttendanceCaseFactory()
    decision = penalty_route(case, PupilCarerFactory(pupil=case.pupil))
    officer = UserFactory(la_user=True, local_authority=case.school.local_authority)
    executor = MigrationExecutor(connection)
    recorded = executor.recorder.applied_migrations()
    for app_label, name in executor.loader.graph.nodes:
        if (app_label, name) not in recorded:
            executor.recorder.record_applied(app_label, name)
    # Before shares: the table goes, and with it the share penalty_route stored.
    executor = MigrationExecutor(connection)
    executor.migrate(
        [
            ("notices", "0011_register_certificate"),
            ("cases", "0010_meeting_place_and_family_record"),
        ]
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    share = CaseShare.unscoped.get(case=case)
    assert share.kind == CaseShare.Kind.REFERRAL
    assert share.shared_by == decision.referral.submitted_by
    assert share.shared_at == decision.referral.submitted_at
    assert AttendanceCase.objects.for_user(officer).get() == case
