"""The nightly run at LA scale (issue 13, item 6).

Builds the benchmark LA of bench_attendance.py (420 schools, 130,000 pupils, a
year of marks, the figures refreshed) in a throwaway database, adds tens of
thousands of open cases with plans, contacts and meetings, Notices to Improve,
referrals, penalty notices and non-resident parents, then times:

  - the first nightly run (raising every flag: the first night after going live),
  - a steady night (nothing new: the detectors and the comparison only),
  - the bare SQL that counts the same conditions, one query per kind,

and prints each and the ratio (targets: under 60 s on 2 cores, at most 2x).
Run with DATABASE_URL pointing at PostgreSQL: `make bench`.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_attendance as base
from django.conf import settings

settings.DATABASES["default"]["TEST"]["NAME"] = "bench_nightly"

from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.models import Role, School, User  # noqa: E402
from attendance.models import PupilFigures  # noqa: E402
from attendance.services.marks import registers_merge  # noqa: E402
from attendance.services.snapshots import figures_refresh  # noqa: E402
from cases.hooks import Night, all_flag_kinds  # noqa: E402
from cases.models import (  # noqa: E402
    ActionPlan,
    AttendanceCase,
    Contact,
    Flag,
    NightlyRun,
    SupportMeeting,
)
from cases.nightly import run_nightly  # noqa: E402
from notices.models import NoticeToImprove, PenaltyNotice  # noqa: E402
from pupils.models import Carer, PupilCarer  # noqa: E402

# Casework in proportion to the LA (BENCH_PUPILS shrinks it for a quick run).
SCALE = base.PUPILS / 130_000
CASES = round(30_000 * SCALE)
NOTICES = round(2_000 * SCALE)
PENALTIES = round(600 * SCALE)
ABSENT_PARENTS = round(6_000 * SCALE)
# BENCH_KEEP=1 keeps the built database; BENCH_REUSE=1 times the runs on the
# kept one (its flags deleted first) without building it again.
KEEP = bool(os.environ.get("BENCH_KEEP"))
REUSE = bool(os.environ.get("BENCH_REUSE"))
# The Monday after the figures' Friday (bench_attendance.AS_AT): the morning run.
NIGHT = dt.date(2026, 7, 20)


def timed(label: str, action):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    print(f"  {label}: {seconds:.2f} s", flush=True)
    return seconds, result


def build_casework(school_ids: list[int]) -> None:
    rng = random.Random(base.SEED + 13)
    leads = User.objects.bulk_create(
        User(
            email=f"lead{i}@bench.example.org",
            full_name=f"Lead {i}",
            role=Role.ATTENDANCE_LEAD,
            school_id=school_id,
        )
        for i, school_id in enumerate(school_ids)
    )
    lead_of = {u.school_id: u.pk for u in leads}
    # Cases for the pupils who miss most: every threshold pupil but a few
    # hundred (the "needs a case" list), then the most absent.
    figures = list(
        PupilFigures.unscoped.order_by(
            "-national_threshold_met", "-unauthorised_absence_sessions"
        ).values_list("pupil_id", "school_id")[: CASES + 400]
    )[400:]
    opened = dt.datetime(2026, 5, 1, 8, tzinfo=dt.UTC)
    cases = AttendanceCase.unscoped.bulk_create(
        (
            AttendanceCase(
                pupil_id=pupil_id,
                school_id=school_id,
                lead_professional_id=lead_of[school_id],
                opened_by_id=lead_of[school_id],
                opened_at=opened - dt.timedelta(days=rng.randint(0, 120)),
                opening_reason="Bench",
            )
            for pupil_id, school_id in figures
        ),
        batch_size=5000,
    )
    plans, contacts, meetings = [], [], []
    for case in cases:
        lead = case.lead_professional_id
        if rng.random() < 0.6:
            agreed = dt.date(2026, 5, 1) + dt.timedelta(days=rng.randint(0, 70))
            plans.append(
                ActionPlan(
                    case=case,
                    target_attendance=95,
                    agreed_on=agreed,
                    target_date=agreed + dt.timedelta(days=60),
                    review_every_days=14,
                    next_review_due=agreed + dt.timedelta(days=rng.randint(14, 40)),
                    created_by_id=lead,
                    updated_by_id=lead,
                )
            )
        for _ in range(rng.randint(0, 3)):
            contacts.append(
                Contact(
                    pupil_id=case.pupil_id,
                    school_id=case.school_id,
                    case=case,
                    occurred_at=dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
                    + dt.timedelta(days=rng.randint(0, 48)),
                    method="phone",
                    made_by_id=lead,
                    reached=True,
                )
            )
        if rng.random() < 0.5:
            held = rng.random() < 0.7
            meetings.append(
                SupportMeeting(
                    case=case,
                    sequence=1,
                    scheduled_for=dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
                    + dt.timedelta(days=rng.randint(0, 50)),
                    method="in_person",
                    held_on=dt.date(2026, 6, 30) if held else None,
                    outcome="Agreed" if held else "",
                    created_by_id=lead,
                    updated_by_id=lead,
                )
            )
    ActionPlan.unscoped.bulk_create(plans, batch_size=5000)
    Contact.unscoped.bulk_create(contacts, batch_size=5000)
    SupportMeeting.unscoped.bulk_create(meetings, batch_size=5000)
    notices = NoticeToImprove.unscoped.bulk_create(
        (
            NoticeToImprove(
                case=case,
                issued_on=dt.date(2026, 6, 1) + dt.timedelta(days=rng.randint(0, 35)),
                issued_by_id=case.lead_professional_id,
                period_ends_on=dt.date(2026, 7, 10) + dt.timedelta(days=rng.randint(0, 30)),
                sufficient_improvement="Bench",
                consequence="Bench",
                staff_contact="Bench",
            )
            for case in cases[:NOTICES]
        ),
        batch_size=5000,
    )
    carers = Carer.unscoped.bulk_create(
        (Carer(forename=f"Parent{i}", surname="Bench") for i in range(ABSENT_PARENTS + PENALTIES)),
        batch_size=5000,
    )
    links = PupilCarer.unscoped.bulk_create(
        (
            PupilCarer(
                pupil_id=case.pupil_id,
                carer=carer,
                relationship="father",
                lives_with_pupil=i < PENALTIES,
            )
            for i, (case, carer) in enumerate(zip(cases, carers, strict=False))
        ),
        batch_size=5000,
    )
    PenaltyNotice.unscoped.bulk_create(
        (
            PenaltyNotice(
                case=case,
                recipient=link,
                issued_on=dt.date(2026, 3, 2),
                issued_by_id=case.lead_professional_id,
                updated_by_id=case.lead_professional_id,
                sequence=1,
                amount_if_paid_by_day_21=8000,
                reduced_due_on=dt.date(2026, 3, 23),
                amount_if_paid_by_day_28=16000,
                full_due_on=dt.date(2026, 3, 30),
                offence_first_day=dt.date(2026, 2, 2),
                offence_last_day=dt.date(2026, 2, 27),
            )
            for case, link in zip(cases, links[:PENALTIES], strict=False)
        ),
        batch_size=5000,
    )
    print(
        f"  {len(cases)} open cases, {len(plans)} plans, {len(contacts)} contacts, "
        f"{len(meetings)} meetings, {len(notices)} notices, {PENALTIES} penalty notices, "
        f"{ABSENT_PARENTS} parents not living with the pupil",
        flush=True,
    )


# The bare SQL: one count per kind of the subjects its condition holds for as
# at the night, at every school, with no flags kept or compared.
#
# - A kind judged in the database (cases.hooks.SqlJudge: 17 of the 21) is
#   counted with its own SELECT of the subjects due: the very same condition,
#   school days included (each school's last school day, worked out before the
#   clock starts).
# - The four still judged in Python are counted by hand below: the rows whose
#   condition SQL can state (the running notices whose period has not ended,
#   the parents told with no referral made, the penalty notices between four
#   and six months); the school-day counting done in Python is left out,
#   which makes the bare SQL quicker, not slower.
PYTHON_KINDS_SQL = {
    "notice_period_ending": """
        SELECT count(*) FROM notices_noticetoimprove n
        JOIN cases_attendancecase c ON c.id = n.case_id
        WHERE c.status = 'open' AND n.outcome = '' AND n.status = ''
          AND n.issued_on < %(as_at)s AND n.period_ends_on >= %(as_at)s""",
    "referral_not_made": """
        SELECT count(*) FROM notices_parentstoldofreferral t
        JOIN notices_noticetoimprove n ON n.id = t.notice_id
        JOIN cases_attendancecase c ON c.id = n.case_id
        WHERE c.status = 'open' AND n.status = '' AND t.told_on < %(as_at)s
          AND NOT EXISTS (SELECT 1 FROM notices_legalreferral r WHERE r.notice_id = t.notice_id)""",
    "la_prosecution (four and five months)": """
        SELECT count(*) FILTER (WHERE %(as_at)s >= offence_last_day + interval '4 months'
                                  AND %(as_at)s < offence_last_day + interval '5 months'),
               count(*) FILTER (WHERE %(as_at)s >= offence_last_day + interval '5 months'
                                  AND %(as_at)s <= offence_last_day + interval '6 months')
        FROM notices_penaltynotice
        WHERE status IN ('issued', 'prosecution') AND information_laid_on IS NULL
          AND offence_last_day > %(as_at)s - 200""",
}


def bare_sql_queries() -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, SELECT count, parameters) for every kind, for the whole LA."""
    night = Night(NIGHT, list(School.objects.order_by("pk").values_list("pk", flat=True)))
    queries = []
    for code, kind in all_flag_kinds().items():
        if kind.judge is not None:
            due, params = kind.judge.due(night)
            counted = "SELECT count(*) FROM ({}) x"
            queries.append((code, counted.format(due), {**night.sql_params(), **params}))
    for label, query in PYTHON_KINDS_SQL.items():
        queries.append((label, query, {"as_at": NIGHT}))
    return queries


