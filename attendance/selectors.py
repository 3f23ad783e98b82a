"""Reads for the attendance pages and API, always scoped to the user asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import School
from core.scoping import get_for_user_or_404, visible_schools
from pupils.models import Pupil

from . import figures as fig
from .codes import BY_CHAR, NO_MARK
from .loading import pupil_data
from .mark_problems import mark_problem_text
from .models import (
    ImportDiscrepancy,
    PupilFigures,
    RegisterYear,
    SchoolFigures,
    SchoolWeekFigures,
)
from .years import academic_year_of, day_index, year_start

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


@dataclass(frozen=True)
class DayMarks:
    date: dt.date
    school: str
    am: str
    pm: str


@dataclass(frozen=True)
class PupilAttendance:
    pupil: Pupil
    figures: fig.Figures
    pattern: dict[tuple[int, str], fig.PatternCell]
    breakdown: dict[str, int]
    recent: list[DayMarks]
    # Data-quality problems the figures worked round (rule A2), in words.
    problems: list[str] = field(default_factory=list)
    # The registers the figures read, for the week-by-week herringbone.
    registers: list[fig.Register] = field(default_factory=list)


def pupil_attendance(
    *, user: AnyUser, as_at: dt.date, pupil_id: int | None = None, upn: str | None = None
) -> PupilAttendance:
    """A pupil's live figures, pattern and recent marks; 404 outside the user's scope."""
    lookup: dict[str, Any] = {"pk": pupil_id} if pupil_id is not None else {"upn": upn}
    pupil = get_for_user_or_404(Pupil.objects.for_user(user), user, **lookup)
    data = pupil_data(pupil.pk, as_at)
    school_names = dict(
        School.objects.filter(pk__in={r.school_id for r in data.stored}).values_list("pk", "name")
    )
    return PupilAttendance(
        pupil=pupil,
        figures=fig.pupil_figures(
            upn=pupil.upn, registers=data.registers, spans=data.spans, context=data.context
        ),
        pattern=fig.weekday_pattern(data.registers, as_at),
        breakdown=fig.code_breakdown(data.registers, as_at),
        # What the schools recorded, including marks the figures leave out.
        recent=_recent_days(data.stored, as_at, school_names),
        problems=[mark_problem_text(p, school_names) for p in data.problems],
        registers=list(data.registers),
    )


def figures_for_upn(*, user: AnyUser, upn: str, as_at: dt.date) -> fig.Figures:
    """Only the figures (the API): the same loading, without the page's extras."""
    pupil = get_for_user_or_404(Pupil.objects.for_user(user), user, upn=upn)
    data = pupil_data(pupil.pk, as_at)
    return fig.pupil_figures(
        upn=pupil.upn, registers=data.registers, spans=data.spans, context=data.context
    )


