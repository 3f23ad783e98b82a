"""An import for one school changes only what that school owns (docs/rules.md#imports).

Worked example (issue 8): Brookfield's CTF names a Northmoor High pupil, with
other marks for Northmoor's days and other parent details. Northmoor's register
and the parent stay as Northmoor recorded them, Brookfield gets no access to
the pupil, the report lists each difference, and Northmoor is told.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.models import Role
from attendance.models import ImportDiscrepancy, RegisterYear
from attendance.services.imports import ctf_import
from attendance.services.marks import IncomingRegister, registers_merge
from attendance.years import empty_marks, mark_index
from core.models import AuditEvent
from pupils.models import Carer, Enrolment, Pupil, PupilCarer

from .factories import (
    CarerFactory,
    EnrolmentFactory,
    LocalAuthorityFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
    make_upn,
)
from .factories_attendance import ImportBatchFactory, ctf_contact, ctf_document, ctf_pupil, ctf_year

pytestmark = pytest.mark.django_db

# Monday 8 to Friday 12 September 2025.
WEEK_START = dt.date(2025, 9, 8)
PRESENT_WEEK = "/\\" * 5
ABSENT_WEEK = "OO" * 5


def northmoor_pupil(northmoor, *, left: dt.date | None = None):
    """A Northmoor pupil with a week of present marks and a mother on file."""
    pupil = PupilFactory(
        upn=make_upn("926", "4001", 1), legal_forename="Willow", legal_surname="Evans"
    )
    EnrolmentFactory(pupil=pupil, school=northmoor, start=dt.date(2025, 9, 1), end=left)
    marks = list(empty_marks(2025))
    for offset, char in enumerate(PRESENT_WEEK):
        marks[mark_index(WEEK_START, "AM") + offset] = char
    registers_merge(incoming=[IncomingRegister(pupil.pk, northmoor.pk, 2025, "".join(marks))])
    mother = CarerFactory(
        forename="Isla", surname="Evans", address="1 Moor Lane", email="isla@example.org"
    )
    PupilCarerFactory(pupil=pupil, carer=mother, relationship=PupilCarer.Relationship.MOTHER)
    return pupil


def brookfield_file(upn: str, *years: str, **contact: str) -> bytes:
    contact.setdefault("address", "9 Other Street, Elsewhere")
    contact.setdefault("email", "isla.new@example.org")
    return ctf_document(
        ctf_pupil(
            upn,
            *years,
            surname="Evans-Smith",
            contacts=(ctf_contact("Isla", "Evans", **contact),),
        ),
        lea="926",
        estab="4002",
    )


def northmoor_week(marks: str) -> str:
    return ctf_year(marks, start=WEEK_START, lea="926", estab="4001", school_name="Northmoor High")


def brookfield_week(marks: str, start: dt.date = dt.date(2025, 9, 15)) -> str:
    return ctf_year(marks, start=start, lea="926", estab="4002", school_name="Brookfield Academy")


def run_for(school, data: bytes):
    batch = ImportBatchFactory(school=school)
    return ctf_import(source=data, batch=batch, acting_user=batch.uploaded_by), batch


def test_a_file_naming_another_schools_pupil_changes_nothing_of_theirs(northmoor, brookfield):
    pupil = northmoor_pupil(northmoor)
    register_before = RegisterYear.unscoped.get(pupil=pupil).marks
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=brookfield)

    report, batch = run_for(
        brookfield,
        brookfield_file(pupil.upn, northmoor_week(ABSENT_WEEK), brookfield_week(PRESENT_WEEK)),
    )

    assert report.succeeded, report.errors
    # Northmoor's register, the pupil and the mother are as Northmoor recorded them.
    register = RegisterYear.unscoped.get(pupil=pupil, school=northmoor)
    assert register.marks == register_before
    assert register.origin == RegisterYear.Origin.SCHOOL
    assert not RegisterYear.unscoped.filter(pupil=pupil, school=brookfield).exists()
    pupil.refresh_from_db()
    assert pupil.legal_surname == "Evans"
    mother = Carer.unscoped.get()
    assert (mother.address, mother.email) == ("1 Moor Lane", "isla@example.org")
    # Brookfield has no enrolment, so its lead cannot find the pupil.
    assert not Enrolment.unscoped.filter(pupil=pupil, school=brookfield).exists()
    assert not Pupil.objects.for_user(lead).filter(pk=pupil.pk).exists()
    # The report names the pupil and each kind of difference, not Northmoor's values.
    (line,) = report.not_imported
    assert pupil.upn in line
    assert "nothing in the file for this pupil was imported" in line
    for topic in ("legal surname", "register marks at another school", "Isla Evans's address"):
        assert topic in line
    assert "1 Moor Lane" not in line
    assert report.counts.pupils_not_imported == 1
    # Northmoor (and its LA) are told, with both values.
    told = ImportDiscrepancy.unscoped.get()
    assert (told.school, told.pupil, told.refused, told.batch) == (northmoor, pupil, True, batch)
    differences = {d["what"]: (d["held"], d["file"]) for d in told.differences}
    assert differences["Pupil's legal surname"] == ("Evans", "Evans-Smith")
    assert differences["Isla Evans's address"] == ("1 Moor Lane", "9 Other Street, Elsewhere")
    assert differences["Mark on 8 September 2025 AM"] == ("/", "O")
    northmoor_lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=northmoor)
    assert ImportDiscrepancy.objects.for_user(northmoor_lead).count() == 1
    assert ImportDiscrepancy.objects.for_user(lead).count() == 0
    # The audit names every school touched or told, and the pupil.
    audited = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT)
    assert {e.school for e in audited} == {brookfield, northmoor}
    assert audited.get(school=northmoor).changes["told_about"] == [pupil.upn]


def test_a_real_move_imports_and_keeps_the_old_schools_own_register(northmoor, brookfield):
    pupil = northmoor_pupil(northmoor, left=dt.date(2025, 9, 12))
    before = RegisterYear.unscoped.get(pupil=pupil).marks
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=brookfield)

    report, _ = run_for(
        brookfield,
        brookfield_file(pupil.upn, northmoor_week(ABSENT_WEEK), brookfield_week(PRESENT_WEEK)),
    )

    assert report.succeeded, report.errors
    assert Enrolment.unscoped.filter(
        pupil=pupil, school=brookfield, start=dt.date(2025, 9, 15), end=dt.date(2025, 9, 19)
    ).exists()
    assert Pupil.objects.for_user(lead).filter(pk=pupil.pk).exists()
    own = RegisterYear.unscoped.get(pupil=pupil, school=brookfield)
    assert own.origin == RegisterYear.Origin.SCHOOL
    # Northmoor's own register for the weeks before the move is kept.
    assert RegisterYear.unscoped.get(pupil=pupil, school=northmoor).marks == before
    # The family now deals with Brookfield: the pupil's and mother's details follow its file.
    pupil.refresh_from_db()
    assert pupil.legal_surname == "Evans-Smith"
    assert Carer.unscoped.get().email == "isla.new@example.org"
    (told,) = ImportDiscrepancy.unscoped.all()
    assert (told.school, told.refused) == (northmoor, False)
    assert {d["what"] for d in told.differences} >= {"Mark on 8 September 2025 AM"}


def test_a_parent_shared_with_a_pupil_at_another_school_keeps_their_details(northmoor, brookfield):
    sibling = northmoor_pupil(northmoor)
    mother = Carer.unscoped.get()
    # Her younger child is Brookfield's, with the same mother on file.
    younger = PupilFactory(upn=make_upn("926", "4002", 2))
    EnrolmentFactory(pupil=younger, school=brookfield, start=dt.date(2025, 9, 1))
    PupilCarerFactory(pupil=younger, carer=mother, relationship=PupilCarer.Relationship.MOTHER)

    report, _ = run_for(
        brookfield,
        ctf_document(
            ctf_pupil(
                younger.upn,
                brookfield_week(PRESENT_WEEK, start=WEEK_START),
                contacts=(ctf_contact("Isla", "Evans", address="9 Other Street, Elsewhere"),),
            ),
            lea="926",
            estab="4002",
        ),
    )

    assert report.succeeded, report.errors
    mother.refresh_from_db()
    assert mother.address == "1 Moor Lane"
    told = ImportDiscrepancy.unscoped.get()
    assert (told.school, told.pupil, told.refused) == (northmoor, younger, False)
    differences = {d["what"]: (d["held"], d["file"]) for d in told.differences}
    assert differences["Isla Evans's address"] == ("1 Moor Lane", "9 Other Street, Elsewhere")
    assert sibling.upn not in " ".join(report.not_imported)


def test_history_is_kept_where_the_old_school_has_no_register_and_its_own_import_wins(
    northmoor, brookfield
):
    upn = make_upn("926", "4002", 7)
    report, _ = run_for(
        brookfield,
        ctf_document(
            ctf_pupil(upn, northmoor_week(ABSENT_WEEK), brookfield_week(PRESENT_WEEK)),
            lea="926",
            estab="4002",
        ),
    )
    assert report.succeeded, report.errors
    history = RegisterYear.unscoped.get(pupil__upn=upn, school=northmoor)
    assert (history.origin, history.supplied_by) == (RegisterYear.Origin.TRANSFER, brookfield)

    # Northmoor's own file for the same week replaces the history and owns the register.
    report, _ = run_for(
        northmoor,
        ctf_document(ctf_pupil(upn, northmoor_week(PRESENT_WEEK)), lea="926", estab="4001"),
    )
    assert report.succeeded, report.errors
    history.refresh_from_db()
    assert history.origin == RegisterYear.Origin.SCHOOL
    assert history.supplied_by is None
    position = mark_index(WEEK_START, "AM")
    assert history.marks[position : position + 10] == PRESENT_WEEK


def test_an_la_import_writes_to_its_own_schools_only(northmoor, brookfield, tmp_path):
    other_la = LocalAuthorityFactory(code="940", name="North Northamptonshire")
    outside = SchoolFactory(local_authority=other_la, establishment_number="4100")
    pupil = PupilFactory(upn=make_upn("940", "4100", 3))
    EnrolmentFactory(pupil=pupil, school=outside, start=dt.date(2025, 9, 1))
    path = tmp_path / "la.xml"
    path.write_bytes(
        ctf_document(
            ctf_pupil(make_upn("926", "4001", 4), northmoor_week(PRESENT_WEEK)),
            ctf_pupil(make_upn("926", "4002", 5), brookfield_week(PRESENT_WEEK)),
            ctf_pupil(pupil.upn, northmoor_week(PRESENT_WEEK), surname="Changed"),
            lea="926",
            estab="4001",
        )
    )

    call_command("import_ctf", str(path), "--la", "926")

    assert RegisterYear.unscoped.filter(school=northmoor).count() == 1
    assert RegisterYear.unscoped.filter(school=brookfield).count() == 1
    pupil.refresh_from_db()
    assert pupil.legal_surname != "Changed"
    assert ImportDiscrepancy.unscoped.get().school == outside


def test_a_refused_files_report_states_only_what_happened(la):
    # Two schools the product does not know, in an LA it does not know; the
    # second cannot be added because its placeholder URN is taken.
    SchoolFactory(local_authority=la, urn="5557002", establishment_number="9999")
    data = ctf_document(
        ctf_pupil(make_upn("555", "7001", 9), ctf_year(PRESENT_WEEK, lea="555", estab="7001")),
        ctf_pupil(make_upn("555", "7002", 8), ctf_year(PRESENT_WEEK, lea="555", estab="7002")),
        lea="555",
        estab="7001",
    )

    report = ctf_import(source=data, batch=None, acting_user=None)

    assert not report.succeeded
    said = "\n".join(report.lines())
    assert "cannot be added with the placeholder URN 5557002" in said
    assert "Nothing was changed" in said
    assert "has been added" not in said
