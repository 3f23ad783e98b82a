"""How long do a whole school's half-term letters take?

Builds one school of BENCH_HALF_TERM_PUPILS pupils (500 by default) with a
year of marks (bench_attendance's generator: most pupils attend well, a fifth
are often absent), one parent each and a second, living apart with the DSL's
agreement, for every fourth pupil; then makes the Spring 2 half-term letters
and texts for every pupil as the worker does (documents.services.batch: the
figures, the recipients, WeasyPrint one letter at a time, each stored with its
audit row, then the combined PDF), and reads back the ZIP and the CSV. Also
the count the lead sees before starting, for the default 90% threshold.

Files go to the test settings' in-memory storage, so disk writes are not timed.
"""

from __future__ import annotations

import os
import time

import bench_attendance as la_bench
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import setup_test_environment

from accounts.models import LocalAuthority, Role, School, User
from attendance.models import SchoolClosure, SchoolTerm
from attendance.services.calendars import school_days_refresh
from attendance.services.marks import registers_merge
from documents.services.batch import (
    half_term_batch_start,
    half_term_of,
    letters_zip,
    pupils_chosen,
    texts_csv,
)
from documents.services.generate import render_pdf
from pupils.models import Carer, Enrolment, Pupil, PupilCarer

settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_half_term"

PUPILS = int(os.environ.get("BENCH_HALF_TERM_PUPILS", 500))


def build() -> tuple[School, User]:
    la = LocalAuthority.objects.create(code="926", name="Bench LA")
    school = School.objects.create(
        urn="399001",
        name="Bench Half-Term School",
        phase="secondary",
        local_authority=la,
        establishment_number="4901",
        address="1 School Road\nNorthmoor",
        postcode="NM1 1AA",
        phone="01632 960100",
        email="office@bench.example",
    )
    SchoolTerm.unscoped.bulk_create(
        SchoolTerm(school=school, name=name, start=start, end=end)
        for name, start, end in la_bench.TERMS
    )
    SchoolClosure.unscoped.bulk_create(
        SchoolClosure(school=school, date=day, kind="inset") for day in la_bench.CLOSURES
    )
    pupils = Pupil.unscoped.bulk_create(
        Pupil(
            upn=la_bench.upn_check_letter(body := f"92649{i:05d}00") + body,
            legal_forename=f"Forename{i}",
            legal_surname=f"Surname{i:04d}",
            date_of_birth=la_bench.dt.date(2010, 9, 1) + la_bench.dt.timedelta(days=i % 1800),
        )
        for i in range(PUPILS)
    )
    ids = [p.pk for p in pupils]
    Enrolment.unscoped.bulk_create(
        Enrolment(pupil_id=pk, school=school, start=la_bench.dt.date(2020, 9, 1)) for pk in ids
    )
    carers = Carer.unscoped.bulk_create(
        Carer(
            title="Ms",
            forename=f"Parent{i}",
            surname=f"Surname{i:04d}",
            address=f"{i} Elm Road\nNorthmoor",
            postcode="NM2 3BB",
            mobile=f"07700 9{i:05d}",
            preferred_contact_method="text" if i % 2 else "letter",
        )
        for i in range(PUPILS + PUPILS // 4)
    )
    PupilCarer.unscoped.bulk_create(
        [
            PupilCarer(pupil_id=pk, carer=carers[i], relationship="mother")
            for i, pk in enumerate(ids)
        ]
        + [
            PupilCarer(
                pupil_id=ids[4 * j],
                carer=carers[PUPILS + j],
                relationship="father",
                lives_with_pupil=False,
                included_in_correspondence=True,
            )
            for j in range(PUPILS // 4)
        ]
    )
    school_days_refresh(pairs={(school.pk, la_bench.YEAR)})
    with transaction.atomic():
        registers_merge(incoming=la_bench.year_of_marks(ids, [school.pk] * len(ids)))
    lead = User.objects.create_user(
        "lead@bench.example", full_name="Bench Lead", role=Role.ATTENDANCE_LEAD, school=school
    )
    return school, lead


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_half_term needs PostgreSQL: set DATABASE_URL.")
        return
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    started = time.perf_counter()
    school, lead = build()
    print(
        f"A school of {PUPILS} pupils with a year of marks, built in "
        f"{time.perf_counter() - started:.1f} s (load average {os.getloadavg()[0]:.1f})"
    )
    term = SchoolTerm.unscoped.get(school=school, name="Spring 2")
    render_pdf("<p>warm up</p>")  # WeasyPrint's first import and font set-up

    one = time.perf_counter()
    chosen = pupils_chosen(school=school, half_term=half_term_of(term), threshold=90)
    print(
        f"  the count before starting, below 90%: {len(chosen.pupils)} pupils, "
        f"{chosen.recipients} letters, {chosen.texts} texts in "
        f"{(time.perf_counter() - one) * 1000:.0f} ms"
    )

    one, cpu = time.perf_counter(), time.process_time()
    # Eager Celery (the test settings): the task runs as the batch is started.
    batch = half_term_batch_start(acting_user=lead, term_id=term.pk, threshold=None)
    batch.refresh_from_db()
    seconds, cpu = time.perf_counter() - one, time.process_time() - cpu
    letters = max(batch.letters, 1)
    print(
        f"  every pupil's letters as a batch: {batch.total} pupils, {batch.letters} letters, "
        f"{batch.texts} texts ({batch.status}) in {seconds:.1f} s, "
        f"{seconds / letters * 1000:.0f} ms a letter; this process's CPU "
        f"{cpu:.1f} s, {cpu / letters * 1000:.0f} ms a letter "
        f"(load average {os.getloadavg()[0]:.1f})"
    )

    one = time.perf_counter()
    size = len(letters_zip(batch).getvalue())
    csv_rows = texts_csv(batch).count("\n") - 1
    print(
        f"  the ZIP ({size / 1e6:.1f} MB) and the CSV ({csv_rows} texts) read back in "
        f"{(time.perf_counter() - one) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
