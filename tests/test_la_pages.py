"""The LA's pages cost the same however large the LA (issue 15): the caseload
reads its page's rows alone, the overview reads the summaries the figures
refresh stored, and those summaries are what the pupils' figures add up to."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import Role
from attendance.models import PupilFigures, SchoolFigures
from attendance.selectors import _summaries, la_overview
from cases.models import PartTimeTimetable
from cases.selectors_cases import caseload, caseload_page

from .conftest import signed_in_client
from .factories import (
    ActionPlanFactory,
    AttendanceCaseFactory,
    EnrolmentFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)
from .test_attendance_pages import (
    early_week_n,
    fridays_pm,
    ill_mondays,
    load,
    pupil,
    register,
)
from .test_referrals import quick_referral

pytestmark = pytest.mark.django_db

# Before any case's first contact falls due (a fortnight after it opened).
DAY = dt.date(2025, 9, 20)


def _la_cases(la, count):
    schools = [SchoolFactory(local_authority=la) for _ in range(3)]
    made = []
    for n in range(count):
        case = AttendanceCaseFactory(school=schools[n % 3])
        if n % 4 == 0:
            # A plan whose review is overdue puts the case near the top.
            ActionPlanFactory(case=case, next_review_due=DAY - dt.timedelta(days=n % 7 + 1))
        made.append(case)
    return made


@pytest.mark.parametrize("cases", [3, 60])
def test_the_la_caseload_reads_a_fixed_number_of_queries_and_shows_the_count(
    cases, django_assert_max_num_queries
):
    officer = UserFactory(la_user=True)
    _la_cases(officer.local_authority, cases)
    client = signed_in_client(officer)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("cases:caseload"))
    shown = min(cases, 50)
    assert f"Showing 1 to {shown} of {cases} cases" in response.text
    assert len(response.context["page"].object_list) == shown


def test_each_page_of_the_caseload_is_that_part_of_the_whole_caseload_in_order():
    officer = UserFactory(la_user=True)
    made = _la_cases(officer.local_authority, 23)
    whole = [row.case.pk for row in caseload(user=officer, day=DAY)]
    assert sorted(whole) == sorted(c.pk for c in made)
    pages = [caseload_page(user=officer, page_number=n, per_page=10, day=DAY) for n in (1, 2, 3)]
    assert [[row.case.pk for row in page] for page in pages] == [
        whole[:10],
        whole[10:20],
        whole[20:],
    ]
    # The overdue plan reviews (every fourth case) come first.
    overdue = {c.pk for n, c in enumerate(made) if n % 4 == 0}
    assert set(whole[: len(overdue)]) == overdue
    assert all(row.plan_review_overdue for row in pages[0][: len(overdue)])


def test_the_caseload_keeps_to_the_users_scope():
    officer = UserFactory(la_user=True)
    _la_cases(officer.local_authority, 4)
    other_la = _la_cases(UserFactory(la_user=True).local_authority, 2)
    page = caseload_page(user=officer, day=DAY)
    assert page.paginator.count == 4
    assert not {c.pk for c in other_la} & {row.case.pk for row in page}
    lead = other_la[0].lead_professional
    assert [row.case.pk for row in caseload_page(user=lead, day=DAY)] == [other_la[0].pk]


@pytest.fixture
def two_schools():
    first = SchoolFactory()
    second = SchoolFactory(local_authority=first.local_authority)
    cohort = [
        pupil(first, "Rosie Regular"),
        pupil(first, "Freddie Friday"),
        pupil(first, "Sam Severe"),
        pupil(second, "Ivy Ill"),
        pupil(second, "Lee Left"),
    ]
    codes = [None, fridays_pm, early_week_n, ill_mondays, early_week_n]
    load(
        [
            register(p, p.enrolments.get().school, code) if code else register(p, first)
            for p, code in zip(cohort, codes, strict=True)
        ],
        [first, second],
    )
    # Lee left the second school: the sessions count, the pupil no longer does.
    enrolment = cohort[-1].enrolments.get()
    enrolment.end = dt.date(2024, 10, 18)
    enrolment.save()
    load([], [first, second])
    return first, second


def test_the_stored_summaries_are_what_the_pupils_figures_add_up_to(two_schools):
    officer = UserFactory(la_user=True, local_authority=two_schools[0].local_authority)
    live = _summaries(PupilFigures.objects.for_user(officer))
    stored = {s.school.pk: s for s in la_overview(user=officer)}
    assert set(live) == {s.pk for s in two_schools}
    for school_id, totals in live.items():
        summary = stored[school_id]
        assert (
            summary.pupils,
            summary.possible,
            summary.attended,
            summary.persistent,
            summary.severe,
            summary.threshold,
            summary.missing_marks,
        ) == (
            totals["pupils"],
            totals["possible"],
            totals["attended"],
            totals["persistent"],
            totals["severe"],
            totals["threshold"],
            totals["missing"],
        )
    second = stored[two_schools[1].pk]
    assert second.pupils == 1
    assert second.severe == 0  # Lee, in severe absence, has left.
    assert second.possible > 120  # and Lee's sessions still count


def test_the_migration_stores_the_same_summaries_as_the_refresh(two_schools):
    by_refresh = list(
        SchoolFigures.unscoped.order_by("school_id").values(
            "school_id",
            "as_at",
            "pupils",
            "possible_sessions",
            "attended_sessions",
            "persistent_absence",
            "severe_absence",
            "national_threshold_met",
            "missing_marks",
        )
    )
    SchoolFigures.unscoped.all().delete()
    migration = importlib.import_module("attendance.migrations.0006_school_figures")
    migration._from_stored_figures(apps, None)
    by_migration = list(SchoolFigures.unscoped.order_by("school_id").values(*by_refresh[0].keys()))
    assert by_migration == by_refresh


def test_the_overview_shows_a_school_with_no_figures_yet_as_empty(two_schools):
    empty = SchoolFactory(local_authority=two_schools[0].local_authority, name="New School")
    EnrolmentFactory(school=empty)
    manager = UserFactory(la_user=True, role=Role.LA_MANAGER, local_authority=empty.local_authority)
    response = signed_in_client(manager).get(reverse("attendance:la_overview"))
    row = next(r for r in response.context["page"].rows if r.name == "New School")
    assert (row.pupils, row.possible, row.attendance_rate) == (0, 0, None)
    assert response.context["page"].total.pupils == 4


# The LA's lists that grow, 25 to a page with the count shown ----------------------


@pytest.mark.parametrize("referrals", [2, 27])
def test_the_inbox_pages_through_the_referrals_in_a_fixed_number_of_queries(
    referrals, django_assert_max_num_queries
):
    officer = UserFactory(la_user=True)
    school = SchoolFactory(local_authority=officer.local_authority)
    made = [
        quick_referral(school, dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC) + dt.timedelta(hours=n))
        for n in range(referrals)
    ]
    client = signed_in_client(officer)
    url = reverse("notices:inbox")
    with django_assert_max_num_queries(9):
        first = client.get(url)
    shown = min(referrals, 25)
    assert f"Showing 1 to {shown} of {referrals} referrals" in first.text
    listed = [r.pk for r in first.context["referrals"]]
    if referrals > 25:
        assert 'href="?page=2"' in first.text
        second = client.get(url, {"page": "2"})
        assert "Showing 26 to 27 of 27 referrals" in second.text
        listed += [r.pk for r in second.context["referrals"]]
    # Oldest first, each once.
    assert listed == [r.pk for r in made]


@pytest.mark.parametrize("timetables", [2, 27])
def test_the_timetables_page_through_in_a_fixed_number_of_queries(
    timetables, django_assert_max_num_queries
):
    officer = UserFactory(la_user=True)
    school = SchoolFactory(local_authority=officer.local_authority)
    author = UserFactory(school=school)
    for _ in range(timetables):
        PartTimeTimetable.unscoped.create(
            pupil=PupilFactory(school=school),
            school=school,
            reason="Medical",
            agreed_hours="Afternoons",
            start=dt.date(2025, 10, 6),
            planned_end=dt.date(2025, 10, 31),
            next_review_due=dt.date(2025, 10, 20),
            created_by=author,
        )
    client = signed_in_client(officer)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("cases:timetables"))
    shown = min(timetables, 25)
    assert f"Showing 1 to {shown} of {timetables} timetables" in response.text
    assert response.text.count('<th scope="row"') == shown
    # The summary counts every timetable, not only the page's.
    assert f"Reviews overdue: <strong>{timetables}</strong>" in response.text
