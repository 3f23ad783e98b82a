"""Imports of one large school's year, and of a whole LA's, as the commands
and the worker run them.

Builds one school with a calendar and BENCH_IMPORT_PUPILS pupils (5,000 by
default) in a throwaway PostgreSQL database, writes a whole academic year of
their marks as a marks CSV and as a CTF, and runs `manage.py import_marks` and
`manage.py import_ctf` on each in a fresh process, measuring the whole command
(start-up included), its CPU time and its peak memory (`/usr/bin/time`). Each
file is also imported at half its size, to show time grows with the file and
memory does not. The bare `COPY` of the same registers is the yardstick.

Then (unless BENCH_IMPORT_LA=0) the whole LA's year (bench_attendance's 420
schools and 130,000 pupils) goes through the CTF import, one file per school,
in one process as the worker runs uploads, its figures refreshes queued and
not counted either.

The Python files are compiled first, as a deployed image has them (the
Dockerfile compiles them): without it every command compiles the project
and its libraries again, about 3 s, when PYTHONDONTWRITEBYTECODE is set.

The machine may be shared: each figure is printed with the load average, and
with the command's own CPU time (user + sys), the better guide under load.
The database server's time is in the wall time only.

The figures refresh that follows an import is queued for a worker (here an
in-memory broker that nobody reads), so it is not counted: it is measured by
bench_attendance.

Targets (issue 15, item 1): import_marks at least 500,000 marks/s and
import_ctf at least 400,000 marks/s on the school's year, whole command;
either under 300 MB at peak and flat in the file's size; the LA's year through
the CTF import in at most 60 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import bench_attendance as la_bench
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection
from django.test.utils import setup_test_environment

from accounts.models import LocalAuthority, School
from attendance.models import SchoolClosure, SchoolTerm
from attendance.services.calendars import school_days_refresh
from attendance.years import date_at
from pupils.models import Enrolment, Pupil

settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_imports"

PUPILS = int(os.environ.get("BENCH_IMPORT_PUPILS", 5_000))
LA_YEAR = os.environ.get("BENCH_IMPORT_LA", "1") != "0"
YEAR = la_bench.YEAR
ROOT = Path(__file__).resolve().parent.parent
SESSION = ("AM", "PM")
CSV_TARGET, CTF_TARGET, MEMORY_TARGET_MB, LA_TARGET_S = 500_000, 400_000, 300, 60
# Twice the file may take this much more memory and still count as flat.
FLAT = 1.2


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu: float  # user + sys of the command itself
    peak_mb: float
    load: float  # the one-minute load average as the command started


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


def run_command(args: list[str]) -> Run:
    """One `manage.py` command in a fresh process: wall time, CPU time, peak memory."""
    name = settings.DATABASES["default"]["NAME"]
    url = f"postgres://{settings.DATABASES['default']['USER']}@127.0.0.1:5432/{name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "attendance_site.settings",
    }
    load = os.getloadavg()[0]
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603  (our own interpreter and manage.py)
        ["/usr/bin/time", "-f", "%U %S %M", sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(result.stdout[-2000:] + result.stderr[-2000:])
    user, system, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return Run(seconds, float(user) + float(system), int(peak_kb) / 1024, load)


def compile_python() -> None:
    """Compile the project and its libraries once, as the image does."""
    folders = [str(ROOT / name) for name in os.listdir(ROOT) if (ROOT / name / "apps.py").exists()]
    site = [path for path in sys.path if path.endswith("site-packages")]
    subprocess.run(  # noqa: S603  (our own interpreter)
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            *site,
            *folders,
            str(ROOT / "attendance_site"),
        ],
        capture_output=True,
        check=False,
    )


def clear_registers() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE attendance_registeryear CASCADE")


def measure(label: str, args: list[str], marks: int) -> Run:
    clear_registers()
    run = run_command(args)
    print(
        f"  {label}: {run.seconds:.2f} s, {marks / run.seconds:,.0f} marks/s; "
        f"CPU {run.cpu:.2f} s, {marks / run.cpu:,.0f} marks/s of CPU; "
        f"peak {run.peak_mb:.0f} MB (load {run.load:.1f})",
        flush=True,
    )
    return run


def judged(met: bool, met_on_cpu: bool, load: float) -> str:
    """Under load (more processes running than cores) the wall clock measures
    the other processes too: the command's CPU time is then the fairer test."""
    if met:
        return "met"
    if load > (os.cpu_count() or 1):
        return f"missed by the wall clock under load {load:.1f}; on CPU time " + (
            "met" if met_on_cpu else "missed"
        )
    return "missed"


