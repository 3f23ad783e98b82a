"""Imports of one large school's year: the marks CSV and the CTF, as commands.

Builds one school with a calendar and BENCH_IMPORT_PUPILS pupils (5,000 by
default) in a throwaway PostgreSQL database, writes a whole academic year of
their marks as a marks CSV and as a CTF, and runs `manage.py import_marks` and
`manage.py import_ctf` on each in a fresh process, measuring the whole command
(start-up included) and its peak memory (`/usr/bin/time`). Each file is also
imported at half its size, to show time grows with the file and memory does
not. The bare `COPY` of the same registers is the yardstick.

The figures refresh that follows an import is queued for a worker (here an
in-memory broker that nobody reads), so it is not counted: it is measured by
bench_attendance.

Targets (issue "Fast at LA scale"): import_marks at least 500,000 marks/s,
import_ctf at least 400,000 marks/s, either under 300 MB at peak.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_attendance as la_bench
from django.conf import settings
from django.db import connection
from django.test.utils import setup_test_environment

from accounts.models import LocalAuthority, School
from attendance.models import SchoolClosure, SchoolTerm
from attendance.services.calendars import school_days_refresh
from attendance.years import date_at
from pupils.models import Enrolment, Pupil

settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_imports"

PUPILS = int(os.environ.get("BENCH_IMPORT_PUPILS", 5_000))
YEAR = la_bench.YEAR
ROOT = Path(__file__).resolve().parent.parent
SESSION = ("AM", "PM")


def build_school() -> tuple[School, list[int]]:
    la = LocalAuthority.objects.create(code="926", name="Bench LA")
    school = School.objects.create(
        urn="399999",
        name="Big Bench Academy",
        phase="secondary",
        local_authority=la,
        establishment_number="4999",
    )
    SchoolTerm.unscoped.bulk_create(
        SchoolTerm(school=school, name=name, start=start, end=end)
        for name, start, end in la_bench.TERMS
    )
    SchoolClosure.unscoped.bulk_create(
        SchoolClosure(school=school, date=day, kind="inset") for day in la_bench.CLOSURES
    )
    Pupil.unscoped.bulk_create(
        Pupil(
            upn=la_bench.upn_check_letter(body := f"9264999{i // 1000 % 100:02d}{i % 1000:03d}")
            + body,
            legal_forename=f"Forename{i}",
            legal_surname=f"Surname{i % 997}",
            date_of_birth=la_bench.dt.date(2012, 9, 1) + la_bench.dt.timedelta(days=i % 1800),
            sex="F" if i % 2 else "M",
        )
        for i in range(PUPILS)
    )
    pupil_ids = list(Pupil.unscoped.order_by("pk").values_list("pk", flat=True))
    Enrolment.unscoped.bulk_create(
        Enrolment(pupil_id=pk, school=school, start=la_bench.dt.date(2020, 9, 1))
        for pk in pupil_ids
    )
    school_days_refresh(pairs={(school.pk, YEAR)})
    return school, pupil_ids


def marks_csv(incoming, upns: dict[int, str]) -> bytes:
    lines = ["upn,date,session,code"]
    for register in incoming:
        upn = upns[register.pupil_id]
        for position, char in enumerate(register.marks):
            if char in "-#":
                continue
            day = date_at(YEAR, position).isoformat()
            lines.append(f"{upn},{day},{SESSION[position % 2]},{char.replace(chr(92), '/')}")
    return ("\n".join(lines) + "\n").encode()


def run_command(args: list[str]) -> tuple[float, float]:
    """Seconds and peak megabytes of one `manage.py` command in a fresh process."""
    name = settings.DATABASES["default"]["NAME"]
    url = f"postgres://{settings.DATABASES['default']['USER']}@127.0.0.1:5432/{name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "attendance_site.settings",
    }
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603  (our own interpreter and manage.py)
        ["/usr/bin/time", "-f", "%M", sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
    peak_kb = int(result.stderr.strip().splitlines()[-1])
    return seconds, peak_kb / 1024


def clear_registers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE attendance_registeryear CASCADE")


def measure(label: str, args: list[str], marks: int) -> tuple[float, float]:
    clear_registers()
    seconds, peak = run_command(args)
    print(
        f"  {label}: {seconds:.2f} s, {marks / seconds:,.0f} marks/s, peak {peak:.0f} MB",
        flush=True,
    )
    return seconds, peak


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_imports needs PostgreSQL: set DATABASE_URL.")
        return
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    school, pupil_ids = build_school()
    incoming = la_bench.year_of_marks(pupil_ids, [school.pk] * len(pupil_ids))
    upns = dict(Pupil.unscoped.values_list("pk", "upn"))
    half = incoming[: len(incoming) // 2]

    def count(registers) -> int:
        return sum(len(r.marks) - r.marks.count("-") - r.marks.count("#") for r in registers)

    full_marks, half_marks = count(incoming), count(half)
    print(f"One school, {len(pupil_ids):,} pupils, {full_marks:,} marks in the year")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_registeryear (LIKE attendance_registeryear INCLUDING ALL)"
        )
    started = time.perf_counter()
    la_bench.bare_copy(incoming)
    bare = time.perf_counter() - started
    print(f"  bare COPY of the registers: {bare:.2f} s ({full_marks / bare:,.0f} marks/s)")

    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for name, registers in (("full", incoming), ("half", half)):
            csv_path = Path(folder) / f"marks-{name}.csv"
            csv_path.write_bytes(marks_csv(registers, upns))
            ctf_path = Path(folder) / f"ctf-{name}.xml"
            ctf_path.write_bytes(la_bench.ctf_files([school.pk], registers)[0])
            files[name] = (csv_path, ctf_path)
        for name in ("half", "full"):
            csv_path, ctf_path = files[name]
            size = csv_path.stat().st_size / 1e6
            print(
                f"  marks CSV ({name}): {size:.0f} MB; CTF: {ctf_path.stat().st_size / 1e6:.0f} MB"
            )

        print("import_marks (target at least 500,000 marks/s, under 300 MB)")
        csv_half = measure(
            "half the file",
            ["import_marks", str(files["half"][0]), "--school", school.urn, "--year", str(YEAR)],
            half_marks,
        )
        csv_full = measure(
            "the whole file",
            ["import_marks", str(files["full"][0]), "--school", school.urn, "--year", str(YEAR)],
            full_marks,
        )
        print("import_ctf (target at least 400,000 marks/s, under 300 MB)")
        ctf_half = measure(
            "half the file",
            ["import_ctf", str(files["half"][1]), "--school", school.urn],
            half_marks,
        )
        ctf_full = measure(
            "the whole file",
            ["import_ctf", str(files["full"][1]), "--school", school.urn],
            full_marks,
        )
    for label, (half_s, half_mb), (full_s, full_mb) in (
        ("import_marks", csv_half, csv_full),
        ("import_ctf", ctf_half, ctf_full),
    ):
        print(
            f"  {label}, twice the file: {full_s / half_s:.2f}x the time, "
            f"{full_mb / half_mb:.2f}x the memory"
        )


if __name__ == "__main__":
    main()
