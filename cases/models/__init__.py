from .case import AttendanceCase, CaseRecord
from .contacts import Contact
from .flags import DigestSent, Flag, NightlyRun
from .history import CaseHistoryNote
from .meetings import SupportMeeting
from .plans import ActionPlan, ActionProgress, PlanAction, PlanReview
from .sharing import CaseShare
from .support import (
    Barrier,
    EngagementAssessment,
    OfferFollowUp,
    ReasonableAdjustment,
    SupportOffer,
)
from .timetables import PartTimeTimetable
from .voice import WishesAndFeelings

__all__ = [
    "ActionPlan",
    "ActionProgress",
    "AttendanceCase",
    "Barrier",
    "CaseHistoryNote",
    "CaseRecord",
    "CaseShare",
    "Contact",
    "DigestSent",
    "EngagementAssessment",
    "Flag",
    "NightlyRun",
    "OfferFollowUp",
    "PartTimeTimetable",
    "PlanAction",
    "PlanReview",
    "ReasonableAdjustment",
    "SupportMeeting",
    "SupportOffer",
    "WishesAndFeelings",
]
