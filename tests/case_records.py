"""The records of a full case file, made through the casework service: one of
each kind a case's pages show. Shared by the tests that ask every case URL
(tests/test_case_tenancy.py, the access matrix)."""

from __future__ import annotations

import datetime as dt

from cases.models import (
    ActionPlan,
    AttendanceCase,
    Barrier,
    PartTimeTimetable,
    PlanAction,
    SupportMeeting,
    SupportOffer,
    WishesAndFeelings,
)
from cases.services.casework import record_create


def case_file_records(case: AttendanceCase) -> dict[str, int]:
    """A barrier, meeting, voice, offer, plan with an action, and a part-time
    timetable on `case`, by their URL keyword names ("case_id", "barrier_id"…)."""
    lead = case.lead_professional
    day = dt.date(2025, 9, 20)
    barrier = record_create(
        acting_user=lead,
        case_id=case.pk,
        model=Barrier,
        kind="transport",
        factor="push",
        description="Bus cut",
        identified_on=day,
    )
    plan = record_create(
        acting_user=lead,
        case_id=case.pk,
        model=ActionPlan,
        agreed_on=day,
        target_attendance=95,
        target_date=day + dt.timedelta(days=60),
        next_review_due=day + dt.timedelta(days=14),
    )
    return {
        "case_id": case.pk,
        "barrier_id": barrier.pk,
        "meeting_id": record_create(
            acting_user=lead,
            case_id=case.pk,
            model=SupportMeeting,
            sequence=1,
            scheduled_for=dt.datetime(2025, 9, 25, 15, tzinfo=dt.UTC),
            method="phone",
        ).pk,
        "voice_id": record_create(
            acting_user=lead,
            case_id=case.pk,
            model=WishesAndFeelings,
            gathered_on=day,
            gathered_by=lead,
            relationship="Tutor",
            setting="Library",
            why_hard="Noise",
            what_would_help="Quiet room",
        ).pk,
        "offer_id": record_create(
            acting_user=lead,
            case_id=case.pk,
            model=SupportOffer,
            what="Early Help",
            provider="early_help",
            offered_on=day,
        ).pk,
        "action_id": PlanAction.unscoped.create(
            case=case,
            plan=plan,
            barrier=barrier,
            action="Walking bus",
            by_when=day,
            responsible="Sam",
            how_we_will_know="On time",
            created_by=lead,
            updated_by=lead,
        ).pk,
        "timetable_id": PartTimeTimetable.unscoped.create(
            pupil=case.pupil,
            school=case.school,
            case=case,
            reason="Phased return",
            agreed_hours="Mornings",
            start=day,
            planned_end=day + dt.timedelta(days=42),
            next_review_due=day + dt.timedelta(days=14),
            created_by=lead,
        ).pk,
    }
