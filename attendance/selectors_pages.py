"""Reads for the attendance pages (school dashboard, LA overview, pupil page)
that add to the selectors in `attendance.selectors`: siblings, and the rows the
templates list. Every read starts from the user's scope; templates compute no
figure, so the shares and totals they show are worked out here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from accounts.models import School
from core.scoping import visible_schools
from pupils.models import Enrolment, Pupil, PupilCarer

from . import figures as fig
from .codes import BY_CODE
from .models import PupilFigures
from .selectors import (
    DashboardFilters,
    DayMarks,
    PupilAttendance,
    SchoolDashboard,
    SchoolSummary,
    WeekTotal,
    import_discrepancies,
    la_overview,
    pupil_attendance,
    school_dashboard,
    school_weekly_trend,
)
from .years import academic_year_of, year_label

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


# Measures: one school's (or the LA's) headline numbers ----------------------------


@dataclass(frozen=True)
class Measures:
    """The measures a dashboard shows and the LA overview lists, for one school
    or (school None) a total over several."""

    name: str
    school: School | None
    pupils: int
    possible: int
    attended: int
    persistent: int
    severe: int
    threshold: int
    missing_marks: int
    as_at: dt.date | None

    @property
    def attendance_rate(self) -> float | None:
        return fig.rate(self.attended, self.possible)

    @property
    def absence_rate(self) -> float | None:
        return fig.rate(self.possible - self.attended, self.possible)

    @property
    def persistent_rate(self) -> float | None:
        """Share of pupils on roll in persistent absence (DfE's "PA rate")."""
        return fig.rate(self.persistent, self.pupils)

    @classmethod
    def of(cls, summary: SchoolSummary) -> Measures:
        return cls(
            name=summary.school.name,
            school=summary.school,
            pupils=summary.pupils,
            possible=summary.possible,
            attended=summary.attended,
            persistent=summary.persistent,
            severe=summary.severe,
            threshold=summary.threshold,
            missing_marks=summary.missing_marks,
            as_at=summary.as_at,
        )

    @classmethod
    def total(cls, name: str, rows: Sequence[Measures]) -> Measures:
        """Sums of counts; rates from the summed sessions, not an average of rates,
        so a large school weighs as much as its pupils."""
        return cls(
            name=name,
            school=None,
            pupils=sum(r.pupils for r in rows),
            possible=sum(r.possible for r in rows),
            attended=sum(r.attended for r in rows),
            persistent=sum(r.persistent for r in rows),
            severe=sum(r.severe for r in rows),
            threshold=sum(r.threshold for r in rows),
            missing_marks=sum(r.missing_marks for r in rows),
            as_at=max((r.as_at for r in rows if r.as_at), default=None),
        )


# The school dashboard -------------------------------------------------------------


# Rows per page of each dashboard list: a screenful, so the page stays quick to
# read and to load however large the school.
DASHBOARD_LIST_SIZE = 25
# The query parameter that pages each list (three lists share the page).
DASHBOARD_LIST_PARAMS = {
    "threshold": "threshold_page",
    "severe": "severe_page",
    "persistent": "persistent_page",
}


@dataclass(frozen=True)
class DashboardPage:
    dashboard: SchoolDashboard
    measures: Measures
    trend: list[WeekTotal]
    trend_as_at: dt.date
    threshold: Page[PupilFigures]
    severe: Page[PupilFigures]
    persistent: Page[PupilFigures]
    # Differences other schools' imports found with this school's records.
    differences_to_check: int = 0

    @property
    def school(self) -> School:
        return self.dashboard.summary.school


def school_dashboard_page(
    *,
    user: AnyUser,
    school_id: int,
    filters: DashboardFilters,
    today: dt.date,
    page_numbers: Mapping[str, str | None] | None = None,
) -> DashboardPage:
    """The dashboard's measures, one page of each of its lists (`page_numbers`
    maps a list's query parameter to the page asked for; anything unusable gives
    the first or last page), and the weekly trend up to the same date as the
    figures (today when none have been calculated), so the chart and the cards
    describe the same period. 404 outside the user's scope."""
    dashboard = school_dashboard(user=user, school_id=school_id, filters=filters)
    as_at = dashboard.summary.as_at or today
    asked = page_numbers or {}

    def page_of(name: str, rows: QuerySet[PupilFigures]) -> Page[PupilFigures]:
        return Paginator(rows, DASHBOARD_LIST_SIZE).get_page(asked.get(DASHBOARD_LIST_PARAMS[name]))

    return DashboardPage(
        dashboard=dashboard,
        measures=Measures.of(dashboard.summary),
        trend=school_weekly_trend(user=user, school_id=school_id, as_at=as_at),
        trend_as_at=as_at,
        threshold=page_of("threshold", dashboard.threshold),
        severe=page_of("severe", dashboard.severe),
        persistent=page_of("persistent", dashboard.persistent),
        differences_to_check=import_discrepancies(user=user, resolved=False)
        .filter(school_id=school_id)
        .count(),
    )


# The LA overview ------------------------------------------------------------------


def _name_key(m: Measures) -> str:
    return m.name.casefold()


# What each `sort` value orders by, besides "name". Schools with no figure (no
# possible sessions yet) sort last in either direction.
NUMERIC_SORTS: dict[str, Callable[[Measures], float | None]] = {
    "pupils": lambda m: m.pupils,
    "attendance": lambda m: m.attendance_rate,
    "persistent": lambda m: m.persistent_rate,
    "severe": lambda m: m.severe,
    "threshold": lambda m: m.threshold,
    "missing": lambda m: m.missing_marks,
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class OverviewPage:
    rows: list[Measures]
    total: Measures
    sort: str
    descending: bool
    as_at: dt.date | None = None


def la_overview_page(*, user: AnyUser, sort: str = DEFAULT_SORT) -> OverviewPage:
    """Every school the user may see, sorted by `sort` ("attendance", or
    "-attendance" for descending; unknown values sort by name), with a total."""
    descending = sort.startswith("-")
    key_name = sort.removeprefix("-")
    if key_name != "name" and key_name not in NUMERIC_SORTS:
        key_name, descending = DEFAULT_SORT, False
    rows = [Measures.of(summary) for summary in la_overview(user=user)]
    total = Measures.total("All schools", rows)
    return OverviewPage(
        rows=_sorted(rows, key_name, descending),
        total=total,
        sort=key_name,
        descending=descending,
        as_at=total.as_at,
    )


def _sorted(rows: list[Measures], key_name: str, descending: bool) -> list[Measures]:
    # Sorted by name first: Python's sort is stable, so the name breaks ties
    # and schools with equal figures keep a readable order.
    by_name = sorted(rows, key=_name_key, reverse=descending and key_name == "name")
    if key_name == "name":
        return by_name
    key = NUMERIC_SORTS[key_name]
    known = [r for r in by_name if key(r) is not None]
    known.sort(key=lambda r: key(r) or 0.0, reverse=descending)
    return known + [r for r in by_name if key(r) is None]


# The pupil page -------------------------------------------------------------------


@dataclass(frozen=True)
class SiblingPlace:
    """A school a sibling is on roll at, with their attendance there."""

    school: School
    attendance_rate: float | None
    as_at: dt.date | None


@dataclass(frozen=True)
class Sibling:
    pupil: Pupil
    places: list[SiblingPlace]


@dataclass(frozen=True)
class Siblings:
    visible: list[Sibling] = field(default_factory=list)
    # Siblings the user may not see: counted, so the lead knows to join up with
    # the other school (Support First: "contact should be made with their
    # schools"), but never named.
    hidden: int = 0


def siblings_for(*, user: AnyUser, pupil: Pupil, on: dt.date) -> Siblings:
    """Pupils who share a parent or carer with `pupil`: those the user may see,
    with the schools they are on roll at (`on`) and their attendance rate there
    from the latest figures, and how many more there are that the user may not."""
    carer_ids = {link.carer_id for link in pupil.carer_links.all()}
    if not carer_ids:
        return Siblings()
    # Unscoped on purpose: the ids are only counted, never shown, so that the
    # page can say a sibling exists elsewhere without saying who or where.
    sibling_ids = set(
        PupilCarer.unscoped.filter(carer_id__in=carer_ids)
        .exclude(pupil_id=pupil.pk)
        .values_list("pupil_id", flat=True)
    )
    if not sibling_ids:
        return Siblings()
    schools = visible_schools(user)
    current = Q(start__lte=on) & (Q(end__isnull=True) | Q(end__gte=on))
    visible = list(
        Pupil.objects.for_user(user)
        .filter(pk__in=sibling_ids)
        .prefetch_related(  # type: ignore[type-var]  # two Prefetch types in one call
            Prefetch(
                "figures",
                queryset=PupilFigures.objects.for_user(user)
                .filter(on_roll=True)
                .select_related("school"),
                to_attr="visible_figures",
            ),
            Prefetch(
                "enrolments",
                queryset=Enrolment.unscoped.filter(current, school__in=schools).select_related(
                    "school"
                ),
                to_attr="current_enrolments",
            ),
        )
        .order_by("date_of_birth", "legal_forename", "pk")
    )
    return Siblings(
        visible=[Sibling(pupil=s, places=_places(s)) for s in visible],
        hidden=len(sibling_ids) - len(visible),
    )


def _places(sibling: Pupil) -> list[SiblingPlace]:
    figures: list[PupilFigures] = sibling.visible_figures  # type: ignore[attr-defined]
    enrolments: list[Enrolment] = sibling.current_enrolments  # type: ignore[attr-defined]
    places = [SiblingPlace(row.school, row.attendance_rate, row.as_at) for row in figures]
    known = {row.school_id for row in figures}
    # On roll but not yet in the figures (joined since the last refresh).
    places += [SiblingPlace(e.school, None, None) for e in enrolments if e.school_id not in known]
    return sorted(places, key=lambda p: p.school.name)


@dataclass(frozen=True)
class Mark:
    """One session's mark as a table shows it: the code and what it means."""

    code: str
    meaning: str
    category: str

    @classmethod
    def of(cls, code: str) -> Mark:
        if not code:
            return cls("", "No mark", "")
        known = BY_CODE[code]
        return cls(code, known.meaning, known.category.label)


@dataclass(frozen=True)
class RecentDay:
    date: dt.date
    school: str
    am: Mark
    pm: Mark


@dataclass(frozen=True)
class CodeRow:
    code: str
    meaning: str
    category: str
    sessions: int


@dataclass(frozen=True)
class PupilPage:
    attendance: PupilAttendance
    academic_year: str
    carers: list[PupilCarer]
    siblings: Siblings
    codes: list[CodeRow]
    recent: list[RecentDay]

    @property
    def pupil(self) -> Pupil:
        return self.attendance.pupil

    @property
    def figures(self) -> fig.Figures:
        return self.attendance.figures

    @property
    def mark_problems(self) -> list[str]:
        return self.attendance.problems


def code_rows(breakdown: dict[str, int]) -> list[CodeRow]:
    rows = []
    for code, sessions in breakdown.items():
        known = BY_CODE[code]
        rows.append(CodeRow(code, known.meaning, known.category.label, sessions))
    return rows


def recent_rows(recent: Sequence[DayMarks]) -> list[RecentDay]:
    return [RecentDay(d.date, d.school, Mark.of(d.am), Mark.of(d.pm)) for d in recent]


def pupil_page(*, user: AnyUser, pupil_id: int, as_at: dt.date) -> PupilPage:
    """Everything the pupil's attendance page shows: live figures as at `as_at`,
    the herringbone, codes, recent marks, carers and siblings. 404 outside the
    user's scope. A fixed number of queries whatever the marks or siblings."""
    attendance = pupil_attendance(user=user, as_at=as_at, pupil_id=pupil_id)
    pupil = attendance.pupil
    prefetch_related_objects(
        [pupil],
        Prefetch(
            "carer_links",
            queryset=PupilCarer.unscoped.select_related("carer").order_by("contact_priority", "pk"),
        ),
    )
    return PupilPage(
        attendance=attendance,
        academic_year=year_label(academic_year_of(as_at)),
        carers=list(pupil.carer_links.all()),
        siblings=siblings_for(user=user, pupil=pupil, on=as_at),
        codes=code_rows(attendance.breakdown),
        recent=recent_rows(attendance.recent),
    )
