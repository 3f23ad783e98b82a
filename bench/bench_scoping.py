"""How much does scoping cost on the pages every user opens?

Builds one LA with SCHOOLS schools and PUPILS pupils (a tenth of them moved
school, so they have two enrolments), then times the first page of the pupil
list (count + 50 rows, as the page runs it) for an LA officer, who sees every
school, and for a school lead, who sees one. Median of REPEATS runs each.
"""

import datetime as dt
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_site.settings_test")
django.setup()

from django.conf import settings  # noqa: E402

# A database of its own, so a benchmark never meets a test run's database.
settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_scoping"

from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import LocalAuthority, Role, School, User  # noqa: E402
from pupils import selectors  # noqa: E402
from pupils.models import Enrolment, Pupil  # noqa: E402
from pupils.upn import upn_check_letter  # noqa: E402

SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", 60))
PUPILS = int(os.environ.get("BENCH_PUPILS", 30_000))
REPEATS = 20


def build() -> tuple[User, User]:
    la = LocalAuthority.objects.create(code="926", name="Bench LA")
    schools = School.objects.bulk_create(
        School(urn=f"{200000 + i}", name=f"School {i:03d}", phase="primary", local_authority=la)
        for i in range(SCHOOLS)
    )
    pupils = Pupil.unscoped.bulk_create(
        Pupil(
            upn=(body := f"926{1000 + i // 1000:04d}{i % 100:02d}{i % 1000:03d}")
            and upn_check_letter(body) + body,
            legal_forename=f"Forename{i}",
            legal_surname=f"Surname{i % 997}",
            date_of_birth=dt.date(2015, 1, 1) + dt.timedelta(days=i % 2000),
        )
        for i in range(PUPILS)
    )
    enrolments = []
    for i, pupil in enumerate(pupils):
        school = schools[i % SCHOOLS]
        if i % 10 == 0:
            previous = schools[(i + 1) % SCHOOLS]
            enrolments.append(
                Enrolment(
                    pupil=pupil,
                    school=previous,
                    start=dt.date(2023, 9, 1),
                    end=dt.date(2024, 7, 19),
                )
            )
        enrolments.append(Enrolment(pupil=pupil, school=school, start=dt.date(2024, 9, 1)))
    Enrolment.unscoped.bulk_create(enrolments, batch_size=5000)
    officer = User.objects.create_user(
        "officer@bench.example.org",
        "x",
        full_name="Officer",
        role=Role.LA_OFFICER,
        local_authority=la,
    )
    lead = User.objects.create_user(
        "lead@bench.example.org",
        "x",
        full_name="Lead",
        role=Role.ATTENDANCE_LEAD,
        school=schools[0],
    )
    if connection.vendor == "postgresql":
        # As autovacuum would soon after a real import: plan with real row counts.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return officer, lead


def first_page_ms(user: User, search: str = "") -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        page = Paginator(selectors.pupil_list(user=user, search=search), 50).get_page(1)
        list(page)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        officer, lead = build()
        print(
            f"database: {connection.vendor}; {SCHOOLS} schools, {PUPILS} pupils, "
            f"built in {time.perf_counter() - started:.1f} s"
        )
        print(f"pupil list, first page, LA officer (all schools): {first_page_ms(officer):.1f} ms")
        print(f"pupil list, first page, school lead (one school): {first_page_ms(lead):.1f} ms")
        searched = first_page_ms(officer, "Surname42")
        print(f"pupil list, search by surname, LA officer: {searched:.1f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
