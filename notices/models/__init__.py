from .notice import NoticeToImprove
from .penalties import PenaltyNotice

__all__ = ["NoticeToImprove", "PenaltyNotice"]
