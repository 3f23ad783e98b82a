"""The product under load: an LA of 60+ schools served by gunicorn, 20 people
signed in through the sign-in form and browsing for 3 minutes (issue 15, item 5).

Builds, in a throwaway PostgreSQL database:
  - the demo LA (demo.builder.demo_build: its three schools, families, a term
    of registers, its cases with contacts, meetings, plans and the Notices to
    Improve its rules allow, and its accounts);
  - BENCH_LOAD_SCHOOLS more schools in the same LA with BENCH_LOAD_PUPILS pupils
    (COPY), their enrolments and this academic year's registers up to
    yesterday (bench_attendance's generator: most pupils attend well, a fifth
    are often absent), figures refreshed as the nightly job does;
  - at each of those schools an attendance lead and a DSL, and
    BENCH_LOAD_CASES_PER_SCHOOL cases for its most absent pupils, written as the
    demo writes its cases (records stored directly, dated, by the lead): a
    carer, two contacts, a meeting held, a barrier and a plan with an action;
    one case a school at Notice to Improve, and at every other school one
    referred to the LA with its bundle built by the real `bundle_build`, so the
    LA inbox holds them;
  - more LA officers and a second manager.

Then serves it with gunicorn on 127.0.0.1 (production settings: DEBUG off,
WhiteNoise, see bench/load_settings.py), runs Locust headless
(bench/locustfile.py) with BENCH_LOAD_USERS users, arriving one every two seconds
(BENCH_LOAD_SPAWN_RATE), for BENCH_LOAD_RUN_TIME, and
prints p50/p95/p99 and errors per page against the targets: p95 at most 150 ms
for every page but the bundle PDF, no errors.

Before the load, each page is opened once alone for one account of each role
(its query count and time: BENCH_LOAD_ALONE=0 skips it).

Small and quick: BENCH_LOAD_SCHOOLS=5 BENCH_LOAD_PUPILS=2000 BENCH_LOAD_USERS=5
BENCH_LOAD_RUN_TIME=30s python bench/bench_load.py. To look into a slow page:
BENCH_LOAD_SERVE=0 (build and the pages alone, no server) and BENCH_LOAD_KEEP=1
(the database is kept: drop `bench_load` yourself afterwards).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attendance_site.settings_test")
django.setup()

from django.conf import settings  # noqa: E402

settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = "bench_load"

from django.apps import apps  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from accounts.hashers import OwaspArgon2PasswordHasher  # noqa: E402
from accounts.models import LocalAuthority, Role, School, User  # noqa: E402
from attendance import codes  # noqa: E402
from attendance.models import PupilFigures, SchoolTerm, SchoolYearDays  # noqa: E402
from attendance.reports import figures_for_pupil  # noqa: E402
from attendance.services.calendars import school_days_after, school_days_refresh  # noqa: E402
from attendance.services.marks import IncomingRegister, registers_merge  # noqa: E402
from attendance.services.snapshots import figures_refresh  # noqa: E402
from attendance.years import academic_year_of, empty_marks, year_start  # noqa: E402
from cases.models import (  # noqa: E402
    ActionPlan,
    AttendanceCase,
    Barrier,
    CaseShare,
    Contact,
    EngagementAssessment,
    PlanAction,
    SupportMeeting,
)
from core.dates import last_full_day  # noqa: E402
from demo.builder import DEMO_LA_CODE, DEMO_PASSWORD, demo_build  # noqa: E402
from notices.bundle import bundle_build  # noqa: E402
from notices.models import LegalReferral, NoticeToImprove  # noqa: E402
from pupils.models import Carer, Pupil, PupilCarer  # noqa: E402
from pupils.upn import upn_check_letter  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent

SCHOOLS = int(os.environ.get("BENCH_LOAD_SCHOOLS", 63))
PUPILS = int(os.environ.get("BENCH_LOAD_PUPILS", 40_000))
CASES_PER_SCHOOL = int(os.environ.get("BENCH_LOAD_CASES_PER_SCHOOL", 5))
USERS = int(os.environ.get("BENCH_LOAD_USERS", 20))
# People arrive over a minute or so, not all in the same second: one every two
# seconds, so 20 are all signed in after 40 s (BENCH_LOAD_SPAWN_RATE, per second).
SPAWN_RATE = os.environ.get("BENCH_LOAD_SPAWN_RATE", "0.5")
RUN_TIME = os.environ.get("BENCH_LOAD_RUN_TIME", "3m")
WORKERS = os.environ.get("BENCH_LOAD_WORKERS", "3")
# As the Dockerfile and docker-compose.yml serve it: 3 sync workers.
THREADS = os.environ.get("BENCH_LOAD_THREADS", "1")
TARGET_P95_MS = 150
SEED = 2026
# The key of every account's authenticator, if the product asks for a code at
# sign-in (django-otp's TOTP device): the locustfile computes the code from it.
TOTP_KEY = "3132333435363738393031323334353637383930"

_Stage = AttendanceCase.Stage


def terms(year: int) -> list[tuple[str, dt.date, dt.date]]:
    """The LA's term dates for `year`, the same at every bulk school."""
    y, n = year, year + 1
    return [
        ("Autumn 1", dt.date(y, 9, 3), dt.date(y, 10, 23)),
        ("Autumn 2", dt.date(y, 11, 2), dt.date(y, 12, 18)),
        ("Spring 1", dt.date(n, 1, 5), dt.date(n, 2, 12)),
        ("Spring 2", dt.date(n, 2, 22), dt.date(n, 3, 26)),
        ("Summer 1", dt.date(n, 4, 12), dt.date(n, 5, 21)),
        ("Summer 2", dt.date(n, 6, 1), dt.date(n, 7, 21)),
    ]


