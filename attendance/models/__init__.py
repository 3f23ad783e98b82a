from .calendar import SchoolClosure, SchoolTerm, SchoolYearDays
from .discrepancies import ImportDiscrepancy
from .registers import ImportBatch, MarkChange, RegisterYear
from .snapshots import PupilFigures, SchoolFigures, SchoolWeekFigures

__all__ = [
    "ImportBatch",
    "ImportDiscrepancy",
    "MarkChange",
    "PupilFigures",
    "RegisterYear",
    "SchoolClosure",
    "SchoolFigures",
    "SchoolTerm",
    "SchoolWeekFigures",
    "SchoolYearDays",
]
