"""Reads for the first-day response: who is absent today with no reason yet and
no contact, and whom to call about a pupil.

"Any unexplained absence must be followed up on the same day to determine a
reason for absence" (Norfolk, Support First). Today's marks are read from each
pupil's year of marks in one query: the two characters of today's sessions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from attendance.codes import BY_CHAR, BY_CODE, NO_MARK, NO_SESSION
from attendance.models import RegisterYear
from attendance.years import academic_year_of, mark_index
from core.dates import today as today_in_england
from core.scoping import get_for_user_or_404
from pupils.models import Enrolment, Pupil, PupilCarer

from .models import AttendanceCase, Contact

if TYPE_CHECKING:
    from accounts.models import School, User

NOT_ESTABLISHED = BY_CODE["N"].char


def carers_to_call(links: Iterable[PupilCarer]) -> list[PupilCarer]:
    """Parents and carers in the order to try them: those who get the school's
    letters and messages first (the primary carers), then the school's contact
    priority. The guidance: contact the primary carer first, then "ensure that
    all emergency contacts are used"."""
    return sorted(links, key=lambda link: (not link.receives_correspondence, link.contact_priority))


def mark_label(char: str) -> str:
    """A mark as staff know it: the code ("N", "C1"), or words for no mark."""
    if char in ("", NO_MARK):
        return "No mark yet"
    if char == NO_SESSION:
        return "No session"
    code = BY_CHAR.get(char)
    return code.code if code is not None else char


@dataclass(frozen=True)
class AbsentPupil:
    """One pupil to follow up today."""

    pupil: Pupil
    am: str
    pm: str
    carers: list[PupilCarer]
    open_case_id: int | None

    @property
    def am_label(self) -> str:
        return mark_label(self.am)

    @property
    def pm_label(self) -> str:
        return mark_label(self.pm)


@dataclass(frozen=True)
class FirstDayList:
    school: School
    day: dt.date
    include_unmarked: bool
    rows: list[AbsentPupil]


def first_day_response(
    *, user: User, include_unmarked: bool = False, day: dt.date | None = None
) -> FirstDayList:
    """Pupils on roll at the user's school who are absent `day` (today) with the
    reason not yet established ("N", AM or PM) and no contact logged about that
    day or on it. With `include_unmarked`, also those with no morning mark yet:
    before the register closes that is most of the school, so it is asked for.

    For school staff only: the list is one school's morning work.
    """
    school = user.school if user.is_school_user else None
    if school is None:
        raise PermissionDenied(
            "The first-day response list is for school staff: it shows your own "
            "school's pupils who are absent today."
        )
    day = day or today_in_england()
    # Substr counts from 1; mark_index from 0. AM and PM are side by side.
    am_at = mark_index(day, "AM") + 1
    # "Today" for a contact is the day in England: midnight to midnight there.
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    # The subqueries read `unscoped` but are pinned to the user's own school and
    # to pupils of the scoped outer query, so they cannot widen what is seen.
    contacted_today = Contact.unscoped.filter(pupil=OuterRef("pupil"), school=school).filter(
        Q(absence_date=day) | Q(occurred_at__gte=start, occurred_at__lt=end)
    )
    on_roll = Enrolment.unscoped.filter(
        pupil=OuterRef("pupil"), school=school, start__lte=day
    ).filter(Q(end__isnull=True) | Q(end__gte=day))
    open_case = AttendanceCase.unscoped.filter(
        pupil=OuterRef("pupil"), school=school, status=AttendanceCase.Status.OPEN
    ).values("pk")[:1]
    absent = Q(am=NOT_ESTABLISHED) | Q(pm=NOT_ESTABLISHED)
    if include_unmarked:
        absent |= Q(am=NO_MARK)
    registers = (
        RegisterYear.objects.for_user(user)
        .filter(school=school, academic_year=academic_year_of(day))
        .annotate(am=Substr("marks", am_at, 1), pm=Substr("marks", am_at + 1, 1))
        .filter(absent, Exists(on_roll), ~Exists(contacted_today))
        .annotate(open_case_id=Subquery(open_case))
        .select_related("pupil")
        .prefetch_related(
            Prefetch("pupil__carer_links", queryset=PupilCarer.unscoped.select_related("carer"))
        )
        .order_by("pupil__legal_surname", "pupil__legal_forename", "pupil_id")
    )
    rows = [
        AbsentPupil(
            pupil=register.pupil,
            am=register.am,
            pm=register.pm,
            carers=carers_to_call(register.pupil.carer_links.all()),
            open_case_id=register.open_case_id,
        )
        for register in registers
    ]
    return FirstDayList(school=school, day=day, include_unmarked=include_unmarked, rows=rows)


@dataclass(frozen=True)
class ContactSubject:
    """Who a contact is about, whom to call, and the case it will join."""

    pupil: Pupil
    carers: list[PupilCarer]
    case: AttendanceCase | None


def contact_subject(
    *, user: User, case_id: int | None = None, pupil_id: int | None = None
) -> ContactSubject:
    """For the contact form: from a case (404 outside scope), or from a pupil,
    with the pupil's open case at the user's school if there is one."""
    if case_id is not None:
        case = get_for_user_or_404(
            AttendanceCase.objects.for_user(user).select_related("pupil", "school"),
            user,
            pk=case_id,
        )
        pupil = case.pupil
        found: AttendanceCase | None = case
    else:
        pupil = get_for_user_or_404(Pupil.objects.for_user(user), user, pk=pupil_id)
        found = (
            AttendanceCase.objects.for_user(user)
            .filter(pupil=pupil, school_id=user.school_id, status=AttendanceCase.Status.OPEN)
            .select_related("school")
            .first()
            if user.school_id
            else None
        )
    links = PupilCarer.unscoped.filter(pupil=pupil).select_related("carer")
    return ContactSubject(pupil=pupil, carers=carers_to_call(links), case=found)
