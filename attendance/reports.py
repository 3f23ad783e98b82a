"""A pupil's figures for operators: unscoped reads and the plain-text summary.

`manage.py attendance_figures` is run by someone with shell access to the
server, who can read the whole database anyway, so it reads without a user's
scope. It must still give the same numbers as the API and the pupil page:
`pupil_figures_unscoped` loads the same data with the same `attendance.loading`
functions as `attendance.selectors.pupil_attendance` and hands it to the same
`attendance.figures.pupil_figures`. Nothing here may be used to answer a person
signed in to the service: they go through the scoped selectors.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from core.dates import long_date
from pupils.models import Pupil

from . import figures as fig
from .loading import pupil_data
from .years import academic_year_of, year_label

# The figures are computed for dates in these academic years only. Outside them
# the year arithmetic runs off the end of Python's dates (a request for
# 9999-12-31 would be a server error), and no register that old or that far
# ahead exists. Both the command and the API refuse such a date with this range.
EARLIEST_AS_AT = dt.date(2000, 9, 1)
LATEST_AS_AT = dt.date(2100, 8, 31)


class PupilNotFound(LookupError):
    def __init__(self, upn: str) -> None:
        super().__init__(f"No pupil with UPN {upn}.")
        self.upn = upn


def as_at_problem(day: dt.date) -> str | None:
    """Why figures cannot be given as at `day`, or None when they can."""
    if EARLIEST_AS_AT <= day <= LATEST_AS_AT:
        return None
    return f"Enter a date from {long_date(EARLIEST_AS_AT)} to {long_date(LATEST_AS_AT)}."


def pupil_figures_unscoped(*, upn: str, as_at: dt.date) -> fig.Figures:
    """Every figure for the pupil with this UPN as at `as_at`, whoever's pupil
    they are. For operator tools and jobs only: raises PupilNotFound."""
    pupil_id = Pupil.unscoped.filter(upn=upn).values_list("pk", flat=True).first()
    if pupil_id is None:
        raise PupilNotFound(upn)
    return figures_for_pupil(pupil_id=pupil_id, upn=upn, as_at=as_at)


def figures_for_pupil(*, pupil_id: int, upn: str, as_at: dt.date) -> fig.Figures:
    """The figures for a pupil the caller has already found (and, for a person,
    scoped), loaded exactly as the pupil page loads them."""
    data = pupil_data(pupil_id, as_at)
    return fig.pupil_figures(
        upn=upn, registers=data.registers, spans=data.spans, context=data.context
    )


def percent(rate: float) -> str:
    """A rate to 1 decimal place, halves rounded up as people (and Django's
    floatformat filter) round them: 1.25 -> "1.3", where format() gives "1.2"."""
    return str(Decimal(repr(rate)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def figures_summary(figures: fig.Figures) -> str:
    """The figures as a few lines of plain English for the command line."""
    possible = figures.possible_sessions
    if figures.attendance_rate is None or figures.absence_rate is None:
        attendance = "Attendance: no figure (no possible sessions)"
        absence = "Absence: no figure (no possible sessions)"
    else:
        attendance = (
            f"Attendance {percent(figures.attendance_rate)}% "
            f"({figures.attended_sessions} of {possible} sessions)"
        )
        absence = (
            f"Absence {percent(figures.absence_rate)}% ({figures.absence_sessions} of "
            f"{possible} sessions: {figures.authorised_absence_sessions} authorised, "
            f"{figures.unauthorised_absence_sessions} unauthorised)"
        )
    threshold = "met" if figures.national_threshold_met else "not met"
    return "\n".join(
        [
            f"UPN {figures.upn}, as at {long_date(figures.as_at)} "
            f"({year_label(academic_year_of(figures.as_at))} so far)",
            attendance,
            absence,
            f"Persistent absence ({fig.PERSISTENT_ABSENCE_RATE:g}% or more): "
            f"{_yes_no(figures.persistent_absence)}",
            f"Severe absence ({fig.SEVERE_ABSENCE_RATE:g}% or more): "
            f"{_yes_no(figures.severe_absence)}",
            f"Unauthorised sessions in the last {fig.NATIONAL_THRESHOLD_WEEKS} school weeks: "
            f"{figures.unauthorised_last_10_school_weeks} (national threshold of "
            f"{fig.NATIONAL_THRESHOLD_SESSIONS}: {threshold})",
            f"Missing marks: {figures.missing_marks}",
        ]
    )


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def attendance_between(*, pupil_id: int, first: dt.date, last: dt.date) -> fig.Counts:
    """A pupil's sessions between two dates (a plan review's "since last time"),
    from every school, loaded as the pupil page loads them."""
    data = pupil_data(pupil_id, last)
    return fig.counts_between(data.registers, first, last)