def _recent_days(
    registers: list[fig.Register], as_at: dt.date, school_names: dict[int, str], days: int = 10
) -> list[DayMarks]:
    """The last `days` dates with a mark, newest first, at each school."""
    found: list[DayMarks] = []
    for register in sorted(registers, key=lambda r: r.academic_year, reverse=True):
        start = year_start(register.academic_year)
        last = min(len(register.marks) // 2, day_index(as_at) + 1)
        if register.academic_year != academic_year_of(as_at):
            last = len(register.marks) // 2
        for index in range(last - 1, -1, -1):
            am, pm = register.marks[2 * index], register.marks[2 * index + 1]
            if am == NO_MARK and pm == NO_MARK:
                continue
            if am == "#" and pm == "#":
                continue
            found.append(
                DayMarks(
                    date=start + dt.timedelta(days=index),
                    school=school_names.get(register.school_id, ""),
                    am=_code(am),
                    pm=_code(pm),
                )
            )
            if len(found) >= days * 2:
                break
    found.sort(key=lambda d: d.date, reverse=True)
    return found[:days]


def _code(char: str) -> str:
    return "" if char == NO_MARK else BY_CHAR[char].code


@dataclass(frozen=True)
class DashboardFilters:
    year_group: str = ""
    characteristic: str = ""

    CHARACTERISTICS = {
        "sen_support": ("SEN support", Q(pupil__sen_status=Pupil.SenStatus.SEN_SUPPORT)),
        "ehcp": ("Education, health and care plan", Q(pupil__sen_status=Pupil.SenStatus.EHCP)),
        "fsm": ("Free school meals", Q(pupil__free_school_meals=True)),
        "looked_after": ("Looked after", Q(pupil__looked_after=True)),
        "cin": ("Child in need", Q(pupil__social_care=Pupil.SocialCare.CHILD_IN_NEED)),
        "cp": ("Child protection plan", Q(pupil__social_care=Pupil.SocialCare.CHILD_PROTECTION)),
    }

    def apply(self, rows: QuerySet[PupilFigures]) -> QuerySet[PupilFigures]:
        if self.year_group:
            rows = rows.filter(pupil__year_group=self.year_group)
        if self.characteristic in self.CHARACTERISTICS:
            rows = rows.filter(self.CHARACTERISTICS[self.characteristic][1])
        return rows


@dataclass
class SchoolSummary:
    school: School
    pupils: int = 0
    possible: int = 0
    attended: int = 0
    persistent: int = 0
    severe: int = 0
    threshold: int = 0
    missing_marks: int = 0
    as_at: dt.date | None = None

    @property
    def attendance_rate(self) -> float | None:
        return fig.rate(self.attended, self.possible)

    @property
    def absence_rate(self) -> float | None:
        return fig.rate(self.possible - self.attended, self.possible)


@dataclass
class SchoolDashboard:
    """The lists are unevaluated: a school of thousands pages through them
    (`selectors_pages.school_dashboard_page`) rather than loading every row."""

    summary: SchoolSummary
    persistent: QuerySet[PupilFigures]
    severe: QuerySet[PupilFigures]
    threshold: QuerySet[PupilFigures]
    year_groups: list[str] = field(default_factory=list)


def _summaries(rows: QuerySet[PupilFigures]) -> dict[int, dict[str, Any]]:
    totals = rows.values("school_id").annotate(
        pupils=Count("pk", filter=Q(on_roll=True)),
        possible=Sum("possible_sessions"),
        attended=Sum("attended_sessions"),
        persistent=Count("pk", filter=Q(persistent_absence=True, on_roll=True)),
        severe=Count("pk", filter=Q(severe_absence=True, on_roll=True)),
        threshold=Count("pk", filter=Q(national_threshold_met=True, on_roll=True)),
        missing=Sum("missing_marks"),
    )
    return {t["school_id"]: dict(t) for t in totals}


def _summary(school: School, totals: dict[str, Any] | None, as_at: dt.date | None) -> SchoolSummary:
    if not totals:
        return SchoolSummary(school=school, as_at=as_at)
    return SchoolSummary(
        school=school,
        pupils=totals["pupils"],
        possible=totals["possible"] or 0,
        attended=totals["attended"] or 0,
        persistent=totals["persistent"],
        severe=totals["severe"],
        threshold=totals["threshold"],
        missing_marks=totals["missing"] or 0,
        as_at=as_at,
    )


def school_dashboard(
    *, user: AnyUser, school_id: int, filters: DashboardFilters | None = None
) -> SchoolDashboard:
    """One school's measures from the latest figures, with the pupils behind them."""
    school = visible_schools(user).filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    filters = filters or DashboardFilters()
    base = PupilFigures.objects.for_user(user).filter(school=school)
    rows = filters.apply(base).filter(on_roll=True)
    as_at = base.values_list("as_at", flat=True).first()
    listed = rows.select_related("pupil").order_by(
        F("attended_sessions") * 1.0 / F("possible_sessions"), "pupil__legal_surname", "pupil_id"
    )
    return SchoolDashboard(
        summary=_summary(school, _summaries(filters.apply(base)).get(school.pk), as_at),
        # The pupil's id last: a stable order, so no pupil shows on two pages.
        persistent=listed.filter(persistent_absence=True, possible_sessions__gt=0),
        severe=listed.filter(severe_absence=True, possible_sessions__gt=0),
        threshold=rows.filter(national_threshold_met=True)
        .select_related("pupil")
        .order_by("-unauthorised_last_10_school_weeks", "pupil__legal_surname", "pupil_id"),
        year_groups=sorted(
            set(base.values_list("pupil__year_group", flat=True).distinct()) - {""},
            key=lambda y: (len(y), y),
        ),
    )


def la_overview(*, user: AnyUser) -> list[SchoolSummary]:
    """Every school the user may see, with the same measures as its dashboard,
    as the figures refresh stored them (`SchoolFigures`): one row a school."""
    schools = list(visible_schools(user).select_related("local_authority").order_by("name"))
    stored = {row.school_id: row for row in SchoolFigures.objects.for_user(user)}
    as_at = max((row.as_at for row in stored.values()), default=None)
    return [_stored_summary(school, stored.get(school.pk), as_at) for school in schools]


def _stored_summary(
    school: School, row: SchoolFigures | None, as_at: dt.date | None
) -> SchoolSummary:
    if row is None:
        return SchoolSummary(school=school, as_at=as_at)
    return SchoolSummary(
        school=school,
        pupils=row.pupils,
        possible=row.possible_sessions,
        attended=row.attended_sessions,
        persistent=row.persistent_absence,
        severe=row.severe_absence,
        threshold=row.national_threshold_met,
        missing_marks=row.missing_marks,
        as_at=as_at,
    )


@dataclass(frozen=True)
class WeekTotal:
    monday: dt.date
    possible: int
    attended: int

    @property
    def attendance_rate(self) -> float | None:
        return fig.rate(self.attended, self.possible)


def school_weekly_trend(*, user: AnyUser, school_id: int, as_at: dt.date) -> list[WeekTotal]:
    """Attendance at the school week by week, this academic year up to as_at:
    as stored by the figures refresh for that day (one query), or counted from
    the registers where the refresh has not stored that day."""
    school = visible_schools(user).filter(pk=school_id).first()
    if school is None:
        raise Http404("No such school.")
    stored = list(
        SchoolWeekFigures.unscoped.filter(school=school, as_at=as_at)
        .order_by("week_start")
        .values_list("week_start", "possible_sessions", "attended_sessions")
    )
    if stored:
        return [WeekTotal(monday, possible, attended) for monday, possible, attended in stored]
    year = academic_year_of(as_at)
    marks = RegisterYear.unscoped.filter(school=school, academic_year=year).values_list(
        "marks", flat=True
    )
    return [
        WeekTotal(monday, counts.possible, counts.attended)
        for monday, counts in fig.weekly_counts(
            marks.iterator(chunk_size=2000), year=year, as_at=as_at
        )
    ]


def import_discrepancies(*, user: AnyUser, resolved: bool) -> QuerySet[ImportDiscrepancy]:
    """What other schools' imports found different from the user's schools'
    records: open ones oldest first (they wait longest), dealt-with ones newest first."""
    rows = ImportDiscrepancy.objects.for_user(user).select_related(
        "pupil", "school", "importing_school", "resolved_by"
    )
    if resolved:
        return rows.filter(resolved_at__isnull=False).order_by("-resolved_at", "-pk")
    return rows.filter(resolved_at__isnull=True).order_by("created_at", "pk")
