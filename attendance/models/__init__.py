from .calendar import SchoolClosure, SchoolTerm, SchoolYearDays
from .registers import ImportBatch, MarkChange, RegisterYear

__all__ = [
    "ImportBatch",
    "MarkChange",
    "RegisterYear",
    "SchoolClosure",
    "SchoolTerm",
    "SchoolYearDays",
]
