"""Every kind of document, by code, in the order a case's documents list them.

A new kind is a module here with a `Kind` subclass, a
template under templates/documents/ extending documents/print/base.html, and
a line below.
"""

from __future__ import annotations

from .action_plan import ActionPlanDocument
from .base import Kind, Paragraph, Subject
from .half_term import HalfTermLetter, HalfTermText
from .meeting_invitation import MeetingInvitation
from .meeting_record import MeetingRecord
from .notice_to_improve import NoticeToImproveLetter
from .parents_told import ParentsToldLetter
from .penalty_notice import PenaltyNoticeDocument, PenaltyWithdrawalLetter

KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        MeetingInvitation(),
        MeetingRecord(),
        ActionPlanDocument(),
        NoticeToImproveLetter(),
        ParentsToldLetter(),
        PenaltyNoticeDocument(),
        PenaltyWithdrawalLetter(),
        HalfTermLetter(),
        HalfTermText(),
    )
}

__all__ = ["KINDS", "Kind", "Paragraph", "Subject"]
