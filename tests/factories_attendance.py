"""Test data for imports: small Common Transfer Files and marks CSVs built in
code, the sample CTF (tests/fixtures/ctf/), and import batches."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

import factory

from accounts.models import School
from attendance.models import ImportBatch

from .factories import LocalAuthorityFactory, SchoolFactory, ScopedModelFactory, UserFactory

# Kept in the repository, so a fresh clone with nothing beside it runs every test.
SAMPLE_CTF = Path(__file__).resolve().parent / "fixtures" / "ctf" / "sample-ctf.xml"

# Valid UPNs with LA 926 and establishment 2155, as the sample uses.
UPN_A = "H926215520100"
UPN_B = "H926215521101"
UPN_C = "H926215522102"


def riverside(**kwargs: object) -> School:
    """Riverside Academy, LA 926 establishment 2155: the sample CTF's school."""
    kwargs.setdefault("name", "Riverside Academy")
    return SchoolFactory(
        local_authority=LocalAuthorityFactory(code="926", name="Norfolk"),
        establishment_number="2155",
        **kwargs,
    )


def ctf_contact(
    forename: str = "Isla",
    surname: str = "Evans",
    *,
    order: int = 1,
    title: str = "Mrs",
    gender: str = "F",
    relationship: str = "PAR",
    responsibility: str | None = "true",
    address: str | None = "as_pupil",
    mobile: str = "07700 900100",
    email: str = "isla@example.org",
) -> str:
    if address == "as_pupil":
        address_xml = "<Address><AddressAsPupil>true</AddressAsPupil></Address>"
    elif address is None:
        address_xml = ""
    else:
        lines = "".join(
            f"<AddressLine{n}>{escape(line)}</AddressLine{n}>"
            for n, line in enumerate(address.split(", "), start=1)
        )
        address_xml = f"<Address><AddressLines>{lines}</AddressLines></Address>"
    responsibility_xml = (
        f"<Responsibility>{responsibility}</Responsibility>" if responsibility is not None else ""
    )
    phones = (
        f"<Phones><Phone><TelephoneType>M</TelephoneType><PhoneNo>{mobile}</PhoneNo></Phone></Phones>"
        if mobile
        else ""
    )
    return (
        f"<Contact><Order>{order}</Order><Title>{title}</Title><Surname>{escape(surname)}</Surname>"
        f"<Forename>{escape(forename)}</Forename><Gender>{gender}</Gender>"
        f"<Relationship>{relationship}</Relationship>{responsibility_xml}{address_xml}{phones}"
        f"<Email>{email}</Email></Contact>"
    )


def ctf_year(
    marks: str,
    *,
    start: dt.date = dt.date(2025, 9, 1),
    year: int | str = 2025,
    lea: str = "926",
    estab: str = "2155",
    school_name: str = "Riverside Academy",
) -> str:
    return (
        f"<YearData><Year>{year}</Year><LEA>{lea}</LEA><Estab>{estab}</Estab>"
        f"<SchoolName>{escape(school_name)}</SchoolName><AttendSessions>"
        f"<AttendanceStartDate>{start.isoformat()}</AttendanceStartDate>"
        f"<AttendanceMarks>{escape(marks)}</AttendanceMarks></AttendSessions></YearData>"
    )


def ctf_pupil(
    upn: str = UPN_A,
    *years: str,
    forename: str = "Willow",
    surname: str = "Evans",
    dob: str = "2013-01-10",
    sex: str = "<Sex>F</Sex>",
    contacts: tuple[str, ...] = (),
    extra: str = "",
) -> str:
    return (
        f"<Pupil><UPN>{upn}</UPN><Surname>{escape(surname)}</Surname>"
        f"<Forename>{escape(forename)}</Forename><DOB>{dob}</DOB>{sex}"
        "<BasicDetails><NCyearActual>7</NCyearActual></BasicDetails>"
        "<Address><AddressLines><AddressLine1>1 Example Road</AddressLine1>"
        "<AddressLine2>Norwich</AddressLine2></AddressLines></Address>"
        f"{extra}<Contacts>{''.join(contacts)}</Contacts>"
        f"<Attendance>{''.join(years)}</Attendance></Pupil>"
    )


def ctf_document(*pupils: str, lea: str = "926", estab: str = "2155") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header>'
        "<DocumentName>Common Transfer File</DocumentName><CTFversion>25.0</CTFversion>"
        f"<SourceSchool><LEA>{lea}</LEA><Estab>{estab}</Estab>"
        "<SchoolName>Riverside Academy</SchoolName></SourceSchool></Header>"
        f"<CTFpupilData>{''.join(pupils)}</CTFpupilData></CTfile>"
    ).encode()


def marks_csv(*rows: str, header: str = "upn,date,session,code") -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode()


class ImportBatchFactory(ScopedModelFactory):
    class Meta:
        model = ImportBatch

    kind = ImportBatch.Kind.CTF
    school = factory.SubFactory(SchoolFactory)
    uploaded_by = factory.SubFactory(UserFactory, school=factory.SelfAttribute("..school"))
    original_name = "pupils.xml"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    status = ImportBatch.Status.QUEUED