# --- Building the LA ---------------------------------------------------------------------


def schools_build(la: LocalAuthority, year: int) -> list[School]:
    schools = School.objects.bulk_create(
        School(
            urn=f"{980000 + i}",
            name=f"Bench School {i:02d}",
            phase=School.Phase.SECONDARY if i % 4 == 0 else School.Phase.PRIMARY,
            local_authority=la,
            establishment_number=f"{5000 + i:04d}",
        )
        for i in range(SCHOOLS)
    )
    SchoolTerm.unscoped.bulk_create(
        SchoolTerm(school=school, name=name, start=start, end=end)
        for school in schools
        for name, start, end in terms(year)
    )
    school_days_refresh(pairs={(school.pk, y) for school in schools for y in (year - 1, year)})
    return schools


def pupils_build(schools: list[School]) -> tuple[list[int], list[int]]:
    """Pupils and their enrolments by COPY; secondaries hold three times the pupils
    of a primary. Returns pupil ids and each one's school id."""
    weights = [3 if s.phase == School.Phase.SECONDARY else 1 for s in schools]
    per_weight = PUPILS / sum(weights)
    pupil_schools: list[int] = []
    for school, weight in zip(schools, weights, strict=True):
        pupil_schools += [school.pk] * round(per_weight * weight)
    while len(pupil_schools) < PUPILS:
        pupil_schools.append(schools[len(pupil_schools) % len(schools)].pk)
    pupil_schools = pupil_schools[:PUPILS]
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY cases_pupil (upn, legal_forename, legal_surname, preferred_forename, "
            "preferred_surname, date_of_birth, sex, year_group, sen_status, free_school_meals, "
            "looked_after, social_care) FROM STDIN"
        ) as copy,
    ):
        for i in range(len(pupil_schools)):
            body = f"836{5000 + i // 100_000:04d}{i // 1000 % 100:02d}{i % 1000:03d}"
            copy.write_row(
                (
                    upn_check_letter(body) + body,
                    f"Forename{i}",
                    f"Surname{i % 997}",
                    "",
                    "",
                    dt.date(2012, 9, 1) + dt.timedelta(days=i % 2500),
                    "F" if i % 2 else "M",
                    str(1 + i % 6),
                    "",
                    i % 5 == 0,
                    False,
                    "",
                )
            )
    pupil_ids = list(
        Pupil.unscoped.filter(legal_forename__startswith="Forename")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with (
        connection.cursor() as cursor,
        cursor.copy('COPY cases_enrolment (pupil_id, school_id, start, "end") FROM STDIN') as copy,
    ):
        for pupil_id, school_id in zip(pupil_ids, pupil_schools, strict=True):
            copy.write_row((pupil_id, school_id, dt.date(2020, 9, 1), None))
    return pupil_ids, pupil_schools


def marks_so_far(
    year: int, school_id: int, last: dt.date, pupil_ids: list[int], pupil_schools: list[int]
) -> list[IncomingRegister]:
    """bench_attendance.year_of_marks on this year's calendar, up to `last`: the
    same mix of pupils (most attend well, a fifth often absent, a few miss
    Friday afternoons or take a week's holiday), their absences scaled to the
    part of the year gone; the days to come left blank."""
    days = SchoolYearDays.unscoped.get(school_id=school_id, academic_year=year).days
    start = year_start(year)
    cut = (last - start).days + 1
    template = list(empty_marks(year))
    sessions = []
    for index, flag in enumerate(days[:cut]):
        weekday = (start + dt.timedelta(days=index)).weekday()
        if flag == "1":
            template[2 * index], template[2 * index + 1] = "/", "\\"
            sessions += [2 * index, 2 * index + 1]
        elif weekday < 5:
            template[2 * index] = template[2 * index + 1] = codes.NO_SESSION
    share = len(sessions) / 380
    fridays_pm = [s for s in sessions if s % 2 and (start + dt.timedelta(s // 2)).weekday() == 4]
    rng = random.Random(SEED)
    incoming = []
    for pupil_id, pupil_school in zip(pupil_ids, pupil_schools, strict=True):
        marks = template.copy()
        profile = rng.random()
        absences = rng.randint(0, 12) if profile < 0.8 else rng.randint(40, 120)
        for position in rng.sample(sessions, min(len(sessions), round(absences * share))):
            marks[position] = rng.choice("IIIIMCNO")
        if profile > 0.97:
            for position in fridays_pm:
                marks[position] = "O"
        elif profile > 0.95 and len(sessions) > 10:
            first = rng.randrange(0, len(sessions) - 10)
            for position in sessions[first : first + 10]:
                marks[position] = "G"
        incoming.append(IncomingRegister(pupil_id, pupil_school, year, "".join(marks)))
    return incoming


def accounts_build(la: LocalAuthority, schools: list[School]) -> None:
    staff = []
    for n, school in enumerate(schools):
        staff += [
            User(
                email=f"lead@bench{n:02d}.example.org",
                full_name=f"Lead {n:02d}",
                job_title="Attendance lead",
                role=Role.ATTENDANCE_LEAD,
                school=school,
            ),
            User(
                email=f"dsl@bench{n:02d}.example.org",
                full_name=f"Safeguarding Lead {n:02d}",
                job_title="Designated safeguarding lead",
                role=Role.DSL,
                school=school,
            ),
        ]
    staff += [
        User(
            email=f"officer{n}@northmoor-council.example.org",
            full_name=f"Officer {n}",
            job_title="Attendance and entitlement officer",
            role=Role.LA_OFFICER,
            local_authority=la,
        )
        for n in range(2, 6)
    ]
    staff.append(
        User(
            email="manager2@northmoor-council.example.org",
            full_name="Second Manager",
            job_title="Attendance service manager",
            role=Role.LA_MANAGER,
            local_authority=la,
        )
    )
    User.objects.bulk_create(staff)
    # The server checks passwords with the production hasher (Argon2id at OWASP's
    # parameters), not the test settings' MD5: one hash, made once, for every
    # account, with the production parameters so no sign-in stores it again.
    User.objects.update(
        password=OwaspArgon2PasswordHasher().encode(DEMO_PASSWORD, "benchloadsalt1")
    )
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        TOTPDevice.objects.bulk_create(
            TOTPDevice(user=user, name="Bench authenticator", key=TOTP_KEY, confirmed=True)
            for user in User.objects.all()
        )


def cases_build(schools: list[School], as_at: dt.date) -> None:
    """CASES_PER_SCHOOL cases at each bulk school for its most absent pupils,
    stored as demo.cases stores its records (directly, by the lead professional)."""
    leads = {u.school_id: u for u in User.objects.filter(role=Role.ATTENDANCE_LEAD)}
    rng = random.Random(SEED + 1)
    chosen: list[tuple[School, Pupil]] = []
    for school in schools:
        worst = (
            PupilFigures.unscoped.filter(school=school, as_at=as_at)
            .order_by("-unauthorised_absence_sessions", "pupil_id")
            .select_related("pupil")[:CASES_PER_SCHOOL]
        )
        chosen += [(school, row.pupil) for row in worst]
    carers = Carer.unscoped.bulk_create(
        Carer(
            forename=rng.choice(["Sam", "Alex", "Jo", "Chris", "Priya", "Tomasz"]),
            surname=pupil.legal_surname,
            address=f"{rng.randint(1, 120)} Mill Lane, Northmoor",
            postcode="NM1 4AB",
            mobile=f"07700 900{rng.randint(100, 999)}",
            email=f"carer{pupil.pk}@family.example.org",
        )
        for _, pupil in chosen
    )
    links = PupilCarer.unscoped.bulk_create(
        PupilCarer(pupil=pupil, carer=carer, relationship=PupilCarer.Relationship.PARENT)
        for (_, pupil), carer in zip(chosen, carers, strict=True)
    )
    stages = []
    for n in range(len(chosen)):
        place = n % CASES_PER_SCHOOL
        school_number = n // CASES_PER_SCHOOL
        if place == 0:
            stages.append(_Stage.NOTICE_TO_IMPROVE)
        elif place == 1 and school_number % 2 == 0:
            stages.append(_Stage.REFERRED)
        else:
            stages.append([_Stage.SUPPORT_FIRST, _Stage.TARGETED, _Stage.UNIVERSAL][place % 3])
    opened_on = as_at - dt.timedelta(days=75)
    cases = AttendanceCase.unscoped.bulk_create(
        AttendanceCase(
            pupil=pupil,
            school=school,
            stage=stage,
            lead_professional=leads[school.pk],
            opened_at=_at(opened_on, 15),
            opened_by=leads[school.pk],
            opening_reason=(
                f"{pupil.legal_forename} has missed more sessions than any pupil in the year "
                "group this half-term, most of them unexplained."
            ),
            opening_figures=figures_for_pupil(
                pupil_id=pupil.pk, upn=pupil.upn, as_at=opened_on
            ).as_json(),
        )
        for (school, pupil), stage in zip(chosen, stages, strict=True)
    )

    def record(model, case, **fields):  # type: ignore[no-untyped-def]
        lead = case.lead_professional
        return model(case=case, created_by=lead, updated_by=lead, **fields)

    Contact.unscoped.bulk_create(
        Contact(
            pupil=case.pupil,
            school=case.school,
            case=case,
            occurred_at=_at(opened_on + dt.timedelta(days=days), 9, 20),
            method=Contact.Method.PHONE,
            carer=link,
            made_by=case.lead_professional,
            reached=reached,
            absence_date=opened_on + dt.timedelta(days=days),
            reason_established="Unwell, no appointment" if reached else "",
            notes="First-day call." if reached else "No answer; message left.",
        )
        for case, link in zip(cases, links, strict=True)
        for days, reached in ((1, False), (8, True))
    )
    meetings = SupportMeeting.unscoped.bulk_create(
        record(
            SupportMeeting,
            case,
            sequence=1,
            scheduled_for=_at(opened_on + dt.timedelta(days=14), 15, 30),
            method=SupportMeeting.Method.IN_PERSON,
            held_on=opened_on + dt.timedelta(days=14),
            outcome="Agreed a plan with the family.",
            barriers_discussed="Mornings are hard; anxiety about a class change.",
            parent_voice="Wants help getting out of the house on time.",
            going_well="Enjoys PE and art.",
            agreed_actions="Morning check-in with a named adult; weekly call home.",
            next_review_date=opened_on + dt.timedelta(days=42),
        )
        for case in cases
    )
    through = SupportMeeting.invited.through
    through.objects.bulk_create(
        through(supportmeeting_id=m.pk, pupilcarer_id=link.pk)
        for m, link in zip(meetings, links, strict=True)
    )
    attended = SupportMeeting.attended.through
    attended.objects.bulk_create(
        attended(supportmeeting_id=m.pk, pupilcarer_id=link.pk)
        for m, link in zip(meetings, links, strict=True)
    )
    barriers = Barrier.unscoped.bulk_create(
        record(
            Barrier,
            case,
            kind=Barrier.Kind.choices[0][0],
            factor=Barrier.Factor.PUSH,
            description="Worried about the noise and crowding at the start of the day.",
            identified_on=opened_on + dt.timedelta(days=14),
        )
        for case in cases
    )
    plans = ActionPlan.unscoped.bulk_create(
        record(
            ActionPlan,
            case,
            agreed_on=opened_on + dt.timedelta(days=14),
            target_attendance=95,
            target_date=opened_on + dt.timedelta(days=90),
            review_every_days=14,
            next_review_due=opened_on + dt.timedelta(days=28),
        )
        for case in cases
    )
    PlanAction.unscoped.bulk_create(
        record(
            PlanAction,
            plan.case,
            plan=plan,
            barrier=barrier,
            action="Morning check-in with a named adult at the side gate.",
            by_when=opened_on + dt.timedelta(days=28),
            responsible="Head of year",
            how_we_will_know="In school by 8:50 on check-in days.",
        )
        for plan, barrier in zip(plans, barriers, strict=True)
    )
    EngagementAssessment.unscoped.bulk_create(
        record(
            EngagementAssessment,
            case,
            assessed_on=opened_on + dt.timedelta(days=40),
            level=EngagementAssessment.Level.NOT_ENGAGING,
            reason="Missed the review meeting and has not answered calls since.",
        )
        for case in cases
        if case.stage in (_Stage.NOTICE_TO_IMPROVE, _Stage.REFERRED)
    )
    for case, link in zip(cases, links, strict=True):
        if case.stage not in (_Stage.NOTICE_TO_IMPROVE, _Stage.REFERRED):
            continue
        referred = case.stage == _Stage.REFERRED
        issued_on = school_days_after(
            school_id=case.school_id, day=as_at - dt.timedelta(days=70 if referred else 20), count=1
        )
        notice = NoticeToImprove.unscoped.create(
            case=case,
            issued_on=issued_on,
            issued_by=case.lead_professional,
            period_ends_on=school_days_after(school_id=case.school_id, day=issued_on, count=30),
            sufficient_improvement=(
                f"{case.pupil.legal_forename} attends every session, on time, for the "
                "improvement period, with no unauthorised absence."
            ),
            consequence="A referral to the Local Authority for legal intervention.",
            staff_contact=f"{case.lead_professional.full_name}, {case.school.name}",
        )
        notice.recipients.set([link])
        if referred:
            day = notice.period_ends_on + dt.timedelta(days=3)
            LegalReferral.unscoped.create(
                case=case,
                notice=notice,
                submitted_at=_at(day, 16),
                submitted_by=case.lead_professional,
                bundle=bundle_build(case, notice, day, user=case.lead_professional),
            )


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def build(workdir: Path) -> Path:
    """The LA, its accounts and cases; returns the manifest the locustfile reads."""
    today = django_today()
    as_at = last_full_day()
    year = academic_year_of(as_at)
    started = time.perf_counter()
    demo_build(today=today)
    la = LocalAuthority.objects.get(code=DEMO_LA_CODE)
    demo_seconds = time.perf_counter() - started
    schools = schools_build(la, year)
    pupil_ids, pupil_schools = pupils_build(schools)
    incoming = marks_so_far(year, schools[0].pk, as_at, pupil_ids, pupil_schools)
    with transaction.atomic():
        registers_merge(incoming=incoming)
    figures_refresh(as_at=as_at)
    accounts_build(la, schools)
    with transaction.atomic():
        cases_build(schools, as_at)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    all_schools = School.objects.filter(local_authority=la).count()
    pupils = Pupil.unscoped.count()
    open_cases = AttendanceCase.unscoped.filter(status=AttendanceCase.Status.OPEN).count()
    referrals = LegalReferral.unscoped.filter(status=LegalReferral.Status.SUBMITTED).count()
    print(
        f"  built {all_schools} schools, {pupils:,} pupils, {len(incoming):,} registers to "
        f"{as_at:%d %b %Y}, {open_cases} open cases, {referrals} referrals in the inbox "
        f"in {time.perf_counter() - started:.0f} s (the demo LA: {demo_seconds:.0f} s)",
        flush=True,
    )
    return manifest_write(workdir, la)


def django_today() -> dt.date:
    from core.dates import today

    return today()


def manifest_write(workdir: Path, la: LocalAuthority) -> Path:
    """Who signs in and what they open: accounts interleaved by role so that any
    number of users gets the mix (of 20: 8 leads, 4 DSLs, 6 officers, 2 managers)."""
    rng = random.Random(SEED + 2)
    schools = {}
    for school in School.objects.filter(local_authority=la).order_by("pk"):
        pupils = list(
            Pupil.unscoped.filter(enrolments__school=school)
            .order_by("pk")
            .values_list("pk", "upn", "legal_surname")
        )
        sample = rng.sample(pupils, min(40, len(pupils)))
        schools[school.pk] = {
            "pupils": [pk for pk, _, _ in sample],
            "searches": [surname[1:].lower() for _, _, surname in sample[:10]]
            + [upn for _, upn, _ in sample[:3]],
            "cases": list(
                AttendanceCase.unscoped.filter(school=school).values_list("pk", flat=True)
            ),
        }
    by_role: dict[str, list[dict[str, object]]] = {}
    for user in User.objects.filter(is_active=True).exclude(role=Role.SYSTEM_ADMIN).order_by("pk"):
        if user.role == Role.SCHOOL_STAFF:
            continue
        by_role.setdefault(user.role, []).append(
            {"email": user.email, "role": user.role, "school": user.school_id}
        )
    pattern = [
        Role.ATTENDANCE_LEAD,
        Role.LA_OFFICER,
        Role.DSL,
        Role.ATTENDANCE_LEAD,
        Role.LA_OFFICER,
        Role.ATTENDANCE_LEAD,
        Role.DSL,
        Role.LA_OFFICER,
        Role.ATTENDANCE_LEAD,
        Role.LA_MANAGER,
    ]
    # The demo's own leads first (their schools hold the demo's stories), then the
    # bulk schools' spread across the LA.
    for role in (Role.ATTENDANCE_LEAD, Role.DSL):
        by_role[role].sort(key=lambda a: (not str(a["email"]).endswith("example.org"), a["email"]))
    accounts = []
    taken = dict.fromkeys(by_role, 0)
    for n in range(max(USERS, 1)):
        role = pattern[n % len(pattern)]
        pool = by_role[role]
        accounts.append(pool[taken[role] % len(pool)])
        taken[role] += 1
    manifest = {
        "password": DEMO_PASSWORD,
        "totp_key": TOTP_KEY,
        "accounts": accounts,
        "schools": schools,
        "referrals": list(
            LegalReferral.unscoped.filter(case__school__local_authority=la).values_list(
                "pk", flat=True
            )
        ),
        # The case files an LA user may open: those shared with the LA (need to
        # know); any other case page is a 404 for them.
        "la_cases": list(
            CaseShare.unscoped.filter(case__school__local_authority=la, revoked_at__isnull=True)
            .values_list("case_id", flat=True)
            .distinct()
        ),
    }
    path = workdir / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def single_requests(manifest: Path) -> None:
    """Each page once, alone, through Django's test client, for one account of
    each role: the queries it runs and its time with nobody else on the server
    (median of 3), to tell a slow page from a loaded machine."""
    from clients import signed_in
    from django.test.utils import CaptureQueriesContext

    data = json.loads(manifest.read_text())
    referral = data["referrals"][0] if data["referrals"] else None
    print(f"  {'page, alone':<34}{'queries':>8}{'ms':>8}")
    seen = set()
    for account in data["accounts"]:
        if account["role"] in seen:
            continue
        seen.add(account["role"])
        client = signed_in(User.objects.get(email=account["email"]))
        school = account["school"] or next(iter(data["schools"]))
        sample = data["schools"][str(school)]
        # An LA user opens only case files shared with the LA (need to know).
        cases = sample["cases"] if account["school"] else data["la_cases"]
        pages = [
            ("today (home)", "/"),
            ("school dashboard", f"/attendance/schools/{school}/"),
            ("pupil search", f"/pupils/?q={sample['searches'][0]}"),
            ("pupil attendance", f"/attendance/pupils/{sample['pupils'][0]}/"),
            ("case page", f"/cases/{(cases or [0])[0]}/"),
            ("caseload", "/cases/"),
        ]
        if not account["school"]:
            pages += [("LA overview", "/attendance/schools/"), ("LA inbox", "/notices/inbox/")]
            if referral:
                pages.append(("referral bundle PDF", f"/notices/referrals/{referral}/bundle.pdf"))
        for name, url in pages:
            client.get(url)
            timings = []
            for _ in range(3):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
            label = f"{name} ({account['role']})"
            status = "" if response.status_code == 200 else f"  status {response.status_code}"
            print(f"  {label:<34}{len(queries):>8}{sorted(timings)[1]:>8.0f}{status}")


# --- Serving and loading -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{HERE}",
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": url,
    }
    env.pop("DEBUG", None)
    return env


def store_bundles(env: dict[str, str]) -> None:
    """Each referral's bundle PDF, rendered and stored as the worker does when
    a referral is submitted (notices.tasks.store_bundle_file), in the server's
    own storage: the build wrote the referrals directly, without the task."""
    started = time.perf_counter()
    script = (
        "from notices.models import LegalReferral\n"
        "from notices.tasks import store_bundle_file\n"
        "for pk in LegalReferral.unscoped.values_list('pk', flat=True):\n"
        "    store_bundle_file(pk)\n"
    )
    # Our own interpreter and manage.py, with a fixed script.
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", script],
        env=env,
        check=True,
        cwd=ROOT,
    )
    print(f"  referral bundles stored as at submission in {time.perf_counter() - started:.1f} s")


def serve(workdir: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    # Our own interpreter and tools, with fixed arguments.
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    port = free_port()
    log = (workdir / "gunicorn.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "gunicorn"),
            "attendance_site.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            WORKERS,
            "--threads",
            THREADS,
            "--timeout",
            "60",
        ],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    host = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{host}/healthz", timeout=2):  # noqa: S310
                warm_up(host)
                return server, host
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError(f"gunicorn did not start: see {workdir / 'gunicorn.log'}")


def warm_up(host: str) -> None:
    """Every worker loads the app on its first request (seconds on a busy
    machine): a server in service is warm, so the load starts after that."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(_: int) -> None:
        with urllib.request.urlopen(f"{host}/sign-in/", timeout=120):  # noqa: S310
            pass

    slots = int(WORKERS) * int(THREADS)
    with ThreadPoolExecutor(max_workers=slots) as pool:
        list(pool.map(fetch, range(4 * slots)))


def load(workdir: Path, host: str, manifest: Path) -> Path:
    prefix = workdir / "locust"
    subprocess.run(  # noqa: S603
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "-u",
            str(USERS),
            "-r",
            SPAWN_RATE,
            "--run-time",
            RUN_TIME,
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            # Requests still running at the end finish and are counted, not cut off.
            "--stop-timeout",
            "60",
        ],
        env={**os.environ, "BENCH_LOAD_MANIFEST": str(manifest)},
        # Locust's own summary goes to a file: the table below is the one to read.
        stdout=(workdir / "locust.log").open("wb"),
        stderr=subprocess.STDOUT,
        check=False,  # Locust exits 1 when any request failed: the table says which.
        cwd=ROOT,
    )
    return Path(f"{prefix}_stats.csv")


# The pages in the order of the table; the PDF has no time target.
PAGES = [
    "sign-in page",
    "sign in",
    "today (home)",
    "school dashboard",
    "pupil search",
    "pupil attendance",
    "case page",
    "caseload",
    "LA overview",
    "LA inbox",
    "referral bundle PDF",
]
NO_TARGET = {"sign in", "sign in (code)", "referral bundle PDF"}


def report(stats: Path, load_before: tuple[float, float, float]) -> bool:
    rows = {row["Name"]: row for row in csv.DictReader(stats.open())}
    print(
        f"  {'page':<22}{'requests':>9}{'errors':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        "  target p95 <= 150 ms, 0 errors"
    )
    ok = True
    names = [n for n in PAGES if n in rows] + sorted(
        n for n in rows if n not in PAGES and n != "Aggregated"
    )
    for name in [*names, "Aggregated"]:
        row = rows[name]
        requests, errors = int(row["Request Count"]), int(row["Failure Count"])
        p50, p95, p99 = (float(row[k] or 0) for k in ("50%", "95%", "99%"))
        if name == "Aggregated":
            verdict = ""
        elif name in NO_TARGET:
            verdict = "no time target" + ("" if not errors else ": ERRORS")
        else:
            met = p95 <= TARGET_P95_MS and not errors
            ok &= met
            verdict = "met" if met else "MISSED"
        label = "all requests" if name == "Aggregated" else name
        print(f"  {label:<22}{requests:>9}{errors:>8}{p50:>8.0f}{p95:>8.0f}{p99:>8.0f}  {verdict}")
    after = os.getloadavg()
    print(
        "  load average (1, 5, 15 min): before "
        + ", ".join(f"{x:.1f}" for x in load_before)
        + "; after "
        + ", ".join(f"{x:.1f}" for x in after)
        + f" on {os.cpu_count()} cores"
    )
    print(f"  {'all targets met' if ok else 'some targets missed'}")
    failures = stats.with_name(stats.name.replace("_stats.csv", "_failures.csv"))
    if failures.exists():
        for row in list(csv.DictReader(failures.open()))[:10]:
            print(f"  error: {row['Name']}: {row['Error']} ({row['Occurrences']}x)")
    return ok


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_load needs PostgreSQL: set DATABASE_URL.")
        return
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
            workdir = Path(tmp)
            manifest = build(workdir)
            if os.environ.get("BENCH_LOAD_ALONE", "1") == "1":
                single_requests(manifest)
            connection.close()
            if os.environ.get("BENCH_LOAD_SERVE", "1") != "1":
                return
            env = {**server_env(), "MEDIA_ROOT": str(workdir / "media")}
            store_bundles(env)
            server, host = serve(workdir, env)
            load_before = os.getloadavg()
            print(
                f"  {USERS} users signing in and browsing for {RUN_TIME} against gunicorn "
                f"({WORKERS} workers x {THREADS} threads) at {host}",
                flush=True,
            )
            stats = load(workdir, host, manifest)
            server.terminate()
            server.wait(timeout=30)
            server = None
            report(stats, load_before)
            log = (workdir / "gunicorn.log").read_text(errors="replace")
            if timeouts := log.count("WORKER TIMEOUT"):
                print(f"  gunicorn killed {timeouts} workers for taking over 60 s on a request")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.close()
        if os.environ.get("BENCH_LOAD_KEEP") == "1":
            name = settings.DATABASES["default"]["NAME"]
            print(f"  kept the database {name} (BENCH_LOAD_KEEP=1)")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
