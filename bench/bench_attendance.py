"""LA-scale attendance: loading a year of marks, appending a day, and the figures.

Builds a deterministic LA (BENCH_SCHOOLS schools, BENCH_PUPILS pupils, a full
academic year of register marks on each school's calendar) in a throwaway
database and measures, in one run:

  (a) marks ingest through the real write path (validation, merge with what is
      stored, COPY) against a bare COPY of the same rows into a table of the
      same design (same columns and indexes), as a ratio;
  (b) the time to load the LA's whole year, and to append one school day of
      marks for every pupil;
  (c) the figures for every pupil in the LA (the nightly refresh) against one
      bare SQL query that computes the same counts, as a ratio.

Run with DATABASE_URL pointing at PostgreSQL: `make bench`.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_site.settings_test")
django.setup()

from django.conf import settings  # noqa: E402

# A database of its own, so a benchmark never meets a test run's database.
settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_attendance"

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import LocalAuthority, School  # noqa: E402
from attendance import codes  # noqa: E402
from attendance.models import PupilFigures, SchoolClosure, SchoolTerm  # noqa: E402
from attendance.services.calendars import school_days_refresh  # noqa: E402
from attendance.services.marks import IncomingRegister, registers_merge  # noqa: E402
from attendance.services.snapshots import figures_refresh  # noqa: E402
from attendance.years import empty_marks, mark_index, year_start  # noqa: E402
from pupils.models import Pupil  # noqa: E402
from pupils.upn import upn_check_letter  # noqa: E402

SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", 420))
PUPILS = int(os.environ.get("BENCH_PUPILS", 130_000))
YEAR = 2025
AS_AT = dt.date(2026, 7, 17)  # the last week of the summer term: a whole year of marks
APPEND_DAY = dt.date(2026, 7, 20)  # the next school day, appended for every pupil
SEED = 2026

TERMS = [
    ("Autumn 1", "2025-09-03", "2025-10-24"),
    ("Autumn 2", "2025-11-03", "2025-12-19"),
    ("Spring 1", "2026-01-05", "2026-02-13"),
    ("Spring 2", "2026-02-23", "2026-03-27"),
    ("Summer 1", "2026-04-13", "2026-05-22"),
    ("Summer 2", "2026-06-01", "2026-07-22"),
]
CLOSURES = ["2025-09-03", "2026-01-05", "2026-05-04"]


def timed(label: str, action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.2f} s", flush=True)
    return seconds, result


def build_la() -> tuple[list[int], list[int], list[int]]:
    """Schools with calendars, pupils and their enrolments; returns ids."""
    la = LocalAuthority.objects.create(code="926", name="Bench LA")
    schools = School.objects.bulk_create(
        School(
            urn=f"{300000 + i}",
            name=f"School {i:03d}",
            phase="primary",
            local_authority=la,
            establishment_number=f"{2000 + i:04d}",
        )
        for i in range(SCHOOLS)
    )
    SchoolTerm.unscoped.bulk_create(
        SchoolTerm(
            school=school,
            name=name,
            start=dt.date.fromisoformat(start),
            end=dt.date.fromisoformat(end),
        )
        for school in schools
        for name, start, end in TERMS
    )
    SchoolClosure.unscoped.bulk_create(
        SchoolClosure(school=school, date=dt.date.fromisoformat(day), kind="inset")
        for school in schools
        for day in CLOSURES
    )
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY cases_pupil (upn, legal_forename, legal_surname, preferred_forename, "
            "preferred_surname, date_of_birth, sex, year_group, sen_status, free_school_meals, "
            "looked_after, social_care) FROM STDIN"
        ) as copy,
    ):
        for i in range(PUPILS):
            body = f"926{2000 + i // 100_000:04d}{i // 1000 % 100:02d}{i % 1000:03d}"
            copy.write_row(
                (
                    upn_check_letter(body) + body,
                    f"Forename{i}",
                    f"Surname{i % 997}",
                    "",
                    "",
                    dt.date(2015, 9, 1) + dt.timedelta(days=i % 2500),
                    "F" if i % 2 else "M",
                    str(1 + i % 6),
                    "",
                    i % 5 == 0,
                    False,
                    "",
                )
            )
    pupil_ids = list(Pupil.unscoped.order_by("pk").values_list("pk", flat=True))
    school_ids = [s.pk for s in schools]
    pupil_schools = [school_ids[i % SCHOOLS] for i in range(PUPILS)]
    with (
        connection.cursor() as cursor,
        cursor.copy('COPY cases_enrolment (pupil_id, school_id, start, "end") FROM STDIN') as copy,
    ):
        for pupil_id, school_id in zip(pupil_ids, pupil_schools, strict=True):
            copy.write_row((pupil_id, school_id, dt.date(2020, 9, 1), None))
    school_days_refresh(pairs={(school_id, YEAR) for school_id in school_ids})
    return school_ids, pupil_ids, pupil_schools


def year_of_marks(pupil_ids: list[int], pupil_schools: list[int]) -> list[IncomingRegister]:
    """A full year of marks: most pupils attend well, some are persistently absent,
    a few miss Friday afternoons or take a week's holiday in term time."""
    from attendance.models import SchoolYearDays

    days = SchoolYearDays.unscoped.filter(academic_year=YEAR).values_list("days", flat=True)[0]
    start = year_start(YEAR)
    template = list(empty_marks(YEAR))
    sessions = []
    for index, flag in enumerate(days):
        weekday = (start + dt.timedelta(days=index)).weekday()
        if flag == "1":
            template[2 * index], template[2 * index + 1] = "/", "\\"
            sessions += [2 * index, 2 * index + 1]
        elif weekday < 5:
            template[2 * index] = template[2 * index + 1] = codes.NO_SESSION
    fridays_pm = [s for s in sessions if s % 2 and (start + dt.timedelta(s // 2)).weekday() == 4]
    rng = random.Random(SEED)
    incoming = []
    for pupil_id, school_id in zip(pupil_ids, pupil_schools, strict=True):
        marks = template.copy()
        profile = rng.random()
        absences = rng.randint(0, 12) if profile < 0.8 else rng.randint(40, 120)
        for position in rng.sample(sessions, absences):
            marks[position] = rng.choice("IIIIMCNO")
        if profile > 0.97:
            for position in fridays_pm:
                marks[position] = "O"
        elif profile > 0.95:
            first = rng.randrange(0, len(sessions) - 10)
            for position in sessions[first : first + 10]:
                marks[position] = "G"
        incoming.append(IncomingRegister(pupil_id, school_id, YEAR, "".join(marks)))
    return incoming


def validated(incoming: list[IncomingRegister]) -> list[IncomingRegister]:
    """What the import does to every mark string before it is stored."""
    if any(len(register.marks) != 2 * 365 for register in incoming):
        raise ValueError("a register of the wrong length")
    # One pass in C over every mark; only a failing file is looked at register by register.
    if codes.unknown_mark_chars("".join(r.marks for r in incoming), stored=True):
        raise ValueError("unknown mark characters")
    return incoming


def bare_copy(incoming: list[IncomingRegister]) -> None:
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY bench_registeryear (pupil_id, school_id, academic_year, marks, originals, "
            "updated_at, origin) FROM STDIN"
        ) as copy,
    ):
        now = dt.datetime.now(dt.UTC)
        for r in incoming:
            copy.write_row((r.pupil_id, r.school_id, r.academic_year, r.marks, "{}", now, "school"))


BARE_FIGURES_SQL = """
SELECT pupil_id, school_id,
       length(m) - length(translate(m, %(attended)s, '')) AS attended,
       length(m) - length(translate(m, %(authorised)s, '')) AS authorised,
       length(m) - length(translate(m, %(unauthorised)s, '')) AS unauthorised,
       length(w) - length(translate(w, %(unauthorised)s, '')) AS recent_unauthorised
FROM (
    SELECT pupil_id, school_id, substr(marks, 1, %(cut)s) AS m,
           substr(marks, %(window_from)s, %(cut)s - %(window_from)s + 1) AS w
    FROM attendance_registeryear WHERE academic_year = %(year)s
) AS registers
"""


def bare_figures(window_start: dt.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            BARE_FIGURES_SQL,
            {
                "attended": codes.ATTENDED_CHARS,
                "authorised": codes.AUTHORISED_CHARS,
                "unauthorised": codes.UNAUTHORISED_CHARS,
                "cut": 2 * ((AS_AT - year_start(YEAR)).days + 1),
                "window_from": mark_index(window_start, "AM") + 1,
                "year": YEAR,
            },
        )
        return len(cursor.fetchall())


def one_day(pupil_ids: list[int], pupil_schools: list[int]) -> list[IncomingRegister]:
    rng = random.Random(SEED + 1)
    am, pm = mark_index(APPEND_DAY, "AM"), mark_index(APPEND_DAY, "PM")
    blank = empty_marks(YEAR)
    incoming = []
    for pupil_id, school_id in zip(pupil_ids, pupil_schools, strict=True):
        codes_today = ("/", "\\") if rng.random() < 0.94 else ("I", "I")
        marks = blank[:am] + codes_today[0] + codes_today[1] + blank[pm + 1 :]
        incoming.append(IncomingRegister(pupil_id, school_id, YEAR, marks))
    return incoming


def ctf_files(school_ids: list[int], incoming: list[IncomingRegister]) -> list[bytes]:
    """The same year as CTF files, one per school, as an MIS would send them at
    the end of the year: the pupils' details as held (so they are found, not
    changed) and their AttendanceMarks; no contacts."""
    from attendance.years import date_at

    schools = dict(School.objects.values_list("pk", "establishment_number"))
    details = {
        pk: (
            f"<UPN>{upn}</UPN><Surname>{surname}</Surname><Forename>{forename}</Forename>"
            f"<DOB>{dob.isoformat()}</DOB><Sex>{sex}</Sex>"
        )
        for pk, upn, surname, forename, dob, sex in Pupil.unscoped.values_list(
            "pk", "upn", "legal_surname", "legal_forename", "date_of_birth", "sex"
        )
    }
    by_school: dict[int, list[str]] = {school_id: [] for school_id in school_ids}
    for register in incoming:
        first = len(register.marks) - len(register.marks.lstrip("-"))
        first -= first % 2
        marks = register.marks[first:].rstrip("-")
        marks += "-" * (len(marks) % 2)
        by_school[register.school_id].append(
            f"<Pupil>{details[register.pupil_id]}<Attendance><YearData><Year>{YEAR}</Year><LEA>926</LEA>"
            f"<Estab>{schools[register.school_id]}</Estab><AttendSessions>"
            f"<AttendanceStartDate>{date_at(YEAR, first).isoformat()}</AttendanceStartDate>"
            f"<AttendanceMarks>{marks}</AttendanceMarks></AttendSessions></YearData>"
            f"</Attendance></Pupil>"
        )
    files = []
    for school_id, pupils in by_school.items():
        files.append(
            (
                "<?xml version='1.0' encoding='UTF-8'?><CTfile><Header>"
                "<DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion>"
                f"<SourceSchool><LEA>926</LEA><Estab>{schools[school_id]}</Estab></SourceSchool>"
                f"</Header><CTFpupilData>{''.join(pupils)}</CTFpupilData></CTfile>"
            ).encode()
        )
    return files


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_attendance needs PostgreSQL: set DATABASE_URL.")
        return
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    print(f"{SCHOOLS} schools, {PUPILS} pupils, academic year {YEAR}/{(YEAR + 1) % 100}")
    _, (school_ids, pupil_ids, pupil_schools) = timed("build the LA (COPY)", build_la)
    _, incoming = timed("generate a year of marks", lambda: year_of_marks(pupil_ids, pupil_schools))
    marks = sum(len(r.marks) - r.marks.count("-") - r.marks.count("#") for r in incoming)
    print(f"  {len(incoming)} registers holding {marks:,} marks")

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_registeryear (LIKE attendance_registeryear INCLUDING ALL)"
        )
    print("(a) ingest")
    bare = min(
        timed("bare COPY into a table of the same design", lambda: bare_copy(incoming))[0]
        for _ in range(1)
    )

    commit_seconds = 0.0

    def real_ingest() -> None:
        nonlocal commit_seconds
        with transaction.atomic():
            registers_merge(incoming=validated(incoming))
            school_days_refresh(
                pairs={(school_id, YEAR) for school_id in school_ids}, after_marks_change=True
            )
            committing = time.perf_counter()
        commit_seconds = time.perf_counter() - committing

    real, _ = timed("real path: validate, merge, COPY, school days, commit", real_ingest)
    print(
        f"    of which the commit, where PostgreSQL checks the registers' two foreign keys "
        f"(the bare table has none): {commit_seconds:.2f} s"
    )
    print(f"  ingest speed: {bare / real:.0%} of the bare COPY (target at least 50%)")
    print(f"  without the foreign-key checks: {bare / (real - commit_seconds):.0%}")

    print("(b) loading")
    print(f"  whole year for the LA: {real:.1f} s (target 5 minutes; stretch 60 s)")
    day = one_day(pupil_ids, pupil_schools)

    def append() -> None:
        with transaction.atomic():
            registers_merge(incoming=validated(day))

    appended, _ = timed("append one school day for every pupil", append)
    print(f"  one school day: {appended:.1f} s (target 15 s)")

    print("    whole year through the CTF import (parse, pupils, enrolments, marks)")
    _, files = timed("write one CTF per school", lambda: ctf_files(school_ids, incoming))
    print(f"  {len(files)} files, {sum(map(len, files)) / 1e6:.0f} MB")
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE attendance_registeryear CASCADE")

    def ctf_year() -> None:
        from attendance.services.imports import ctf_import

        for data in files:
            report = ctf_import(source=data, batch=None, acting_user=None)
            if not report.succeeded:
                raise RuntimeError(report.errors[:3])

    through_ctf, _ = timed("whole year through the CTF import", ctf_year)
    print(f"  whole year from CTF files: {through_ctf:.1f} s (target 5 minutes; stretch 60 s)")

    print("(c) figures for every pupil")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE attendance_registeryear")
    from attendance.figures import Span, window_start
    from attendance.loading import context_for

    ctx = context_for(AS_AT, [Span(school_ids[0], dt.date(2020, 9, 1), None)])
    first_monday = window_start(ctx, [Span(school_ids[0], dt.date(2020, 9, 1), None)])
    assert first_monday is not None
    bare_times = [timed("bare SQL", lambda: bare_figures(first_monday))[0] for _ in range(3)]
    refresh_times = [
        timed("nightly refresh (compute and store)", lambda: figures_refresh(as_at=AS_AT))[0]
        for _ in range(3)
    ]
    bare_sql, refresh = statistics.median(bare_times), statistics.median(refresh_times)
    print(f"  rows stored: {PupilFigures.unscoped.count()}")
    print(
        f"  all-LA figures: {refresh:.1f} s, {refresh / bare_sql:.1f}x the bare SQL "
        f"({bare_sql:.1f} s) (targets: at most 2x and 60 s; stretch 10 s)"
    )


if __name__ == "__main__":
    main()