def verdict(label: str, target: int, marks: int, half: Run, full: Run) -> None:
    rate, cpu_rate = marks / full.seconds, marks / full.cpu
    peak = max(half.peak_mb, full.peak_mb)
    growth = full.peak_mb / half.peak_mb
    print(
        f"  {label}: {rate:,.0f} marks/s ({cpu_rate:,.0f} on CPU time) against {target:,}: "
        + judged(rate >= target, cpu_rate >= target, full.load)
    )
    print(
        f"  {label}: peak {peak:.0f} MB against {MEMORY_TARGET_MB} MB: "
        f"{'met' if peak < MEMORY_TARGET_MB else 'missed'}; twice the file, "
        f"{full.seconds / half.seconds:.2f}x the time and {growth:.2f}x the memory: "
        f"{'flat' if growth <= FLAT else 'not flat'}"
    )


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_imports needs PostgreSQL: set DATABASE_URL.")
        return
    setup_test_environment()
    compile_python()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
        if LA_YEAR:
            la_year()
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
    print("Against the targets")
    verdict("import_marks", CSV_TARGET, full_marks, csv_half, csv_full)
    verdict("import_ctf", CTF_TARGET, full_marks, ctf_half, ctf_full)


def la_year() -> None:
    """The LA's whole year through the CTF import: bench_attendance's LA, one
    file per school, imported one after another in this process, as the
    worker imports uploads (no start-up per file)."""
    from attendance.services.imports import ctf_import
    from attendance_site.celery import app as celery_app

    with connection.cursor() as cursor:
        tables = connection.introspection.django_table_names(only_existing=True)
        for sql in connection.ops.sql_flush(no_style(), tables, allow_cascade=True):
            cursor.execute(sql)
    print(f"The LA's year: {la_bench.SCHOOLS} schools, {la_bench.PUPILS:,} pupils")
    school_ids, pupil_ids, pupil_schools = la_bench.build_la()
    with connection.cursor() as cursor:
        # The tables just filled, vacuumed and with statistics, as autovacuum
        # keeps a live database after a bulk load.
        cursor.execute("VACUUM ANALYZE")
    incoming = la_bench.year_of_marks(pupil_ids, pupil_schools)
    files = la_bench.ctf_files(school_ids, incoming)
    del incoming
    print(f"  {len(files)} CTF files, {sum(map(len, files)) / 1e6:.0f} MB")
    # As for the commands, each file's figures refresh goes to a broker that no
    # worker reads: the test settings would run it here, after every file.
    celery_app.conf.update(task_always_eager=False, broker_url="memory://localhost/")
    load = os.getloadavg()[0]
    server_started = server_cpu()
    started, cpu_started = time.perf_counter(), time.process_time()
    for data in files:
        report = ctf_import(source=data, batch=None, acting_user=None)
        if not report.succeeded:
            raise RuntimeError(report.errors[:3])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    server = server_cpu() - server_started
    print(
        f"  whole year through the CTF import: {seconds:.1f} s (load {load:.1f}); CPU "
        f"{cpu:.1f} s here and {server:.1f} s in the database server, {cpu + server:.1f} s in all"
    )
    print(
        f"  against the target of {LA_TARGET_S} s: "
        + judged(seconds <= LA_TARGET_S, cpu + server <= LA_TARGET_S, load)
    )


def server_cpu() -> float:
    """CPU seconds so far of this connection's PostgreSQL process (on this
    machine), which the wall clock counts but the process's own CPU time does not."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0  # the server is on another machine
    # utime and stime: fields 14 and 15 of stat, 12 and 13 after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
