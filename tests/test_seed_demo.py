"""`manage.py seed_demo`: a demo authority anyone can sign in to, the same on every run."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.db.models import CharField, TextField
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import LocalAuthority, Role, School, User
from attendance import codes
from attendance import figures as fig
from attendance.models import MarkChange, RegisterYear, SchoolClosure, SchoolTerm, SchoolYearDays
from attendance.reports import attendance_between
from attendance.services.calendars import calendars_for
from attendance.years import date_at, year_start
from cases import flags
from cases.flags import PlanState, plan_state
from cases.models import (
    ActionPlan,
    ActionProgress,
    AttendanceCase,
    Barrier,
    CaseShare,
    Contact,
    EngagementAssessment,
    PartTimeTimetable,
    PlanAction,
    PlanReview,
    ReasonableAdjustment,
    SupportMeeting,
    SupportOffer,
    WishesAndFeelings,
)
from cases.selectors_cases import case_file, caseload
from core.language import discouraged_terms
from core.models import AuditEvent
from demo.calendars import easter_sunday, half_terms
from notices.models import LegalReferral, NoticeToImprove
from notices.selectors import notices_in_review
from pathway.models import PathwayEvaluation
from pupils.models import Carer, Enrolment, Pupil, PupilCarer
from pupils.upn import upn_problem

pytestmark = pytest.mark.django_db

SMALL = "20"  # pupils per school: enough for families, movers and siblings, and quick
TODAY = dt.date(2026, 11, 20)  # a Friday in the autumn term
LAST_REGISTER_DAY = dt.date(2026, 11, 19)
# The stages a case reaches through Support First (a Notice to Improve rests on it).
PAST_SUPPORT_FIRST = ("support_first", "notice_to_improve")


def travel(day: dt.date) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC), tick=False)


@pytest.fixture(autouse=True)
def _autumn_term() -> Iterator[None]:
    # Dates of birth follow the academic year containing today; registers run to yesterday.
    with travel(TODAY):
        yield


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    match = re.search(r"^Every account's password is (\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def pupils_and_names() -> set[tuple[str, str, str, dt.date]]:
    return set(
        Pupil.unscoped.values_list("upn", "legal_forename", "legal_surname", "date_of_birth")
    )


def counts() -> dict[str, int]:
    return {
        "authorities": LocalAuthority.objects.count(),
        "schools": School.objects.count(),
        "users": User.objects.count(),
        "pupils": Pupil.unscoped.count(),
        "enrolments": Enrolment.unscoped.count(),
        "carers": Carer.unscoped.count(),
        "links": PupilCarer.unscoped.count(),
        "registers": RegisterYear.unscoped.count(),
        "mark changes": MarkChange.unscoped.count(),
        "terms": SchoolTerm.unscoped.count(),
        "closures": SchoolClosure.unscoped.count(),
        "school days": SchoolYearDays.unscoped.count(),
    }


def all_marks() -> dict[tuple[str, str, int], str]:
    return {
        (pupil, school, year): marks
        for pupil, school, year, marks in RegisterYear.unscoped.values_list(
            "pupil__upn", "school__urn", "academic_year", "marks"
        )
    }


def figures_as_at(as_at: dt.date) -> dict[str, fig.Figures]:
    """Every demo pupil's figures, as the product computes them (rules A2 and A3)."""
    year = as_at.year if as_at.month >= 9 else as_at.year - 1
    registers = defaultdict(list)
    for pupil, school, academic_year, marks in RegisterYear.unscoped.values_list(
        "pupil__upn", "school_id", "academic_year", "marks"
    ):
        registers[pupil].append(fig.Register(school, academic_year, marks))
    spans = defaultdict(list)
    for pupil, school, start, end in Enrolment.unscoped.values_list(
        "pupil__upn", "school_id", "start", "end"
    ):
        spans[pupil].append(fig.Span(school, start, end))
    school_ids = list(School.objects.values_list("pk", flat=True))
    context = fig.Context(
        as_at=as_at, calendars=calendars_for(school_ids=school_ids, years={year, year - 1})
    )
    return {
        pupil: fig.pupil_figures(
            upn=pupil, registers=registers[pupil], spans=spans[pupil], context=context
        )
        for pupil in registers
    }


def registers_of(pupil_upn: str) -> list[fig.Register]:
    return [
        fig.Register(school, year, marks)
        for school, year, marks in RegisterYear.unscoped.filter(pupil__upn=pupil_upn).values_list(
            "school_id", "academic_year", "marks"
        )
    ]


def marked_dates(marks: str, year: int, chars: str) -> list[dt.date]:
    return sorted({date_at(year, i) for i, char in enumerate(marks) if char in chars})


def listed_pupils(output: str) -> dict[str, str]:
    """ "Pupils to look at", by UPN: the heading line and its notes as one text."""
    listed: dict[str, str] = {}
    upn_now = None
    section = output.split("Pupils to look at", 1)[1].split("\n\n", 1)[0]
    for line in section.splitlines()[1:]:
        match = re.match(r"^  \S.*UPN (\w+): attendance ([\d.]+)%$", line)
        if match:
            upn_now = match.group(1)
            listed[upn_now] = line
        elif upn_now:
            listed[upn_now] += " " + line.strip()
    return listed


def sibling_groups() -> list[set[int]]:
    """Pupils who share a carer, as the product finds siblings."""
    pupils_of = defaultdict(set)
    for pupil_id, carer_id in PupilCarer.unscoped.values_list("pupil_id", "carer_id"):
        pupils_of[carer_id].add(pupil_id)
    return [pupils for pupils in pupils_of.values() if len(pupils) > 1]