def bare_sql(queries: list[tuple[str, str, dict[str, Any]]]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        # As the nightly run sets it: no JIT for statements this short.
        cursor.execute("SET LOCAL jit = off")
        for _, query, params in queries:
            cursor.execute(query, params)
            cursor.fetchall()


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_nightly needs PostgreSQL: set DATABASE_URL.")
        return
    setup_test_environment()
    if REUSE:
        connection.close()
        settings.DATABASES["default"]["NAME"] = "bench_nightly"
        Flag.unscoped.all().delete()
        NightlyRun.objects.all().delete()
        nights()
        return
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        if not KEEP:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    print(f"{base.SCHOOLS} schools, {base.PUPILS} pupils, academic year {base.YEAR}/26", flush=True)
    school_ids, pupil_ids, pupil_schools = base.build_la()
    with transaction.atomic():
        registers_merge(incoming=base.year_of_marks(pupil_ids, pupil_schools))
    timed("figures refresh (the job before)", lambda: figures_refresh(as_at=base.AS_AT))
    build_casework(school_ids)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    nights()


def nights() -> None:
    first, result = timed("first night (raising every flag)", lambda: run_nightly(as_at=NIGHT))
    print(f"    {result.summary()}")
    print(f"    flags by kind: {dict(sorted(result.raised.items()))}")
    # Each steady night followed by the bare SQL, three times: a machine whose
    # load changes during the run weighs on both alike.
    queries = bare_sql_queries()
    steadies, bares = [], []
    for _ in range(3):
        steadies.append(timed("steady night (nothing new)", lambda: run_nightly(as_at=NIGHT))[0])
        bares.append(
            timed(
                f"bare SQL, one count per kind ({len(queries)} queries)", lambda: bare_sql(queries)
            )[0]
        )
    steady, bare = statistics.median(steadies), statistics.median(bares)
    if os.environ.get("BENCH_PROFILE"):
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        run_nightly(as_at=NIGHT)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    print(f"  open flags: {Flag.unscoped.filter(resolved_at__isnull=True).count()}")
    print(
        f"  nightly run: first night {first:.1f} s, steady night {steady:.1f} s "
        f"(target under 60 s); steady night {steady / bare:.1f}x the bare SQL ({bare:.2f} s) "
        f"(target at most 2x); first night {first / bare:.1f}x"
    )


if __name__ == "__main__":
    main()
