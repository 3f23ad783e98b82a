"""The attendance pages: the school dashboard, the LA overview and a pupil's
attendance (with the herringbone). What each shows, who may see it, and that
their cost does not grow with the number of pupils, marks or siblings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse

from accounts.models import Role, School
from attendance import charts
from attendance.codes import BY_CODE
from attendance.figures import PatternCell
from attendance.selectors import WeekTotal
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.services.snapshots import figures_refresh
from attendance.templatetags.attendance_tags import percent, year_group
from attendance.years import empty_marks, mark_index
from pupils.models import Pupil

from .conftest import signed_in_client
from .factories import (
    CarerFactory,
    LocalAuthorityFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

YEAR = 2024
FIRST_DAY = dt.date(2024, 9, 2)  # a Monday
AS_AT = dt.date(2024, 11, 22)  # a Friday: 12 school weeks, 120 sessions
LONDON = ZoneInfo("Europe/London")

# A session's code, or None for present ("/" AM, "\" PM).
CodeFor = Callable[[dt.date, str], str | None]


def _present(day: dt.date, session: str) -> str | None:
    return None


def fridays_pm(day: dt.date, session: str) -> str | None:
    """Unauthorised ("O") every Friday afternoon: 12 of 120 sessions, 10%."""
    return "O" if day.weekday() == 4 and session == "PM" else None


def early_week_n(day: dt.date, session: str) -> str | None:
    """ "N" all day Monday to Wednesday: 60% absence, all unauthorised."""
    return "N" if day.weekday() < 3 else None


def ill_mondays(day: dt.date, session: str) -> str | None:
    """Illness every Monday: 20% absence, all authorised."""
    return "I" if day.weekday() == 0 else None


def register(
    pupil: Pupil, school: School, code_for: CodeFor = _present, until: dt.date = AS_AT
) -> IncomingRegister:
    """Marks for every weekday from 2 September to `until`."""
    chars = list(empty_marks(YEAR))
    day = FIRST_DAY
    while day <= until:
        if day.weekday() < 5:
            for session in ("AM", "PM"):
                code = code_for(day, session) or ("/" if session == "AM" else "\\")
                chars[mark_index(day, session)] = BY_CODE[code].char
        day += dt.timedelta(days=1)
    return IncomingRegister(pupil.pk, school.pk, YEAR, "".join(chars))


def load(registers: Iterable[IncomingRegister], schools: Iterable[School]) -> None:
    """Store the marks, derive the school days and refresh the figures, as an
    import does."""
    school_ids = [s.pk for s in schools]
    with transaction.atomic():
        registers_merge(incoming=list(registers))
    school_days_refresh(pairs={(pk, YEAR) for pk in school_ids})
    figures_refresh(as_at=AS_AT, school_ids=school_ids)


def frozen() -> time_machine.travel:
    return time_machine.travel(dt.datetime(2024, 11, 22, 16, 0, tzinfo=LONDON), tick=False)


def pupil(school: School, name: str, **kwargs: object) -> Pupil:
    forename, surname = name.split()
    return PupilFactory(school=school, legal_forename=forename, legal_surname=surname, **kwargs)


@pytest.fixture
def cohort(school: School) -> dict[str, Pupil]:
    pupils = {
        "regular": pupil(school, "Rosie Regular"),
        "fridays": pupil(school, "Freddie Friday"),
        "severe": pupil(school, "Sam Severe", year_group="6", free_school_meals=True),
        "ill": pupil(school, "Ivy Ill"),
    }
    codes = {"regular": _present, "fridays": fridays_pm, "severe": early_week_n, "ill": ill_mondays}
    load([register(p, school, codes[key]) for key, p in pupils.items()], [school])
    return pupils


def names(rows: Iterable[object]) -> set[str]:
    return {row.pupil.display_name for row in rows}  # type: ignore[attr-defined]


# The school dashboard ---------------------------------------------------------


def test_dashboard_lists_the_pupils_behind_each_measure(lead, school, cohort):
    url = reverse("attendance:school_dashboard", args=[school.pk])
    response = signed_in_client(lead).get(url)

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert names(dashboard.threshold) == {"Freddie Friday", "Sam Severe"}
    assert names(dashboard.severe) == {"Sam Severe"}
    # Lowest attendance first.
    assert [r.pupil.display_name for r in dashboard.persistent] == [
        "Sam Severe",
        "Ivy Ill",
        "Freddie Friday",
    ]
    measures = response.context["measures"]
    assert (measures.pupils, measures.persistent, measures.severe, measures.threshold) == (
        4,
        3,
        1,
        2,
    )
    assert measures.persistent_rate == 75.0
    assert "Figures as at 22 November 2024" in response.text
    assert reverse("attendance:pupil_attendance", args=[cohort["severe"].pk]) in response.text
    assert "Rosie Regular" not in response.text


def test_dashboard_shows_the_weekly_trend_as_a_chart_and_a_table(lead, school, cohort):
    response = signed_in_client(lead).get(reverse("attendance:school_dashboard", args=[school.pk]))
    trend = response.context["page"].trend
    assert [w.monday for w in trend][:2] == [FIRST_DAY, dt.date(2024, 9, 9)]
    assert len(trend) == 12
    # Every week the same: 4 pupils, 40 sessions, 1 + 6 + 2 of them missed.
    assert {(w.possible, w.attended) for w in trend} == {(40, 31)}
    assert 'role="img"' in response.text
    assert "77.5%" in response.text  # in the chart labels and in the table


def test_dashboard_filters_by_year_group_and_by_characteristic(lead, school, cohort):
    client = signed_in_client(lead)
    url = reverse("attendance:school_dashboard", args=[school.pk])

    year_6 = client.get(url, {"year_group": "6"}).context
    assert names(year_6["dashboard"].persistent) == {"Sam Severe"}
    assert year_6["measures"].pupils == 1
    assert year_6["dashboard"].year_groups == ["5", "6"]

    fsm = client.get(url, {"characteristic": "fsm"}).context
    assert names(fsm["dashboard"].threshold) == {"Sam Severe"}

    year_5_fsm = client.get(url, {"year_group": "5", "characteristic": "fsm"})
    assert list(year_5_fsm.context["dashboard"].persistent) == []
    assert "No pupils are in persistent absence." in year_5_fsm.text
    assert "Clear filters" in year_5_fsm.text

    # An unknown characteristic is ignored rather than matching nothing.
    unknown = client.get(url, {"characteristic": "<script>"}).context
    assert unknown["filters"].characteristic == ""
    assert len(unknown["dashboard"].persistent) == 3


def test_dashboard_says_when_figures_have_not_been_calculated(lead, school):
    PupilFactory(school=school)
    with frozen():
        response = signed_in_client(lead).get(
            reverse("attendance:school_dashboard", args=[school.pk])
        )
    assert response.status_code == 200
    assert "Figures have not been calculated yet" in response.text
    assert "No register marks for this academic year yet." in response.text


def test_another_schools_dashboard_is_not_found(lead, school):
    neighbour = SchoolFactory(local_authority=school.local_authority)
    response = signed_in_client(lead).get(
        reverse("attendance:school_dashboard", args=[neighbour.pk])
    )
    assert response.status_code == 404


def test_an_la_user_sees_dashboards_in_their_la_only(school):
    officer = UserFactory(la_user=True, local_authority=school.local_authority)
    elsewhere = SchoolFactory(local_authority=LocalAuthorityFactory(code="111"))
    client = signed_in_client(officer)
    ok = client.get(reverse("attendance:school_dashboard", args=[school.pk]))
    assert ok.status_code == 200
    assert "Back to all schools" in ok.text
    assert (
        client.get(reverse("attendance:school_dashboard", args=[elsewhere.pk])).status_code == 404
    )


def test_signed_out_visitors_are_sent_to_sign_in(school):
    anonymous = Client().get(reverse("attendance:school_dashboard", args=[school.pk]))
    assert anonymous.status_code == 302
    assert reverse("login") in anonymous.url


# The LA overview --------------------------------------------------------------


def test_a_school_user_is_sent_from_the_overview_to_their_dashboard(lead, school):
    response = signed_in_client(lead).get(reverse("attendance:la_overview"))
    assert response.status_code == 302
    assert response.url == reverse("attendance:school_dashboard", args=[school.pk])


def test_la_overview_lists_every_school_in_the_la_with_totals(school, cohort):
    la = school.local_authority
    other = SchoolFactory(name="Aardvark Primary", local_authority=la)
    load([register(pupil(other, "Olu Other"), other, fridays_pm)], [other])
    SchoolFactory(name="Another LA's School", local_authority=LocalAuthorityFactory(code="111"))
    officer = UserFactory(la_user=True, local_authority=la)

    response = signed_in_client(officer).get(reverse("attendance:la_overview"))

    assert response.status_code == 200
    page = response.context["page"]
    assert [r.name for r in page.rows] == ["Aardvark Primary", school.name]
    assert "Another LA&#x27;s School" not in response.text
    total = page.total
    assert (total.pupils, total.persistent, total.severe, total.threshold) == (5, 4, 1, 3)
    # From summed sessions: (4 * 120 - 12 - 72 - 24) + (120 - 12) of 600.
    assert total.attendance_rate == pytest.approx(480 / 600 * 100)
    assert "All schools" in response.text
    assert reverse("attendance:school_dashboard", args=[other.pk]) in response.text


def test_an_admin_sees_every_school_in_the_overview(school, cohort):
    elsewhere = SchoolFactory(local_authority=LocalAuthorityFactory(code="111"))
    admin = UserFactory(admin=True)
    response = signed_in_client(admin).get(reverse("attendance:la_overview"))
    assert response.status_code == 200
    assert {r.school for r in response.context["page"].rows} == {school, elsewhere}


def test_la_overview_sorts_on_the_server(school, cohort):
    la = school.local_authority
    other = SchoolFactory(name="Aardvark Primary", local_authority=la)
    load([register(pupil(other, "Olu Other"), other)], [other])
    empty = SchoolFactory(name="Zebra Infants", local_authority=la)
    client = signed_in_client(UserFactory(la_user=True, local_authority=la))
    url = reverse("attendance:la_overview")

    def order(sort: str) -> list[str]:
        return [r.name for r in client.get(url, {"sort": sort}).context["page"].rows]

    assert order("attendance") == [school.name, "Aardvark Primary", empty.name]
    # A school with no figures sorts last either way.
    assert order("-attendance") == ["Aardvark Primary", school.name, empty.name]
    assert order("-name") == [empty.name, school.name, "Aardvark Primary"]
    assert order("nonsense") == ["Aardvark Primary", school.name, empty.name]
    sorted_page = client.get(url, {"sort": "attendance"})
    assert 'aria-sort="ascending"' in sorted_page.text
    assert "?sort=-attendance" in sorted_page.text


# The pupil page ---------------------------------------------------------------


def test_pupil_page_herringbone_shows_friday_afternoons(lead, school, cohort):
    freddie = cohort["fridays"]
    with frozen():
        response = signed_in_client(lead).get(
            reverse("attendance:pupil_attendance", args=[freddie.pk])
        )

    assert response.status_code == 200
    rows = {row.label: row for row in response.context["herringbone_rows"]}
    friday_pm = rows["Friday PM"]
    assert (friday_pm.possible, friday_pm.absent, friday_pm.unauthorised) == (12, 12, 12)
    assert friday_pm.absence_rate == 100.0
    assert friday_pm.highest
    assert [label for label, row in rows.items() if row.highest] == ["Friday PM"]
    assert all(row.absent == 0 for label, row in rows.items() if label != "Friday PM")

    chart = response.context["herringbone"]
    assert "Most absence: Friday PM, 100.0%." in chart.description
    assert "Highest" in chart.texts()
    html = response.text
    assert 'role="img"' in html
    assert 'aria-labelledby="herringbone-title herringbone-desc"' in html
    assert "Meets the national threshold for considering a penalty notice" in html
    assert "Persistent absence" in html
    assert "Severe absence</strong>" not in html


def test_pupil_page_lists_codes_recent_marks_and_carers(lead, school, cohort):
    ivy = cohort["ill"]
    PupilCarerFactory(pupil=ivy, carer__forename="Grace", carer__surname="Ill")
    with frozen():
        response = signed_in_client(lead).get(reverse("attendance:pupil_attendance", args=[ivy.pk]))
    page = response.context["page"]
    assert {(c.code, c.sessions) for c in page.codes} == {("/", 48), ("\\", 48), ("I", 24)}
    assert page.recent[0].date == AS_AT
    assert page.recent[-1].am.code == "I"  # Monday 11 November, ten days back
    assert "Illness" in response.text
    assert "Grace Ill" in response.text
    assert "Meets the national threshold" not in response.text
    assert "No brothers or sisters recorded." in response.text


def test_siblings_elsewhere_are_counted_but_not_named(lead, school):
    other = SchoolFactory(local_authority=school.local_authority)
    amara = pupil(school, "Amara Okafor")
    visible = pupil(school, "Kemi Okafor", year_group="3")
    hidden = pupil(other, "Tobi Okafor", year_group="9")
    mother = CarerFactory()
    for child in (amara, visible, hidden):
        PupilCarerFactory(pupil=child, carer=mother)
    load(
        [register(amara, school), register(visible, school, ill_mondays), register(hidden, other)],
        [school, other],
    )

    with frozen():
        as_lead = signed_in_client(lead).get(
            reverse("attendance:pupil_attendance", args=[amara.pk])
        )
    siblings = as_lead.context["page"].siblings
    assert [s.pupil.display_name for s in siblings.visible] == ["Kemi Okafor"]
    assert siblings.visible[0].places[0].attendance_rate == 80.0
    assert siblings.hidden == 1
    assert "Tobi" not in as_lead.text
    assert "1 more brother or sister at a school you cannot see" in as_lead.text
    assert "80.0%" in as_lead.text

    officer = UserFactory(la_user=True, local_authority=school.local_authority)
    with frozen():
        as_la = signed_in_client(officer).get(
            reverse("attendance:pupil_attendance", args=[amara.pk])
        )
    assert as_la.context["page"].siblings.hidden == 0
    assert "Tobi Okafor" in as_la.text


def test_a_pupil_at_another_school_is_not_found(lead, school):
    stranger = PupilFactory(school=SchoolFactory(local_authority=school.local_authority))
    with frozen():
        response = signed_in_client(lead).get(
            reverse("attendance:pupil_attendance", args=[stranger.pk])
        )
    assert response.status_code == 404


def test_a_pupil_with_no_marks_yet(lead, school):
    newcomer = PupilFactory(school=school)
    with frozen():
        response = signed_in_client(lead).get(
            reverse("attendance:pupil_attendance", args=[newcomer.pk])
        )
    assert response.status_code == 200
    assert "No sessions yet" in response.text
    assert "No register marks yet." in response.text


def test_pages_link_to_each_other(lead, school, cohort):
    client = signed_in_client(lead)
    home = client.get(reverse("home"))
    assert reverse("attendance:school_dashboard", args=[school.pk]) in home.text
    detail = client.get(reverse("cases:pupil_detail", args=[cohort["ill"].pk]))
    assert reverse("attendance:pupil_attendance", args=[cohort["ill"].pk]) in detail.text


# Query counts -----------------------------------------------------------------


@pytest.mark.parametrize("pupils", [1, 60])
def test_dashboard_queries_do_not_grow_with_pupils(
    lead, school, pupils, django_assert_max_num_queries
):
    batch = PupilFactory.create_batch(pupils, school=school)
    load([register(p, school, fridays_pm) for p in batch], [school])
    client = signed_in_client(lead)
    # Each of the three lists costs a count and a page of rows.
    with django_assert_max_num_queries(16):
        response = client.get(reverse("attendance:school_dashboard", args=[school.pk]))
    assert response.context["page"].threshold.paginator.count == pupils


def test_dashboard_lists_page_through_a_large_school_each_on_its_own(lead, school):
    """60 pupils missing every Friday afternoon all meet the threshold and are
    persistently absent: 25 a page, and paging one list leaves the others."""
    batch = PupilFactory.create_batch(60, school=school)
    load([register(p, school, fridays_pm) for p in batch], [school])
    client = signed_in_client(lead)
    url = reverse("attendance:school_dashboard", args=[school.pk])

    first = client.get(url)
    assert "Meeting the national threshold (60)" in first.text
    assert "Showing 1 to 25 of 60" in first.text
    assert 'href="?threshold_page=2#threshold-heading"' in first.text
    assert 'href="?persistent_page=3#persistent-heading"' in first.text
    assert len(first.context["page"].threshold) == 25

    third = client.get(url, {"threshold_page": "3", "year_group": batch[0].year_group})
    page = third.context["page"]
    assert (page.threshold.number, len(page.threshold)) == (3, 10)
    assert page.persistent.number == 1
    # The filter is kept when moving between pages.
    assert f"?threshold_page=2&amp;year_group={batch[0].year_group}#threshold-heading" in third.text
    pages = [client.get(url, {"threshold_page": n}).context["page"].threshold for n in (1, 2, 3)]
    assert sorted(r.pupil_id for page in pages for r in page) == sorted(p.pk for p in batch)

    # A forged page number shows a page, not an error.
    assert client.get(url, {"severe_page": "x"}).status_code == 200
    assert client.get(url, {"threshold_page": "999"}).context["page"].threshold.number == 3


@pytest.mark.parametrize(("siblings", "until"), [(1, dt.date(2024, 9, 6)), (8, AS_AT)])
def test_pupil_page_queries_do_not_grow_with_marks_or_siblings(
    lead, school, siblings, until, django_assert_max_num_queries
):
    child = PupilFactory(school=school)
    carer = CarerFactory()
    PupilCarerFactory(pupil=child, carer=carer)
    # Half at this school, half at schools the lead cannot see.
    others = [
        PupilFactory(school=school if n % 2 == 0 else SchoolFactory()) for n in range(siblings)
    ]
    for other in others:
        PupilCarerFactory(pupil=other, carer=carer)
    load([register(child, school, fridays_pm, until=until)], [school])
    client = signed_in_client(lead)
    with frozen(), django_assert_max_num_queries(15):
        response = client.get(reverse("attendance:pupil_attendance", args=[child.pk]))
    assert response.status_code == 200
    shown = response.context["page"].siblings
    assert (len(shown.visible), shown.hidden) == ((siblings + 1) // 2, siblings // 2)


@pytest.mark.parametrize("schools", [1, 10])
def test_la_overview_queries_do_not_grow_with_schools(
    school, schools, django_assert_max_num_queries
):
    extra = SchoolFactory.create_batch(schools - 1, local_authority=school.local_authority)
    all_schools = [school, *extra]
    load([register(PupilFactory(school=s), s) for s in all_schools], all_schools)
    client = signed_in_client(UserFactory(la_user=True, local_authority=school.local_authority))
    # 7: one is the officer's second-factor device, checked on every page.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("attendance:la_overview"))
    assert len(response.context["page"].rows) == schools


# Charts and filters -------------------------------------------------------------


def test_herringbone_chart_marks_every_tied_highest_session_in_words():
    pattern = {(d, s): PatternCell(10, 0, 0) for d in range(5) for s in ("AM", "PM")}
    pattern[(0, "AM")] = PatternCell(10, 3, 1)
    pattern[(4, "PM")] = PatternCell(10, 3, 3)
    rows = charts.herringbone_rows(pattern)
    assert [r.label for r in rows if r.highest] == ["Monday AM", "Friday PM"]
    chart = charts.herringbone_chart(pattern)
    assert chart.texts().count("Highest") == 2
    assert chart.texts().count("30.0%") == 2
    svg = chart.svg()
    assert svg.startswith("<svg")
    assert 'width="100%"' in svg
    assert 'fill="url(#herringbone-hatch)"' in svg  # unauthorised: striped, not just red


def test_herringbone_chart_with_no_sessions_marks_nothing():
    chart = charts.herringbone_chart({})
    assert "Highest" not in chart.texts()
    assert "No sessions recorded yet." in chart.description


def test_weekly_trend_chart_labels_points_and_escapes_text():
    weeks = [WeekTotal(FIRST_DAY + dt.timedelta(weeks=n), 100, 90 + n % 5) for n in range(28)]
    chart = charts.weekly_trend_chart(weeks, subject="<b>St Mary's</b>")
    values = [t for t in chart.texts() if t.endswith("%") and "." in t]
    # Too many weeks to label each: the first, the latest, the lowest, the highest.
    assert sorted(values) == ["90.0%", "92.0%", "94.0%"]
    svg = chart.svg()
    assert "<b>" not in svg
    assert "&lt;b&gt;St Mary&#x27;s&lt;/b&gt;" in svg
    assert "Week commencing" in chart.texts()

    # Half term (no week commencing 16 September): the line breaks there.
    gap = charts.weekly_trend_chart([weeks[0], weeks[1], weeks[3], weeks[4]])
    lines = [shape for shape in gap.shapes if isinstance(shape, charts.Polyline)]
    assert len(lines) == 2
    assert (
        lines[1].points[0][0] - lines[0].points[-1][0]
        > 2 * (lines[0].points[1][0] - lines[0].points[0][0]) - 1
    )

    few = charts.weekly_trend_chart(weeks[:5])
    assert len([t for t in few.texts() if t.endswith("%") and "." in t]) == 5
    single = charts.weekly_trend_chart(weeks[:1])
    assert "1 school week from" in single.description
    assert "No school weeks" in charts.weekly_trend_chart([]).description


def test_percent_filter_shows_one_decimal_place_or_says_there_is_no_figure():
    assert percent(12.345) == "12.3%"
    assert percent(100.0) == "100.0%"
    assert percent(0.0) == "0.0%"
    assert percent(None) == "\u2013"
    assert percent(None, "No sessions yet") == "No sessions yet"


def test_year_group_filter():
    assert [year_group(v) for v in ("R", "5", "", "N2")] == [
        "Reception",
        "Year 5",
        "Not known",
        "Nursery 2",
    ]


def test_dsl_and_school_staff_can_view_the_pages(school, cohort):
    for role in (Role.DSL, Role.SCHOOL_STAFF):
        client = signed_in_client(UserFactory(role=role, school=school))
        assert (
            client.get(reverse("attendance:school_dashboard", args=[school.pk])).status_code == 200
        )