def test_builds_one_authority_with_three_schools_and_a_few_hundred_pupils_with_families():
    output = seed()

    la = LocalAuthority.objects.get()
    assert la.name == "Northmoor Council"
    schools = School.objects.filter(local_authority=la)
    assert {s.phase for s in schools} == {School.Phase.PRIMARY, School.Phase.SECONDARY}
    assert schools.count() == 3
    pupils = list(Pupil.unscoped.all())
    assert 300 <= len(pupils) <= 400
    assert f"{len(pupils)} pupils" in output

    assert all(upn_problem(p.upn) is None for p in pupils)
    assert len({p.upn for p in pupils}) == len(pupils)
    on_roll = Counter(Enrolment.unscoped.filter(end__isnull=True).values_list("pupil", flat=True))
    assert set(on_roll) == {p.pk for p in pupils}
    assert set(on_roll.values()) == {1}

    for pupil in pupils:
        # Reception children turn five during the school year; a Year N child, N + 5.
        age_by_31_august = 2027 - pupil.date_of_birth.year - (pupil.date_of_birth.month >= 9)
        in_school = 0 if pupil.year_group == "R" else int(pupil.year_group)
        assert age_by_31_august == in_school + 5, (pupil, pupil.year_group)

    carers_per_pupil = Counter(PupilCarer.unscoped.values_list("pupil", flat=True))
    assert set(carers_per_pupil.values()) <= {1, 2, 3}
    assert len(carers_per_pupil) == len(pupils)
    assert not Pupil.unscoped.exclude(carer_links__parental_responsibility=True).exists()


def test_families_are_varied_like_a_real_town():
    seed()

    links = PupilCarer.unscoped.all()
    assert {link.relationship for link in links} >= {
        PupilCarer.Relationship.MOTHER,
        PupilCarer.Relationship.FATHER,
        PupilCarer.Relationship.STEP_FATHER,
        PupilCarer.Relationship.GRANDPARENT,
        PupilCarer.Relationship.FOSTER_CARER,
    }
    assert links.filter(parental_responsibility=True, lives_with_pupil=False).exists()
    carers = Carer.unscoped.all()
    assert len({c.preferred_language for c in carers}) >= 5
    assert carers.filter(interpreter_needed=True).exists()
    assert carers.filter(literacy_support_needed=True).exists()
    assert len({c.preferred_contact_method for c in carers}) >= 4
    assert all(re.fullmatch(r"07700 900\d{3}", c.mobile) for c in carers if c.mobile)
    domains = {c.email.rsplit("@", 1)[1] for c in carers if c.email}
    assert domains == {"example.com", "example.org", "example.net"}


def test_every_role_has_an_account_that_signs_in_with_the_printed_password():
    output = seed("--pupils-per-school", SMALL)
    password = printed_password(output)

    users = list(User.objects.all())
    # An attendance lead at each school, to lead its demo cases.
    assert sorted(u.role for u in users) == sorted([*Role.values, *[Role.ATTENDANCE_LEAD] * 2])
    assert set(
        User.objects.filter(role=Role.ATTENDANCE_LEAD).values_list("school__name", flat=True)
    ) == set(School.objects.values_list("name", flat=True))
    for user in users:
        assert user.email in output
        assert Client().login(username=user.email, password=password), user.email
        # The password must be one the product would let someone choose.
        validate_password(password, user)
    admin = User.objects.get(role=Role.SYSTEM_ADMIN)
    assert admin.is_staff
    assert admin.is_superuser
    assert output.rstrip().endswith("Sign in at http://127.0.0.1:8000/sign-in/")


def test_a_school_sees_only_its_own_pupils_and_the_la_sees_every_school():
    seed("--pupils-per-school", SMALL)
    brookfield = User.objects.get(email="lead@brookfield.example.org")
    high_school = User.objects.get(email="lead@northmoor-high.example.org")
    officer = User.objects.get(role=Role.LA_OFFICER)

    brookfield_pupils = set(Pupil.objects.for_user(brookfield))
    high_school_pupils = set(Pupil.objects.for_user(high_school))

    assert brookfield_pupils
    assert high_school_pupils
    assert brookfield_pupils != high_school_pupils
    assert set(Pupil.objects.for_user(officer)) == set(Pupil.unscoped.all())


def test_some_sibling_groups_share_carers_across_two_schools():
    seed("--pupils-per-school", SMALL)
    school_of = dict(
        Enrolment.unscoped.filter(end__isnull=True).values_list("pupil", "school__name")
    )

    across_schools = [g for g in sibling_groups() if len({school_of[p] for p in g}) > 1]

    assert len(across_schools) >= 2


def test_some_pupils_moved_from_one_demo_school_to_another():
    seed("--pupils-per-school", SMALL)

    ended = Enrolment.unscoped.filter(end__isnull=False)
    assert ended.exists()
    for enrolment in ended:
        now = Enrolment.unscoped.get(pupil=enrolment.pupil, end__isnull=True)
        assert now.school != enrolment.school
        assert now.start > enrolment.end


def test_the_sign_in_address_printed_is_the_one_given():
    default = seed("--pupils-per-school", SMALL)
    given = seed("--pupils-per-school", SMALL, "--url", "http://127.0.0.1:8765/")
    again = seed("--pupils-per-school", SMALL, "--url", "http://localhost:8765")

    assert given.rstrip().endswith("\nSign in at http://127.0.0.1:8765/sign-in/")
    assert again.rstrip().endswith("\nSign in at http://localhost:8765/sign-in/")
    # Nothing else in the output changes.
    assert given.rstrip().rsplit("\n", 1)[0] == again.rstrip().rsplit("\n", 1)[0]
    assert default.count("Sign in at ") == given.count("Sign in at ") == 1


def test_an_address_that_is_not_one_is_refused_before_anything_is_built():
    with pytest.raises(CommandError, match="--url must be the address the site is served at"):
        seed("--url", "127.0.0.1:8765")
    assert not User.objects.exists()


