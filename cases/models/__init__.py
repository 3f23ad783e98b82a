from .case import AttendanceCase, CaseRecord
from .contacts import Contact
from .meetings import SupportMeeting
from .people import Carer, Enrolment, Pupil, PupilCarer
from .plans import ActionPlan, ActionProgress, PlanAction, PlanReview
from .support import Barrier, EngagementAssessment, ReasonableAdjustment, SupportOffer
from .timetables import PartTimeTimetable
from .voice import WishesAndFeelings

__all__ = [
    "ActionPlan",
    "ActionProgress",
    "AttendanceCase",
    "Barrier",
    "Carer",
    "CaseRecord",
    "Contact",
    "EngagementAssessment",
    "Enrolment",
    "PartTimeTimetable",
    "PlanAction",
    "PlanReview",
    "Pupil",
    "PupilCarer",
    "ReasonableAdjustment",
    "SupportMeeting",
    "SupportOffer",
    "WishesAndFeelings",
]
