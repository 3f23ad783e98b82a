"""Is the school dashboard flat in the school's size?

Builds one LA with three schools of BENCH_DASHBOARD_SIZES pupils (500, 2,000
and 5,000 by default), each with a whole academic year of marks (the same
generator as bench_attendance: most pupils attend well, a fifth are often
absent) and its figures refreshed as the nightly job does, then times the
school dashboard as its lead opens it (the whole request through Django's
test client: the view, the queries and the template). Median of REPEATS after
one warm-up. Also the pupil search for an LA officer across the three schools,
and again once BENCH_SEARCH_PUPILS pupils (40,000 by default, in more schools
without marks: search reads no marks) are in the LA, with the plan PostgreSQL
chose for it.

Target (issue "Fast at LA scale", item 2): the dashboard at 5,000 pupils within
1.5x its time at 500.
"""

from __future__ import annotations

import os
import statistics
import time

import bench_attendance as la_bench
from clients import signed_in
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse

from accounts.models import LocalAuthority, Role, School, User
from attendance.models import SchoolClosure, SchoolTerm
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import registers_merge
from attendance.services.snapshots import figures_refresh
from pupils.models import Enrolment, Pupil
from pupils.selectors import pupil_list

settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_dashboard"
settings.ALLOWED_HOSTS = ["*"]

SIZES = [int(n) for n in os.environ.get("BENCH_DASHBOARD_SIZES", "500,2000,5000").split(",")]
REPEATS = 15
SEARCH_PUPILS = int(os.environ.get("BENCH_SEARCH_PUPILS", 40_000))
PUPILS_PER_SEARCH_SCHOOL = 1_000


def build_school(la: LocalAuthority, number: int, pupils: int, first_pupil: int) -> School:
    school = School.objects.create(
        urn=f"{300000 + number}",
        name=f"Bench School {pupils}",
        phase="secondary",
        local_authority=la,
        establishment_number=f"{4000 + number}",
    )
    SchoolTerm.unscoped.bulk_create(
        SchoolTerm(school=school, name=name, start=start, end=end)
        for name, start, end in la_bench.TERMS
    )
    SchoolClosure.unscoped.bulk_create(
        SchoolClosure(school=school, date=day, kind="inset") for day in la_bench.CLOSURES
    )
    created = Pupil.unscoped.bulk_create(
        Pupil(
            upn=la_bench.upn_check_letter(body := f"926{number:02d}{i:05d}00") + body,
            legal_forename=f"Forename{i}",
            legal_surname=f"Surname{i % 997}",
            date_of_birth=la_bench.dt.date(2010, 9, 1) + la_bench.dt.timedelta(days=i % 1800),
            year_group=str(7 + i % 5),
        )
        for i in range(first_pupil, first_pupil + pupils)
    )
    pupil_ids = [p.pk for p in created]
    Enrolment.unscoped.bulk_create(
        Enrolment(pupil_id=pk, school=school, start=la_bench.dt.date(2020, 9, 1))
        for pk in pupil_ids
    )
    school_days_refresh(pairs={(school.pk, la_bench.YEAR)})
    with transaction.atomic():
        registers_merge(incoming=la_bench.year_of_marks(pupil_ids, [school.pk] * len(pupil_ids)))
    return school


