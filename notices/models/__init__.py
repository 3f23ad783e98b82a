from .bundle_file import BundleFile
from .certificate import RegisterCertificate
from .holiday import HolidayRequest
from .notice import NoticeToImprove, ParentsToldOfReferral
from .penalties import PenaltyNotice
from .referrals import LADecision, LegalReferral

__all__ = [
    "BundleFile",
    "HolidayRequest",
    "LADecision",
    "LegalReferral",
    "NoticeToImprove",
    "ParentsToldOfReferral",
    "PenaltyNotice",
    "RegisterCertificate",
]
