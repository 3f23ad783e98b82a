from .notice import NoticeToImprove
from .penalties import PenaltyNotice
from .referrals import LADecision, LegalReferral

__all__ = ["LADecision", "LegalReferral", "NoticeToImprove", "PenaltyNotice"]