def median_ms(client: Client, url: str, params: dict[str, str] | None = None) -> float:
    response = client.get(url, params or {})
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        client.get(url, params or {})
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_dashboard needs PostgreSQL: set DATABASE_URL.")
        return
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    la = LocalAuthority.objects.create(code="926", name="Bench LA")
    started = time.perf_counter()
    schools = []
    first = 0
    for number, size in enumerate(SIZES, start=1):
        schools.append(build_school(la, number, size, first))
        first += size
    figures_refresh(as_at=la_bench.AS_AT)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{len(SIZES)} schools of {', '.join(f'{n:,}' for n in SIZES)} pupils with a year of "
        f"marks, built and refreshed in {time.perf_counter() - started:.0f} s"
    )

    timings = {}
    for school, size in zip(schools, SIZES, strict=True):
        lead = User.objects.create_user(
            f"lead{school.pk}@bench.example",
            full_name="Bench Lead",
            role=Role.ATTENDANCE_LEAD,
            school=school,
        )
        client = signed_in(lead)
        url = reverse("attendance:school_dashboard", args=[school.pk])
        timings[size] = median_ms(client, url)
        print(f"  school dashboard, {size:,} pupils: {timings[size]:.1f} ms (median of {REPEATS})")
    smallest, largest = min(SIZES), max(SIZES)
    ratio = timings[largest] / timings[smallest]
    print(f"  {largest:,} pupils against {smallest:,}: {ratio:.2f}x (target at most 1.5x)")

    officer = User.objects.create_user(
        "officer@bench.example",
        full_name="Bench Officer",
        role=Role.LA_OFFICER,
        local_authority=la,
    )
    client = signed_in(officer)
    search = median_ms(client, reverse("cases:pupil_list"), {"q": "urname42"})
    everyone = sum(SIZES)
    print(f"  pupil search by part of a surname, LA officer, {everyone:,} pupils: {search:.1f} ms")
    if everyone < SEARCH_PUPILS:
        search_at_scale(la, client, first_school=len(SIZES) + 1, first_pupil=everyone)


def add_pupils_without_marks(la: LocalAuthority, first_school: int, first_pupil: int) -> None:
    """More schools of pupils on roll, by COPY, until the LA has SEARCH_PUPILS."""
    number, i = first_school, first_pupil
    while i < SEARCH_PUPILS:
        school = School.objects.create(
            urn=f"{300000 + number}",
            name=f"Bench School {number}",
            phase="primary",
            local_authority=la,
            establishment_number=f"{4000 + number}",
        )
        batch = range(i, min(i + PUPILS_PER_SEARCH_SCHOOL, SEARCH_PUPILS))
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY cases_pupil (upn, legal_forename, legal_surname, preferred_forename, "
                "preferred_surname, date_of_birth, sex, year_group, sen_status, "
                "free_school_meals, looked_after, social_care) FROM STDIN"
            ) as copy,
        ):
            for n in batch:
                body = f"926{number:02d}{n:05d}00"
                copy.write_row(
                    (
                        la_bench.upn_check_letter(body) + body,
                        f"Forename{n}",
                        f"Surname{n % 997}",
                        # Some pupils go by another name, as in a real school.
                        f"Known{n}" if n % 20 == 0 else "",
                        "",
                        la_bench.dt.date(2012, 9, 1) + la_bench.dt.timedelta(days=n % 1800),
                        "U",
                        "5",
                        "",
                        False,
                        False,
                        "",
                    )
                )
        with connection.cursor() as cursor:
            cursor.execute(
                'INSERT INTO cases_enrolment (pupil_id, school_id, start, "end") '
                "SELECT id, %s, '2020-09-01', NULL FROM cases_pupil "
                "WHERE id NOT IN (SELECT pupil_id FROM cases_enrolment)",
                [school.pk],
            )
        number, i = number + 1, batch.stop


def search_at_scale(
    la: LocalAuthority, client: Client, first_school: int, first_pupil: int
) -> None:
    add_pupils_without_marks(la, first_school, first_pupil)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = Pupil.unscoped.count()
    upn = Pupil.unscoped.order_by("-pk").values_list("upn", flat=True)[0]
    officer = User.objects.get(email="officer@bench.example")
    for label, query in (
        ("part of a surname", "urname42"),
        ("part of a forename", "ename3141"),
        ("a name they go by", "known3140"),
        ("a UPN", upn.lower()),
    ):
        ms = median_ms(client, reverse("cases:pupil_list"), {"q": query})
        sql, params = pupil_list(user=officer, search=query).query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        used = [name for name in ("pupil_search_text_trgm", "pupil_upn_upper") if name in plan]
        how = f"indexes {', '.join(used)}" if used else "NO index: scans the pupils"
        print(
            f"  pupil search by {label} ({query!r}), LA officer, {total:,} pupils: "
            f"{ms:.1f} ms ({how})"
        )


if __name__ == "__main__":
    main()
