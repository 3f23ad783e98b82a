"""Importing a Common Transfer File: pupils, families, enrolments and marks;
the same file twice; a newer file; and every kind of error changing nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import LocalAuthority, School
from attendance.models import ImportBatch, MarkChange, RegisterYear, SchoolYearDays
from attendance.services.imports import ctf_import
from attendance.years import mark_index
from core.models import AuditEvent
from pupils.models import Carer, Enrolment, Pupil, PupilCarer

from .factories import EnrolmentFactory, PupilCarerFactory, PupilFactory, UserFactory
from .factories_attendance import (
    SAMPLE_CTF,
    UPN_A,
    UPN_B,
    ImportBatchFactory,
    ctf_contact,
    ctf_document,
    ctf_pupil,
    ctf_year,
    riverside,
)

pytestmark = pytest.mark.django_db

# 1 to 5 September 2025: Monday to Friday, the first week of 2025/26.
WEEK = "/\\/\\/\\/\\/\\"


def state() -> dict[str, object]:
    """Everything an import writes, to compare before and after."""
    return {
        "pupils": sorted(
            Pupil.unscoped.values_list(
                "upn", "legal_forename", "legal_surname", "sex", "year_group", "date_of_birth"
            )
        ),
        "registers": sorted(
            RegisterYear.unscoped.values_list(
                "pupil__upn", "school__establishment_number", "academic_year", "marks"
            )
        ),
        "originals": sorted(
            (upn, sorted(originals.items()))
            for upn, originals in RegisterYear.unscoped.values_list("pupil__upn", "originals")
        ),
        "enrolments": sorted(
            Enrolment.unscoped.values_list(
                "pupil__upn", "school__establishment_number", "start", "end"
            )
        ),
        "carers": sorted(
            Carer.unscoped.values_list("forename", "surname", "address", "mobile", "email")
        ),
        "links": sorted(
            PupilCarer.unscoped.values_list(
                "pupil__upn",
                "carer__forename",
                "relationship",
                "parental_responsibility",
                "lives_with_pupil",
                "contact_priority",
            )
        ),
        "schools": sorted(School.objects.values_list("urn", "name", "establishment_number")),
        "las": sorted(LocalAuthority.objects.values_list("code", "name")),
        "changes": MarkChange.unscoped.count(),
    }


def run(data: bytes, *, batch: ImportBatch | None = None):
    return ctf_import(source=data, batch=batch, acting_user=None)


# The sample file ------------------------------------------------------------


def test_the_sample_file_imports_its_pupils_families_schools_and_marks():
    report = run(SAMPLE_CTF.read_bytes())

    assert report.succeeded, report.errors
    assert Pupil.unscoped.count() == 14
    assert RegisterYear.unscoped.count() == 16
    assert Enrolment.unscoped.count() == 16
    assert PupilCarer.unscoped.count() == 27
    # Every contact has their own email and phone: no carer is shared.
    assert Carer.unscoped.count() == 27
    la = LocalAuthority.objects.get(code="926")
    assert la.name == "LA 926"
    schools = {s.establishment_number: s for s in School.objects.all()}
    assert set(schools) == {"2155", "2301"}
    assert schools["2155"].name == "Riverside Academy"
    assert schools["2155"].urn == "9262155"
    assert schools["2301"].name == "Hillcrest Primary Federation"
    counts = report.counts
    assert (counts.pupils_created, counts.carers_created, counts.schools_created) == (14, 27, 2)
    assert (counts.registers_created, counts.enrolments_created) == (16, 16)
    assert counts.marks_changed == 0
    assert counts.marks_loaded == sum(
        len(r.marks) - r.marks.count("-") for r in RegisterYear.unscoped.all()
    )
    assert any("Local authority 926 was not known" in w for w in report.warnings)
    assert any(
        "Riverside Academy (926/2155) was not known" in w and "check its URN" in w
        for w in report.warnings
    )
    assert any("Hillcrest Primary Federation (926/2301)" in w for w in report.warnings)
    # School days come from the marks (rule A3), refreshed by the import.
    assert SchoolYearDays.unscoped.filter(academic_year=2025).count() == 2
    # One audit row for the import, and one for each school whose registers it wrote.
    audited = AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT)
    assert audited.count() == 3
    per_school = {e.school.establishment_number: e.changes for e in audited if e.school}
    assert set(per_school) == {"2155", "2301"}
    assert len(per_school["2155"]["pupils"]) == 14
    assert len(per_school["2301"]["registers"]) == 2


def test_the_sample_pupil_who_moved_school_has_an_enrolment_and_register_at_each():
    run(SAMPLE_CTF.read_bytes())

    mover = Pupil.unscoped.get(upn="H926215523103")
    spans = {
        e.school.establishment_number: (e.start, e.end)
        for e in Enrolment.unscoped.filter(pupil=mover).select_related("school")
    }
    # Rule A3: each spans exactly the dates its marks cover.
    assert spans == {
        "2301": (dt.date(2025, 9, 3), dt.date(2025, 10, 12)),
        "2155": (dt.date(2025, 10, 13), dt.date(2025, 12, 26)),
    }
    hillcrest = RegisterYear.unscoped.get(pupil=mover, school__establishment_number="2301")
    start = mark_index(dt.date(2025, 9, 3), "AM")
    assert hillcrest.marks[:start] == "-" * start
    assert hillcrest.marks[start : start + 6] == "O\\/N/O"


def test_the_sample_families_have_their_relationships_and_households():
    run(SAMPLE_CTF.read_bytes())

    freya = Pupil.unscoped.get(upn="H926215521101")
    links = {link.carer.forename: link for link in freya.carer_links.select_related("carer")}
    father = links["Ava"]
    assert father.relationship == PupilCarer.Relationship.FATHER
    assert father.parental_responsibility is True
    assert father.lives_with_pupil is True
    assert father.contact_priority == 1
    assert father.carer.mobile == "07700 900103"
    assert father.carer.email == "parent1-0@example.org"
    assert father.carer.address == "1 Example Road, Norwich"
    step = links["Mia"]
    assert step.relationship == PupilCarer.Relationship.STEP_FATHER
    assert step.parental_responsibility is False
    assert step.lives_with_pupil is False
    assert step.carer.address == "9 Other Street, King's Lynn"
    assert step.contact_priority == 2


def test_importing_the_same_file_twice_leaves_the_same_state():
    data = SAMPLE_CTF.read_bytes()
    run(data)
    before = state()

    again = run(data)

    assert again.succeeded
    assert state() == before
    assert MarkChange.unscoped.count() == 0
    counts = again.counts
    assert counts.pupils_created == counts.pupils_updated == 0
    assert counts.carers_created == counts.carers_updated == 0
    assert counts.enrolments_created == counts.enrolments_updated == 0
    assert counts.registers_created == counts.registers_updated == 0
    assert counts.schools_created == 0
    assert counts.marks_changed == 0
    # Known now: no more warnings about schools.
    assert not any("was not known" in w for w in again.warnings)


def test_a_newer_file_replaces_a_changed_mark_and_keeps_the_history():
    data = SAMPLE_CTF.read_bytes()
    run(data)
    newer = data.replace(
        b"<AttendanceMarks>/I/\\/\\", b"<AttendanceMarks>NI/\\/\\", 1
    )  # Willow Evans, 3 September 2025 AM: present becomes "not yet established"
    batch = ImportBatchFactory(school=School.objects.get(establishment_number="2155"))

    report = run(newer, batch=batch)

    assert report.succeeded
    assert report.counts.marks_changed == 1
    assert report.counts.registers_updated == 1
    change = MarkChange.unscoped.get()
    assert (change.date, change.session) == (dt.date(2025, 9, 3), "AM")
    assert (change.old_code, change.new_code) == ("/", "N")
    assert change.batch == batch
    register = RegisterYear.unscoped.get(pupil__upn="H926215520100")
    assert register.marks[mark_index(dt.date(2025, 9, 3), "AM")] == "N"


def test_progress_is_reported_in_order_up_to_100():
    seen: list[int] = []
    ctf_import(
        source=SAMPLE_CTF.read_bytes(), batch=None, acting_user=None, on_progress=seen.append
    )
    assert seen == sorted(set(seen))
    assert seen[0] == 5
    assert seen[-1] == 100
    assert 50 in seen  # every pupil read


# Smaller files built in the test --------------------------------------------


def test_legacy_codes_are_mapped_and_the_original_kept():
    riverside()
    marks = "H\\/J" + "/\\" * 3 + "Y\\"
    report = run(ctf_document(ctf_pupil(UPN_A, ctf_year(marks))))

    assert report.succeeded, report.errors
    register = RegisterYear.unscoped.get()
    first = mark_index(dt.date(2025, 9, 1), "AM")
    assert register.marks[first : first + 12] == "C\\/?/\\/\\/\\_\\"
    assert register.originals == {str(first): "H", str(first + 3): "J", str(first + 10): "Y"}


def test_multi_character_codes_and_no_session_are_stored_as_their_one_character_forms():
    riverside()
    run(ctf_document(ctf_pupil(UPN_A, ctf_year("<>$%`:|_#-"))))
    register = RegisterYear.unscoped.get()
    first = mark_index(dt.date(2025, 9, 1), "AM")
    assert register.marks[first : first + 10] == "<>$%`:|_#-"
    assert register.originals == {}


def test_element_names_match_whatever_their_case_and_gender_stands_for_sex():
    riverside()
    data = (
        ctf_document(ctf_pupil(UPN_A, ctf_year(WEEK), sex="<Gender>M</Gender>"))
        .replace(b"<Forename>Willow", b"<FORENAME>Willow")
        .replace(b"</Forename><DOB>", b"</FORENAME><DOB>")
        .replace(b"<AttendanceMarks>", b"<attendancemarks>")
        .replace(b"</AttendanceMarks>", b"</attendancemarks>")
    )
    report = run(data)
    assert report.succeeded, report.errors
    pupil = Pupil.unscoped.get()
    assert (pupil.legal_forename, pupil.sex) == ("Willow", Pupil.Sex.MALE)
    assert RegisterYear.unscoped.count() == 1


def test_special_category_fields_are_set_when_the_file_gives_them_and_kept_when_not():
    school = riverside()
    PupilFactory(
        upn=UPN_B, school=school, sen_status="K", free_school_meals=True, looked_after=True
    )
    given = (
        "<SENhistory><SEN><StartDate>2024-09-01</StartDate><SENprovision>K</SENprovision></SEN>"
        "<SEN><StartDate>2025-01-06</StartDate><SENprovision>E</SENprovision></SEN></SENhistory>"
        "<FSMhistory><FSMinstance><FSMstartDate>2024-01-01</FSMstartDate></FSMinstance>"
        "</FSMhistory><LookedAfter><InCare>true</InCare></LookedAfter>"
    )
    report = run(
        ctf_document(
            ctf_pupil(UPN_A, ctf_year(WEEK), extra=given),
            ctf_pupil(UPN_B, ctf_year(WEEK), forename="Freya"),
        )
    )
    assert report.succeeded, report.errors
    a = Pupil.unscoped.get(upn=UPN_A)
    assert (a.sen_status, a.free_school_meals, a.looked_after) == ("E", True, True)
    b = Pupil.unscoped.get(upn=UPN_B)
    assert (b.sen_status, b.free_school_meals, b.looked_after) == ("K", True, True)


def test_siblings_share_a_carer_with_the_same_name_and_email():
    riverside()
    mum = ctf_contact("Isla", "Evans", email="isla@example.org", mobile="07700 900100")
    same_mum_other_phone = ctf_contact(
        "ISLA", "evans", email="ISLA@example.org", mobile="07700 900999"
    )
    namesake = ctf_contact("Isla", "Evans", email="other@example.org", mobile="07700 900555")
    report = run(
        ctf_document(
            ctf_pupil(UPN_A, ctf_year(WEEK), contacts=(mum,)),
            ctf_pupil(UPN_B, ctf_year(WEEK), forename="Freya", contacts=(same_mum_other_phone,)),
            ctf_pupil("H926215522102", ctf_year(WEEK), forename="Noah", contacts=(namesake,)),
        )
    )
    assert report.succeeded, report.errors
    assert report.counts.carers_created == 2
    shared = PupilCarer.unscoped.get(pupil__upn=UPN_A).carer
    assert PupilCarer.unscoped.get(pupil__upn=UPN_B).carer == shared
    assert PupilCarer.unscoped.get(pupil__upn="H926215522102").carer != shared


def test_contacts_relationships_responsibility_and_household_are_read():
    riverside()
    contacts = (
        ctf_contact(
            "Ann", "Lee", order=3, relationship="FOS", responsibility=None, email="a@x.org"
        ),
        ctf_contact(
            "Bo",
            "Lee",
            order=1,
            title="Mr",
            gender="",
            relationship="PAR",
            email="b@x.org",
            responsibility=None,
            address=None,
        ),
        ctf_contact(
            "Cy",
            "Lee",
            order=2,
            relationship="STP",
            address="1 Example Road, Norwich",
            email="c@x.org",
        ),
        ctf_contact("Cy", "Lee", order=4, relationship="STP", email="c@x.org"),
    )
    report = run(ctf_document(ctf_pupil(UPN_A, ctf_year(WEEK), contacts=contacts)))

    assert report.succeeded, report.errors
    links = {
        link.carer.forename: link
        for link in PupilCarer.unscoped.filter(pupil__upn=UPN_A).select_related("carer")
    }
    assert set(links) == {"Ann", "Bo", "Cy"}
    ann, bo, cy = links["Ann"], links["Bo"], links["Cy"]
    assert (ann.relationship, ann.parental_responsibility, ann.contact_priority) == (
        "foster_carer",
        False,
        3,
    )
    # A parent whose sex the file leaves out is read from the title; parental
    # responsibility is assumed for a parent. With no address given, the household
    # is unknown: not living with the pupil until someone checks.
    assert (bo.relationship, bo.parental_responsibility, bo.lives_with_pupil) == (
        "father",
        True,
        False,
    )
    # A full address that is the pupil's own is the same household.
    assert (cy.relationship, cy.lives_with_pupil) == ("step_mother", True)
    assert any("Cy Lee is listed twice" in w and "Contact[4]" in w for w in report.warnings)


def test_an_existing_carer_is_matched_by_name_and_a_dsl_decision_is_kept():
    school = riverside()
    pupil = PupilFactory(upn=UPN_A, school=school)
    dsl = UserFactory(role="dsl", school=school)
    link = PupilCarerFactory(
        pupil=pupil,
        carer__forename="Isla",
        carer__surname="Evans",
        carer__mobile="07700 900000",
        lives_with_pupil=False,
        included_in_correspondence=False,
        correspondence_decided_by=dsl,
        correspondence_decision_reason="Not safe to write to this address.",
    )
    report = run(
        ctf_document(
            ctf_pupil(
                UPN_A,
                ctf_year(WEEK),
                contacts=(ctf_contact("isla", "EVANS", address="4 New Street, Norwich"),),
            )
        )
    )
    assert report.succeeded, report.errors
    assert Carer.unscoped.count() == 1
    link.refresh_from_db()
    assert link.carer.mobile == "07700 900100"
    assert link.carer.address == "4 New Street, Norwich"
    assert link.included_in_correspondence is False
    assert link.correspondence_decided_by == dsl
    assert link.correspondence_decision_reason == "Not safe to write to this address."


def test_an_open_enrolment_stays_open_and_a_closed_one_is_extended():
    school = riverside()
    on_roll = PupilFactory(upn=UPN_A, school=school)  # open since 1 Sept 2024
    left = PupilFactory(upn=UPN_B)
    EnrolmentFactory(pupil=left, school=school, start=dt.date(2025, 9, 1), end=dt.date(2025, 9, 2))
    report = run(
        ctf_document(
            ctf_pupil(UPN_A, ctf_year(WEEK)),
            ctf_pupil(UPN_B, ctf_year(WEEK), forename="Freya"),
        )
    )
    assert report.succeeded, report.errors
    assert report.counts.enrolments_created == 0
    assert report.counts.enrolments_updated == 1
    assert list(Enrolment.unscoped.filter(pupil=on_roll).values_list("start", "end")) == [
        (dt.date(2024, 9, 1), None)
    ]
    assert list(Enrolment.unscoped.filter(pupil=left).values_list("start", "end")) == [
        (dt.date(2025, 9, 1), dt.date(2025, 9, 5))
    ]


def test_a_file_for_another_school_is_refused_for_a_schools_batch():
    other = ImportBatchFactory()  # a school with another LA and establishment number
    riverside()
    report = run(ctf_document(ctf_pupil(UPN_A, ctf_year(WEEK))), batch=other)
    assert not report.succeeded
    assert "this file is not for" in report.errors[0].message
    assert Pupil.unscoped.count() == 0


# Errors: every one named, nothing changed -----------------------------------


@pytest.fixture
def existing():
    """A school with a pupil and marks already imported, to show they survive."""
    riverside()
    assert run(ctf_document(ctf_pupil(UPN_B, ctf_year(WEEK), forename="Freya"))).succeeded
    return state()


def _error_file(bad_pupil: str) -> bytes:
    # A good pupil first: even their part of the file must not be written.
    return ctf_document(ctf_pupil(UPN_A, ctf_year(WEEK)), bad_pupil)


PUPIL_2 = "/CTfile/CTFpupilData/Pupil[2]"
MARKS_2 = f"{PUPIL_2}/Attendance/YearData[1]/AttendSessions/AttendanceMarks"


@pytest.mark.parametrize(
    ("bad_pupil", "place", "upn", "date", "session", "message"),
    [
        pytest.param(
            ctf_pupil(UPN_B, ctf_year("/\\/9")),
            MARKS_2,
            UPN_B,
            dt.date(2025, 9, 2),
            "PM",
            "unknown mark character '9' (character 4 of the marks)",
            id="unknown-character",
        ),
        pytest.param(
            ctf_pupil("H926215520101", ctf_year(WEEK)),
            f"{PUPIL_2}/UPN",
            "H926215520101",
            None,
            "",
            "this is not a valid UPN",
            id="invalid-upn",
        ),
        pytest.param(
            ctf_pupil(UPN_B, ctf_year("/\\" * 3, start=dt.date(2026, 8, 30))),
            MARKS_2,
            UPN_B,
            dt.date(2026, 9, 1),
            "",
            "date outside the year: the marks run to 2026-09-01",
            id="marks-past-31-august",
        ),
        pytest.param(
            ctf_pupil(UPN_B, ctf_year(WEEK, start=dt.date(2024, 9, 2))),
            f"{PUPIL_2}/Attendance/YearData[1]/AttendSessions/AttendanceStartDate",
            UPN_B,
            dt.date(2024, 9, 2),
            "",
            "date outside the year: AttendanceStartDate is not in 2025/26",
            id="start-date-in-another-year",
        ),
        pytest.param(
            ctf_pupil(UPN_B, ctf_year("/\\/")),
            MARKS_2,
            UPN_B,
            dt.date(2025, 9, 1),
            "",
            "the marks have an odd number of characters (3)",
            id="odd-length",
        ),
        pytest.param(
            ctf_pupil(
                UPN_B,
                ctf_year(WEEK),
                ctf_year("--N-", start=dt.date(2025, 9, 4)),
            ),
            f"{PUPIL_2}/Attendance/YearData[2]/AttendSessions",
            UPN_B,
            dt.date(2025, 9, 5),
            "AM",
            "duplicate session: /CTfile/CTFpupilData/Pupil[2]/Attendance/YearData[1]",
            id="duplicate-session",
        ),
        pytest.param(
            ctf_pupil(UPN_B, ctf_year(WEEK, estab="21X5")),
            f"{PUPIL_2}/Attendance/YearData[1]/Estab",
            "",
            None,
            "",
            "Estab '21X5' is not a four-digit establishment number",
            id="bad-establishment-number",
        ),
        pytest.param(
            ctf_pupil(UPN_A, ctf_year(WEEK)),
            PUPIL_2,
            UPN_A,
            None,
            "",
            "this pupil is in the file twice: also at /CTfile/CTFpupilData/Pupil[1]",
            id="pupil-twice",
        ),
    ],
)
def test_a_file_with_an_error_changes_nothing_and_names_the_error(
    existing, bad_pupil, place, upn, date, session, message
):
    report = run(_error_file(bad_pupil))

    assert not report.succeeded
    assert state() == existing
    [error] = report.errors
    assert error.place == place
    assert (error.upn, error.date, error.session) == (upn, date, session)
    assert error.message.startswith(message), error.message


def test_malformed_xml_is_one_error_with_its_line_and_column(existing):
    data = ctf_document(ctf_pupil(UPN_A, ctf_year(WEEK))).replace(b"</Surname>", b"</Surnam>")
    report = run(data)
    assert state() == existing
    [error] = report.errors
    assert error.place.startswith("Line 2, column ")
    assert "not well-formed XML (mismatched tag)" in error.message


def test_xml_entities_are_refused(existing):
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;">]><CTfile>&b;</CTfile>'
    )
    report = run(bomb)
    assert state() == existing
    assert "refused for safety" in report.errors[0].message


def test_every_unknown_character_is_listed_up_to_the_limit(existing):
    report = run(_error_file(ctf_pupil(UPN_B, ctf_year("9" * 300, start=dt.date(2025, 9, 1)))))
    assert len(report.errors) == 200
    assert report.errors_not_shown == 100
    assert report.errors[1].date == dt.date(2025, 9, 1)
    assert report.errors[1].session == "PM"
    assert state() == existing


def test_a_file_that_is_not_a_ctf_says_so(existing):
    report = run(b"<?xml version='1.0'?><Payroll><Person/></Payroll>")
    assert "this is not a Common Transfer File" in report.errors[0].message
    assert state() == existing


# The command ------------------------------------------------------------------


def test_the_command_imports_the_sample_and_prints_the_report():
    out = io.StringIO()
    call_command("import_ctf", str(SAMPLE_CTF), stdout=out)

    assert "Imported." in out.getvalue()
    assert "Pupils added: 14" in out.getvalue()
    assert "Hillcrest Primary Federation (926/2301) was not known" in out.getvalue()
    batch = ImportBatch.unscoped.get()
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert batch.uploaded_by is None
    assert batch.report["counts"]["registers_created"] == 16


def test_the_command_fails_listing_the_errors(tmp_path, existing):
    path = tmp_path / "bad.xml"
    path.write_bytes(_error_file(ctf_pupil(UPN_B, ctf_year("/\\/9"))))
    with pytest.raises(CommandError) as failure:
        call_command("import_ctf", str(path), stdout=io.StringIO())
    message = str(failure.value)
    assert "Not imported: the file has 1 error." in message
    assert "Nothing was changed" in message
    assert f"{MARKS_2}: {UPN_B} on 2025-09-02 PM: unknown mark character '9'" in message
    assert state() == existing
    assert ImportBatch.unscoped.get(original_name="bad.xml").status == ImportBatch.Status.FAILED


def test_the_command_refuses_a_missing_file_or_unknown_school(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        call_command("import_ctf", str(tmp_path / "missing.xml"))
    with pytest.raises(CommandError, match="There is no school with URN 999999"):
        call_command("import_ctf", str(SAMPLE_CTF), "--school", "999999")
