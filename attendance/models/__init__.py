from .calendar import SchoolClosure, SchoolTerm, SchoolYearDays
from .registers import ImportBatch, MarkChange, RegisterYear
from .snapshots import PupilFigures

__all__ = [
    "ImportBatch",
    "MarkChange",
    "PupilFigures",
    "RegisterYear",
    "SchoolClosure",
    "SchoolTerm",
    "SchoolYearDays",
]