def test_make_run_prints_the_address_it_serves():
    planned = subprocess.run(
        ["make", "--dry-run", "run", "HOST=127.0.0.1", "PORT=8765"],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert "manage.py seed_demo --url http://127.0.0.1:8765\n" in planned
    assert "manage.py runserver 127.0.0.1:8765\n" in planned


def test_running_again_changes_nothing_and_prints_the_sign_in_details_again():
    seed("--pupils-per-school", SMALL)
    before, names = counts(), pupils_and_names()

    output = seed("--pupils-per-school", SMALL)

    assert "Demo data is already present" in output
    assert printed_password(output) == "demo-pathway-2026"
    assert all(email in output for email in User.objects.values_list("email", flat=True))
    assert counts() == before
    assert pupils_and_names() == names


def test_reset_rebuilds_exactly_the_same_pupils_even_after_people_have_signed_in():
    seed()
    before, names = counts(), pupils_and_names()
    # A sign-in is in the audit trail, which protects the account from deletion.
    assert Client().login(username="lead@brookfield.example.org", password="demo-pathway-2026")
    User.objects.filter(email="dsl@brookfield.example.org").update(is_active=False)

    output = seed("--reset")

    assert "Built the demo" in output
    assert counts() == before
    assert pupils_and_names() == names
    assert Client().login(username="dsl@brookfield.example.org", password="demo-pathway-2026")


def test_another_seed_builds_other_pupils():
    seed("--pupils-per-school", SMALL)
    names = pupils_and_names()

    seed("--pupils-per-school", SMALL, "--seed", "7", "--reset")

    assert pupils_and_names().isdisjoint(names)


def test_reset_leaves_other_authorities_alone():
    seed("--pupils-per-school", SMALL)
    norfolk = LocalAuthority.objects.create(code="926", name="Norfolk County Council")
    riverside = School.objects.create(
        urn="121000",
        name="Riverside Academy",
        phase=School.Phase.SECONDARY,
        local_authority=norfolk,
        establishment_number="2155",
    )
    pupil = Pupil.unscoped.create(
        upn="D926215520105",
        legal_forename="Alys",
        legal_surname="Pryce",
        date_of_birth=dt.date(2012, 3, 4),
    )
    Enrolment.unscoped.create(pupil=pupil, school=riverside, start=dt.date(2023, 9, 1))
    carer = Carer.unscoped.create(forename="Nia", surname="Pryce")
    PupilCarer.unscoped.create(pupil=pupil, carer=carer, relationship="mother")

    seed("--pupils-per-school", SMALL, "--reset")

    assert Pupil.unscoped.filter(pk=pupil.pk).exists()
    assert Carer.unscoped.filter(pk=carer.pk).exists()
    assert School.objects.filter(pk=riverside.pk).exists()


def test_reset_refuses_to_delete_a_demo_pupil_also_enrolled_outside_the_demo():
    seed("--pupils-per-school", SMALL)
    norfolk = LocalAuthority.objects.create(code="926", name="Norfolk County Council")
    riverside = School.objects.create(
        urn="121000", name="Riverside Academy", phase="secondary", local_authority=norfolk
    )
    moved_away = Pupil.unscoped.first()
    Enrolment.unscoped.create(pupil=moved_away, school=riverside, start=dt.date(2026, 11, 2))
    before, names = counts(), pupils_and_names()

    with pytest.raises(CommandError, match="already in use"):
        seed("--pupils-per-school", SMALL, "--reset")

    assert counts() == before
    assert pupils_and_names() == names


def test_leaves_a_real_authority_with_the_demo_la_number_alone():
    LocalAuthority.objects.create(code="836", name="Borough of Poole")

    with pytest.raises(CommandError, match="Borough of Poole"):
        seed("--pupils-per-school", SMALL)

    assert not School.objects.exists()
    assert not User.objects.exists()


def test_refuses_a_pupil_count_out_of_range():
    with pytest.raises(CommandError, match="between 1 and"):
        seed("--pupils-per-school", "0")


# --- Calendars and registers -------------------------------------------------------------


def test_term_dates_follow_the_english_pattern():
    terms = {t.name: t for t in half_terms(2026)}

    assert terms["Autumn 1"].start == dt.date(2026, 9, 1)
    assert terms["Autumn 1"].end == dt.date(2026, 10, 23)  # half term 26 to 30 October
    assert terms["Autumn 2"].start == dt.date(2026, 11, 2)
    assert terms["Autumn 2"].end == dt.date(2026, 12, 18)
    assert terms["Spring 1"].start == dt.date(2027, 1, 4)
    assert terms["Spring 1"].end == dt.date(2027, 2, 12)  # half term 15 to 19 February
    assert terms["Spring 2"].end == dt.date(2027, 3, 19)  # Easter Sunday is 28 March
    assert terms["Summer 1"].start == dt.date(2027, 4, 5)
    assert terms["Summer 1"].end == dt.date(2027, 5, 28)  # late-May bank holiday week
    assert terms["Summer 2"].end == dt.date(2027, 7, 22)
    assert [easter_sunday(y) for y in (2025, 2026, 2027, 2038)] == [
        dt.date(2025, 4, 20),
        dt.date(2026, 4, 5),
        dt.date(2027, 3, 28),
        dt.date(2038, 4, 25),
    ]


def test_two_schools_have_calendars_and_one_derives_its_school_days_from_its_registers():
    output = seed("--pupils-per-school", SMALL)

    sources = dict(
        SchoolYearDays.unscoped.filter(academic_year=2026).values_list("school__name", "source")
    )
    assert sorted(sources.values()) == ["calendar", "calendar", "registers"]
    (derived,) = [name for name, source in sources.items() if source == "registers"]
    assert f"{derived} has none, so its school days come from its registers." in output
    assert not SchoolTerm.unscoped.filter(school__name=derived).exists()

    insets = {}
    for school in School.objects.exclude(name=derived):
        this_year = SchoolTerm.unscoped.filter(school=school, start__gte=dt.date(2026, 9, 1))
        assert this_year.count() == 6
        # Last year's summer term, so the 10-week window can reach back over the summer.
        assert list(
            SchoolTerm.unscoped.filter(school=school, end__lt=dt.date(2026, 9, 1)).values_list(
                "name", flat=True
            )
        ) == ["Summer 1", "Summer 2"]
        closures = SchoolClosure.unscoped.filter(school=school, date__gte=dt.date(2026, 9, 1))
        insets[school.name] = set(closures.filter(kind="inset").values_list("date", flat=True))
        assert len(insets[school.name]) == 5
        assert closures.filter(kind="bank_holiday", date=dt.date(2027, 5, 3)).exists()
        days = SchoolYearDays.unscoped.get(school=school, academic_year=2026).days
        assert 188 <= days.count("1") <= 192
        assert days[(dt.date(2026, 9, 3) - dt.date(2026, 9, 1)).days] == "1"
    first, second = insets.values()
    assert first != second
    assert dt.date(2026, 9, 2) in first & second  # both start the year with training


def test_every_pupil_has_a_register_for_the_term_with_marks_on_school_days_only():
    seed("--pupils-per-school", SMALL)

    registers = list(RegisterYear.unscoped.select_related("pupil", "school"))
    assert {r.pupil_id for r in registers} == set(Pupil.unscoped.values_list("pk", flat=True))
    # The legal stage's pupils also have the summer term before (demo.legal_registers).
    legal = legal_pupil_ids()
    assert {r.academic_year for r in registers if r.pupil_id not in legal} == {2026}
    assert {r.academic_year for r in registers if r.pupil_id in legal} == {2025, 2026}
    registers = [r for r in registers if r.academic_year == 2026]
    days = {row.school_id: row.days for row in SchoolYearDays.unscoped.filter(academic_year=2026)}
    closures = set(SchoolClosure.unscoped.values_list("school_id", "date"))
    for register in registers:
        assert set(register.marks) <= codes.STORAGE_CHARS
        for i, char in enumerate(register.marks):
            if char == codes.NO_MARK:
                continue
            day = date_at(2026, i)
            assert day <= LAST_REGISTER_DAY, register
            if char == codes.NO_SESSION:
                assert day.weekday() < 5
                if register.school.name != "Elm Tree Academy":
                    assert (register.school_id, day) in closures
            else:
                assert days[register.school_id][(day - year_start(2026)).days] == "1", (
                    register,
                    day,
                )


def test_the_registers_use_the_codes_a_real_term_has():
    seed("--pupils-per-school", SMALL)

    used = Counter()
    not_yet_known = set()
    for year, marks in RegisterYear.unscoped.values_list("academic_year", "marks"):
        used.update(marks)
        not_yet_known.update(marked_dates(marks, year, "N"))
    assert set(used) >= set("/\\LMICVUONG>-#")
    assert used["/"] + used["\\"] > 0.8 * sum(n for char, n in used.items() if char not in "-#")
    # N waits for a reason from home: only on the most recent school days.
    assert not_yet_known
    assert not_yet_known <= {dt.date(2026, 11, 18), LAST_REGISTER_DAY}


def test_figures_show_good_attenders_absence_and_pupils_at_the_national_threshold():
    seed()

    figures = figures_as_at(TODAY)

    rates = [f.attendance_rate for f in figures.values()]
    assert all(rate is not None for rate in rates)
    assert sum(rate >= 96 for rate in rates) >= 0.8 * len(rates)
    persistent = sum(f.persistent_absence for f in figures.values())
    assert 0.05 * len(rates) <= persistent <= 0.2 * len(rates)
    assert 1 <= sum(f.severe_absence for f in figures.values()) <= 5
    threshold = [f for f in figures.values() if f.national_threshold_met]
    assert len(threshold) >= 3
    # One exactly at it, which is what "at the threshold" means on a dashboard.
    assert any(f.unauthorised_last_10_school_weeks == 10 for f in threshold)
    # As at today every pupil lacks today's marks, which have not been sent yet; the gaps
    # planted in the demo show as at the last day in the registers.
    gaps = figures_as_at(LAST_REGISTER_DAY).values()
    assert 2 <= sum(f.missing_marks > 0 for f in gaps) <= 3


def test_a_brother_and_sister_miss_the_same_monday_mornings_and_friday_afternoons():
    seed()

    figures = figures_as_at(TODAY)
    patterned = {}
    for pupil, f in figures.items():
        cells = fig.weekday_pattern(registers_of(pupil), TODAY)
        if f.national_threshold_met and all(
            cells[cell].absent * 2 > cells[cell].possible for cell in ((0, "AM"), (4, "PM"))
        ):
            patterned[pupil] = cells
    siblings = [
        group
        for group in {frozenset(g) for g in sibling_groups()}
        if {p.upn for p in Pupil.unscoped.filter(pk__in=group)} <= set(patterned)
    ]
    assert len(siblings) == 1
    first, second = (
        {
            (date_at(register.academic_year, i), i % 2)
            for register in registers_of(pupil)
            for i, char in enumerate(register.marks)
            if char in codes.UNAUTHORISED_CHARS
        }
        for pupil in Pupil.unscoped.filter(pk__in=siblings[0]).values_list("upn", flat=True)
    )
    # The same sessions, give or take the odd day one of them was off ill anyway.
    assert len(first & second) >= 0.8 * len(first | second)


def test_a_pupil_who_moved_school_mid_term_has_registers_at_both_counted_together():
    seed()

    (mover,) = [
        pupil
        for pupil in Pupil.unscoped.all()
        if RegisterYear.unscoped.filter(pupil=pupil, academic_year=2026).count() == 2
    ]
    left, joined = Enrolment.unscoped.filter(pupil=mover).order_by("start")[
        Enrolment.unscoped.filter(pupil=mover).count() - 2 :
    ]
    assert left.school != joined.school
    assert dt.date(2026, 9, 3) < left.end < joined.start <= LAST_REGISTER_DAY
    assert 7 <= (joined.start - left.end).days <= 10
    registers = {r.school_id: r for r in RegisterYear.unscoped.filter(pupil=mover)}
    assert set(registers) == {left.school_id, joined.school_id}
    assert max(marked_dates(registers[left.school_id].marks, 2026, "/\\")) <= left.end
    assert min(marked_dates(registers[joined.school_id].marks, 2026, "/\\")) >= joined.start

    figures = figures_as_at(TODAY)[mover.upn]
    both = fig.count_marks(registers[left.school_id].marks) + fig.count_marks(
        registers[joined.school_id].marks
    )
    assert figures.possible_sessions == both.possible


def test_the_printed_pupils_to_look_at_are_true_to_the_figures():
    output = seed()

    figures = figures_as_at(LAST_REGISTER_DAY)
    listed = listed_pupils(output)
    assert "Pupils to look at (figures as at Thursday 19 November 2026):" in output
    assert 8 <= len(listed) <= 20
    for pupil, text in listed.items():
        f = figures[pupil]
        assert f"attendance {f.attendance_rate:.1f}%" in text
        match = re.search(r"(at|over) the national threshold: (\d+) unauthorised", text)
        assert bool(match) == f.national_threshold_met, text
        if match:
            assert int(match.group(2)) == f.unauthorised_last_10_school_weeks
            assert (match.group(1) == "at") == (f.unauthorised_last_10_school_weeks == 10)
        assert ("severe absence" in text) == f.severe_absence, text
    notes = " ".join(listed.values())
    for notable in (
        "misses most Monday mornings and Friday afternoons; same pattern as",
        "holiday in term time",
        "part-time timetable",
        "moved school",
        "with no mark",
    ):
        assert notable in notes


def test_running_again_changes_no_registers():
    seed("--pupils-per-school", SMALL)
    before, marks = counts(), all_marks()

    output = seed("--pupils-per-school", SMALL)

    assert "Demo data is already present" in output
    assert "Pupils to look at" in output
    assert counts() == before
    assert all_marks() == marks


def test_reset_rebuilds_the_same_registers_and_calendars():
    seed()
    before, marks = counts(), all_marks()
    terms = set(SchoolTerm.unscoped.values_list("school__urn", "name", "start", "end"))

    seed("--reset")

    assert counts() == before
    assert all_marks() == marks
    assert set(SchoolTerm.unscoped.values_list("school__urn", "name", "start", "end")) == terms


def test_before_the_first_school_day_the_demo_shows_last_years_autumn_term():
    with travel(dt.date(2026, 9, 2)):
        output = seed("--pupils-per-school", SMALL)

    assert "These are 2025/26 registers" in output
    assert "Registers: Wednesday 3 September 2025 to Friday 19 December 2025" in output
    legal = legal_pupil_ids()
    assert set(
        RegisterYear.unscoped.exclude(pupil_id__in=legal).values_list("academic_year", flat=True)
    ) == {2025}
    assert set(
        RegisterYear.unscoped.filter(pupil_id__in=legal).values_list("academic_year", flat=True)
    ) == {2024, 2025}
    on_roll_then = set(
        Enrolment.unscoped.filter(start__lte=dt.date(2025, 12, 19))
        .exclude(end__lt=dt.date(2025, 9, 3))
        .values_list("pupil_id", flat=True)
    )
    assert set(RegisterYear.unscoped.values_list("pupil_id", flat=True)) == on_roll_then
    # This year's calendar is there too, ready for the term about to start.
    assert SchoolTerm.unscoped.filter(name="Autumn 1", start__year=2026).count() == 2
    figures = figures_as_at(dt.date(2025, 12, 19))
    assert sum(f.national_threshold_met for f in figures.values()) >= 3


def test_early_in_the_autumn_the_ten_week_window_reaches_back_into_the_summer_term():
    with travel(dt.date(2026, 9, 15)):
        seed("--pupils-per-school", SMALL)
        figures = figures_as_at(dt.date(2026, 9, 14))

    brookfield = School.objects.get(name="Brookfield Primary School")
    calendars = calendars_for(school_ids=[brookfield.pk], years={2025, 2026})
    context = fig.Context(as_at=dt.date(2026, 9, 14), calendars=calendars)
    start = fig.window_start(context, [fig.Span(brookfield.pk, dt.date(2020, 9, 1), None)])
    # Three school weeks this September (the first of them just Thursday and Friday) and
    # the last seven of the summer term before.
    assert start == dt.date(2026, 6, 8)
    assert all(f.possible_sessions for f in figures.values())


def test_the_dashboards_have_figures_as_soon_as_the_demo_is_built():
    from attendance.models import PupilFigures

    seed("--pupils-per-school", SMALL)

    rows = PupilFigures.unscoped.filter(on_roll=True)
    assert (
        rows.values("pupil").distinct().count()
        == Pupil.unscoped.filter(enrolments__end__isnull=True).distinct().count()
    )
    assert rows.filter(national_threshold_met=True).exists()
    # As at the last day with registers, as the nightly job after it would be.
    assert len(set(rows.values_list("as_at", flat=True))) == 1


# --- Cases -------------------------------------------------------------------------------


def legal_case_ids() -> set[int]:
    """The legal stage's own cases (demo.legal_cases, tests/test_demo_legal.py),
    which start in the term before; the other cases are the Support First demo's."""
    return set(LegalReferral.unscoped.values_list("case_id", flat=True))


def legal_pupil_ids() -> set[int]:
    return set(LegalReferral.unscoped.values_list("case__pupil_id", flat=True))


def la_reader() -> User:
    return User.objects.get(email="officer@northmoor-council.example.org")


def every_file_reader() -> User:
    return User.objects.get(email="admin@pathway.example.com")


def plan_states(day: dt.date) -> dict[int, PlanState]:
    """Each plan's flags by case, as the case page computes them."""
    states = {}
    for plan in ActionPlan.unscoped.all():
        reviews = list(PlanReview.unscoped.filter(plan=plan).order_by("reviewed_on", "pk"))
        states[plan.case_id] = plan_state(
            next_review_due=plan.next_review_due,
            reviews=reviews,
            progress_by_review={
                r.pk: list(ActionProgress.unscoped.filter(review=r)) for r in reviews
            },
            today=day,
        )
    return states


def printed_cases(output: str) -> dict[str, str]:
    """ "Cases to look at", by pupil: the heading line and its notes as one text."""
    assert f"Cases to look at (as at {TODAY:%A} {TODAY.day} {TODAY:%B %Y}):" in output
    section = output.split("Cases to look at", 1)[1].split("\n\n", 1)[0]
    listed: dict[str, str] = {}
    pupil = None
    for line in section.splitlines()[1:]:
        match = re.match(r"^  (\S.*?), (.+?): (.+)$", line)
        if match:
            pupil = match.group(1)
            listed[pupil] = line.strip()
        elif pupil:
            listed[pupil] += " " + line.strip()
    return listed


def cases_snapshot() -> list[tuple]:
    """What identifies the demo's cases and their histories, free of primary keys."""
    return sorted(
        (
            case.pupil.upn,
            case.school.urn,
            case.stage,
            case.status,
            case.lead_professional.email,
            case.opened_at,
            case.closed_at,
            tuple(
                SupportMeeting.unscoped.filter(case=case)
                .order_by("sequence")
                .values_list("sequence", "scheduled_for", "held_on", "outcome")
            ),
            tuple(
                Contact.unscoped.filter(case=case)
                .order_by("occurred_at", "method")
                .values_list("occurred_at", "method", "reached", "notes")
            ),
            tuple(
                SupportOffer.unscoped.filter(case=case)
                .order_by("offered_on", "what")
                .values_list("offered_on", "outcome", "outcome_on")
            ),
            tuple(
                PlanReview.unscoped.filter(plan__case=case)
                .order_by("reviewed_on")
                .values_list("reviewed_on", "attendance_since", "next_review_due")
            ),
            tuple(
                PartTimeTimetable.unscoped.filter(case=case).values_list(
                    "start", "planned_end", "agreed_hours"
                )
            ),
        )
        for case in AttendanceCase.unscoped.select_related("pupil", "school", "lead_professional")
    )


def case_record_counts() -> Counter:
    return Counter(
        {
            model.__name__: model.unscoped.count()
            for model in (
                AttendanceCase,
                Contact,
                SupportMeeting,
                WishesAndFeelings,
                Barrier,
                ReasonableAdjustment,
                SupportOffer,
                EngagementAssessment,
                ActionPlan,
                PlanAction,
                PlanReview,
                ActionProgress,
                PartTimeTimetable,
            )
        }
    )


def test_the_demo_has_cases_at_every_stage_with_a_living_case_file():
    output = seed()

    # The legal stage's cases have their own tests (tests/test_demo_legal.py).
    legal = legal_case_ids()
    assert len(legal) == 4
    cases = list(
        AttendanceCase.unscoped.exclude(pk__in=legal).select_related(
            "pupil", "school", "lead_professional"
        )
    )
    stages = Counter(case.stage for case in cases)
    assert 1 <= stages["universal"] <= 2
    assert 3 <= stages["targeted"] <= 4  # the severely absent, and the part-time timetable
    # One of the Support First cases has gone on to a Notice to Improve (demo.legal).
    assert 3 <= stages["support_first"] + stages["notice_to_improve"] <= 4
    assert stages["notice_to_improve"] == 1
    assert stages["closed"] == 1
    for case in cases:
        # The lead professional is the school's attendance lead or DSL.
        assert case.lead_professional.school_id == case.school_id
        assert case.lead_professional.role in (Role.ATTENDANCE_LEAD, Role.DSL)
        assert Enrolment.unscoped.filter(
            pupil=case.pupil, school=case.school, start__lte=case.opened_at.date(), end__isnull=True
        ).exists()

    rows = {
        row.case.pk: row
        for row in caseload(user=la_reader(), day=TODAY)
        if row.case.pk not in legal
    }
    # Need to know: the LA's officer lists every case, and opens the files of
    # the referred cases, the holiday requests' and the one the school shared.
    opened = set(AttendanceCase.objects.for_user(la_reader()).values_list("pk", flat=True))
    assert set(legal) <= opened
    assert opened == set(
        CaseShare.unscoped.filter(revoked_at__isnull=True).values_list("case_id", flat=True)
    )
    by_school = CaseShare.unscoped.get(kind=CaseShare.Kind.SCHOOL)
    assert rows[by_school.case_id].file_open
    assert rows[by_school.case_id].case.stage in PAST_SUPPORT_FIRST
    assert any(not r.file_open for r in rows.values())
    support_first = [r for r in rows.values() if r.case.stage in PAST_SUPPORT_FIRST]
    assert sorted(r.meetings_held for r in support_first)[-3:] == [2, 2, 3]
    assert min(r.meetings_held for r in support_first) == 1
    assert any(r.meetings_held == 3 and r.minimum_meetings == 3 for r in support_first)
    assert any(r.contact_overdue for r in rows.values())
    assert any(not r.contact_overdue for r in support_first)
    assert any(r.plan_review_overdue for r in rows.values())
    states = {pk: state for pk, state in plan_states(TODAY).items() if pk not in legal}
    assert sum(state.stalled for state in states.values()) == 1
    # A fourth meeting is booked for after today.
    assert SupportMeeting.unscoped.filter(sequence=4, held_on__isnull=True).get().scheduled_for > (
        dt.datetime.combine(TODAY, dt.time(23, 59), tzinfo=dt.UTC)
    )

    offers = defaultdict(list)
    for offer in SupportOffer.unscoped.exclude(case_id__in=legal):
        offers[offer.case_id].append(offer.outcome)
    exhausted = [
        case_id
        for case_id, outcomes in offers.items()
        if all(o in SupportOffer.EXHAUSTED for o in outcomes)
    ]
    assert len(exhausted) == 1
    assert rows[exhausted[0]].meetings_held == 3
    assert {o for outcomes in offers.values() for o in outcomes} == set(SupportOffer.Outcome.values)
    latest = {}
    for assessment in EngagementAssessment.unscoped.exclude(case_id__in=legal).order_by(
        "assessed_on", "pk"
    ):
        latest[assessment.case_id] = assessment.level
    assert latest[exhausted[0]] == EngagementAssessment.Level.NOT_ENGAGING
    assert set(latest.values()) == set(EngagementAssessment.Level.values)

    # Held meetings invite those who get the school's letters, with an interpreter if needed.
    for meeting in SupportMeeting.unscoped.prefetch_related("invited__carer"):
        invited = list(meeting.invited.all())
        assert invited
        assert all(link.receives_correspondence for link in invited) or len(invited) == 1
        assert meeting.interpreter == any(link.carer.interpreter_needed for link in invited)
        if meeting.held_on:
            assert meeting.held_on <= TODAY
            assert flags.meeting_is_held(meeting, TODAY, invited_count=len(invited))

    # A SMART plan per Support First case, an action for every barrier, reviews with the
    # attendance since the previous one taken from the registers.
    for case in cases:
        if case.stage not in PAST_SUPPORT_FIRST:
            continue
        plan = ActionPlan.unscoped.get(case=case)
        assert plan.target_attendance == 95
        barriers = set(Barrier.unscoped.filter(case=case).values_list("pk", flat=True))
        assert barriers
        assert barriers == set(plan.actions.values_list("barrier_id", flat=True))
    reviews = list(PlanReview.unscoped.select_related("plan__case"))
    assert len(reviews) >= 3
    for review in reviews:
        since = review.attendance_since
        counts = attendance_between(
            pupil_id=review.plan.case.pupil_id,
            first=dt.date.fromisoformat(since["from"]),
            last=dt.date.fromisoformat(since["to"]),
        )
        assert (since["attended"], since["possible"]) == (counts.attended, counts.possible)
        assert since["to"] == review.reviewed_on.isoformat()
        assert since["rate"] == pytest.approx(fig.rate(counts.attended, counts.possible))

    # The pupil's voice in their own words, with the herringbone's patterns.
    voices = list(WishesAndFeelings.unscoped.all())
    assert len(voices) >= 5
    assert any("Friday afternoons are PE and I hate getting changed" in v.why_hard for v in voices)
    assert any("Fridays" in v.patterns_discussed for v in voices)
    assert any("Monday mornings" in v.patterns_discussed for v in voices)
    assert ReasonableAdjustment.unscoped.filter(description__icontains="medical room").exists()
    assert ReasonableAdjustment.unscoped.filter(description__icontains="uniform bank").exists()

    # First-day response: calls on a day the register shows the pupil absent.
    first_day = Contact.unscoped.filter(absence_date__isnull=False).select_related("case")
    assert first_day.filter(case__stage="targeted").values("case").distinct().count() >= 2
    assert {c.method for c in first_day} >= {"phone", "text", "home_visit"}
    assert first_day.filter(reached=False).exists()
    assert first_day.filter(reached=True).exclude(reason_established="").exists()
    marks = all_marks()
    for contact in first_day:
        school = contact.school
        register = marks[(contact.pupil.upn, school.urn, 2026)]
        day = 2 * (contact.absence_date - dt.date(2026, 9, 1)).days
        assert set(register[day : day + 2]) & set(codes.ABSENCE_CHARS), contact
        # Called once the register of the session missed was taken.
        if register[day] not in codes.ABSENCE_CHARS:
            assert timezone.localtime(contact.occurred_at).hour >= 12, contact

    # Records carry their own dates, not the day the demo was built.
    assert not Contact.unscoped.filter(created_at__date=TODAY).exists()
    assert not Barrier.unscoped.filter(created_at__date=TODAY).exists()
    for contact in Contact.unscoped.all():
        assert contact.created_at.date() == contact.occurred_at.date()
        assert contact.occurred_at.date() < TODAY
    for plan in ActionPlan.unscoped.select_related("case"):
        # Written at the first meeting, by the lead professional.
        first_meeting = SupportMeeting.unscoped.get(case=plan.case, sequence=1)
        assert timezone.localdate(plan.created_at) == first_meeting.held_on
        assert plan.created_by == plan.case.lead_professional

    # No discouraged terms (rule A6) in any of the demo's free text.
    texts = [
        getattr(record, f.name)
        for model in (
            AttendanceCase,
            Contact,
            SupportMeeting,
            WishesAndFeelings,
            Barrier,
            ReasonableAdjustment,
            SupportOffer,
            EngagementAssessment,
            PlanAction,
            PlanReview,
            ActionProgress,
            PartTimeTimetable,
        )
        for record in model.unscoped.all()
        for f in model._meta.concrete_fields
        if isinstance(f, CharField | TextField)
    ]
    assert len(texts) > 500
    assert discouraged_terms(*texts) == []

    listed = printed_cases(output)
    assert len(listed) == len(cases) + len(legal)
    for case in cases:
        assert (
            f"{case.pupil.display_name}, {case.school.name}: {case.get_stage_display()}"
            in (listed[case.pupil.display_name])
        )
    notes = " ".join(listed.values())
    for notable in (
        "3 of 3 meetings held, support exhausted, parents not engaging",
        "plan review overdue",
        "contact overdue",
        "stalled plan: same actions, no progress",
        "sibling case at Northmoor High School",
        "part-time timetable",
        "closed on",
    ):
        assert notable in notes
    # The printed flags are the case page's.
    for case in cases:
        text, row = listed[case.pupil.display_name], rows.get(case.pk)
        if row is None:
            continue
        assert (f"{row.meetings_held} of 3 meetings held" in text) == bool(
            case.stage in PAST_SUPPORT_FIRST
        )
        assert ("contact overdue" in text) == row.contact_overdue
        assert ("plan review overdue" in text) == row.plan_review_overdue
        assert ("stalled plan" in text) == (case.pk in states and states[case.pk].stalled)


def test_the_brother_and_sister_have_linked_cases_at_two_schools():
    output = seed()

    pair = [
        case
        for case in AttendanceCase.unscoped.filter(stage__in=PAST_SUPPORT_FIRST).select_related(
            "school"
        )
        if AttendanceCase.unscoped.filter(
            stage__in=PAST_SUPPORT_FIRST,
            pupil__carer_links__carer__in=Carer.unscoped.filter(pupil_links__pupil=case.pupil),
        )
        .exclude(pk=case.pk)
        .exists()
    ]
    assert len(pair) == 2
    first, second = pair
    assert first.school != second.school
    shared = set(
        PupilCarer.unscoped.filter(pupil=first.pupil).values_list("carer_id", flat=True)
    ) & set(PupilCarer.unscoped.filter(pupil=second.pupil).values_list("carer_id", flat=True))
    assert shared
    # Each school's lead sees the other's case beside its own.
    for case, other in ((first, second), (second, first)):
        # Someone who may open both files (the LA's officer opens only those
        # shared with the LA: need to know) sees each beside the other.
        file = case_file(user=every_file_reader(), case_id=case.pk, day=TODAY)
        assert [c.pk for c in file.sibling_cases] == [other.pk]
        lead = case.lead_professional
        own = case_file(user=lead, case_id=case.pk, day=TODAY)
        assert own.sibling_cases == []
        assert own.sibling_cases_elsewhere == 1
        assert (
            f"sibling case at {other.school.name}" in printed_cases(output)[case.pupil.display_name]
        )
    # Their meetings after the first are joint: same days, the other school's lead there.
    days = [
        set(SupportMeeting.unscoped.filter(case=case).values_list("scheduled_for", flat=True))
        for case in pair
    ]
    assert len(days[0] & days[1]) >= 2


def test_the_part_time_timetable_matches_the_registers():
    seed()

    timetable = PartTimeTimetable.unscoped.select_related("case", "pupil", "school").get()
    assert timetable.case.stage == "targeted"
    assert timetable.agreed_hours == "Mornings only, 9:00\u201312:15"
    c2 = codes.BY_CODE["C2"].char
    register = all_marks()[(timetable.pupil.upn, timetable.school.urn, 2026)]
    assert marked_dates(register, 2026, c2)[0] == timetable.start
    assert 35 <= (timetable.planned_end - timetable.start).days <= 49  # about six weeks
    assert timetable.start <= timetable.next_review_due <= timetable.planned_end
    assert timetable.parent_agreed_on < timetable.start
    assert timetable.parent_agreed_on <= timetable.la_notified_on <= timetable.start
    assert timetable.ended_on is None


def test_the_case_pages_open_for_the_school_leads():
    seed()
    client = Client()
    assert client.login(username="lead@brookfield.example.org", password="demo-pathway-2026")

    brookfield = School.objects.get(name="Brookfield Primary School")
    own = AttendanceCase.unscoped.filter(school=brookfield)
    assert own.count() >= 2
    for case in own:
        response = client.get(reverse("cases:case_detail", args=[case.pk]))
        assert response.status_code == 200, case
        assert case.pupil.display_name in response.content.decode()
        assert client.get(reverse("cases:chronology", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases:caseload")).status_code == 200
    elsewhere = AttendanceCase.unscoped.exclude(school=brookfield).first()
    assert client.get(reverse("cases:case_detail", args=[elsewhere.pk])).status_code == 404

    for email in ("lead@northmoor-high.example.org", "lead@elm-tree.example.org"):
        lead = User.objects.get(email=email)
        client.force_login(lead)
        for case in AttendanceCase.unscoped.filter(school=lead.school):
            assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200


def test_cases_are_idempotent_and_rebuilt_identically_by_reset():
    seed()
    snapshot, records = cases_snapshot(), case_record_counts()
    assert records["AttendanceCase"] == 14  # 4 of them at the legal stage

    output = seed()

    assert "Demo data is already present" in output
    assert "Cases to look at" in output
    assert cases_snapshot() == snapshot
    assert case_record_counts() == records

    # Someone trying the demo adds to a case; reset takes that away with the rest.
    case = AttendanceCase.unscoped.filter(status="open").first()
    lead = case.lead_professional
    Contact.unscoped.create(
        pupil=case.pupil,
        school=case.school,
        case=case,
        occurred_at=dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC),
        method="phone",
        made_by=lead,
        reached=True,
    )
    plan = ActionPlan.unscoped.filter(case__status="open").first()
    barrier = Barrier.unscoped.create(
        case=plan.case,
        created_by=lead,
        updated_by=lead,
        kind="other",
        factor="push",
        description="Added while trying the demo",
        identified_on=TODAY,
    )
    PlanAction.unscoped.create(
        case=plan.case,
        plan=plan,
        barrier=barrier,
        created_by=lead,
        updated_by=lead,
        action="Try something",
        by_when=TODAY,
        responsible="Someone",
        how_we_will_know="We will see",
    )

    output = seed("--reset")

    assert "Built the demo" in output
    assert cases_snapshot() == snapshot
    assert case_record_counts() == records


def test_the_demo_has_a_notice_to_improve_running_issued_through_the_service():
    """demo.legal: the Support First case whose Notice to Improve rules are met
    (3 of 3 meetings held, support exhausted, parents not engaging) has a notice
    issued by its lead through the notice service, so it carries the pathway's
    verdict (allowed, as at the issue day), its recipients and an audit row. It
    is dated the earliest school day the service accepts: 5 school days back
    from Friday 20 November is Friday 13 November (the LA's backdating window,
    rule A4). The daily review (rule A4: "any new unauthorised session is
    flagged") shows the unauthorised absence since issue."""
    seed()
    notice = NoticeToImprove.unscoped.select_related("case", "issued_by").get(outcome="")
    case = notice.case
    assert case.stage == "notice_to_improve"
    assert notice.issued_on == dt.date(2026, 11, 13)
    assert notice.issued_by == case.lead_professional
    assert notice.outcome == ""
    assert notice.recipients.exists()
    verdict = PathwayEvaluation.unscoped.get(case=case, rule_set="notice_to_improve")
    assert (verdict.allowed, verdict.day) == (True, notice.issued_on)
    assert AuditEvent.objects.filter(
        target_type="notices.NoticeToImprove", target_id=str(notice.pk), action="create"
    ).exists()

    lead = case.lead_professional
    reviews = {r.notice.pk: r for r in notices_in_review(user=lead, day=TODAY)}
    assert reviews[notice.pk].since_issue.unauthorised > 0
    # On some school day since the issue, the review flagged a new unauthorised session.
    flagged = [
        day
        for day in (notice.issued_on + dt.timedelta(days=n) for n in range(1, 8))
        if day <= LAST_REGISTER_DAY
        and day.weekday() < 5
        and notices_in_review(user=lead, day=day)[0].new_unauthorised > 0
    ]
    assert flagged


def test_pathway_check_on_the_demo_allows_one_case_and_blocks_another():
    """`manage.py pathway_check` on the demo (rule A4): the case with a running
    notice had every Notice to Improve prerequisite met, but its referral is
    blocked while the improvement period runs with no reason to refer early;
    the brother's case (2 of 3 meetings held, support still open) is blocked
    at the Notice to Improve."""
    seed()
    running = NoticeToImprove.unscoped.get(outcome="").case
    out = io.StringIO()
    call_command("pathway_check", str(running.pk), stdout=out)
    assert "Notice to Improve: allowed" in out.getvalue()
    assert "Referral: not allowed" in out.getvalue()
    assert "to refer early, record a reason" in out.getvalue()

    two_of_three = next(
        row.case
        for row in caseload(user=la_reader(), day=TODAY)
        if row.case.stage == "support_first" and row.meetings_held == 2
    )
    out = io.StringIO()
    call_command("pathway_check", str(two_of_three.pk), stdout=out)
    assert "Notice to Improve: not allowed" in out.getvalue()
    assert "2 of 3 Support First meetings held" in out.getvalue()
