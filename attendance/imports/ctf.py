"""Reading a DfE Common Transfer File (CTF) into plain data, with every error.

No database here: `attendance.services.imports.ctf_import` matches what this
returns against the stored pupils and schools and writes it.

Element names are matched case-insensitively and without namespaces, because
MIS suppliers differ (`CTFversion`/`CTFVersion`, `Sex`/`Gender`; docs/rules.md#import-formats).
An error's place is the XML path of the element at fault, with the position of
repeated elements, e.g.
`/CTfile/CTFpupilData/Pupil[3]/Attendance/YearData[1]/AttendSessions/AttendanceMarks`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from xml.etree.ElementTree import Element
from xml.parsers.expat import ErrorString

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from pupils.upn import upn_problem

from ..codes import CTF_MARK_CHARS, LEGACY_CHARS, NO_MARK, resolve_char
from ..years import (
    academic_year_of,
    date_at,
    empty_marks,
    mark_index,
    session_at,
    year_end,
    year_label,
)
from .report import ErrorList

_LEA = re.compile(r"\d{3}")
_ESTAB = re.compile(r"\d{4}")
_TRUE = {"true", "1", "yes", "y"}
_FALSE = {"false", "0", "no", "n"}
# Legacy one-character codes, as the character they are stored as (rule A1).
_LEGACY_TO_STORED = str.maketrans({old: resolve_char(old).code.char for old in LEGACY_CHARS})


@dataclass(frozen=True)
class SchoolRef:
    """A school as a CTF names it: LA number, establishment number and name."""

    lea: str
    estab: str
    name: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.lea, self.estab)

    @property
    def label(self) -> str:
        laestab = f"{self.lea}/{self.estab}"
        return f"{self.name} ({laestab})" if self.name else laestab


@dataclass
class CtfContact:
    path: str
    order: int
    title: str
    forename: str
    surname: str
    gender: str
    relationship: str
    parental_responsibility: bool | None
    address_as_pupil: bool
    address: str
    postcode: str
    phone: str
    mobile: str
    email: str


@dataclass
class CtfYear:
    """One `YearData/AttendSessions` block: the dates it covers and its marks,
    already placed in a full-length mark string for the academic year."""

    path: str
    school: SchoolRef
    academic_year: int
    first_date: dt.date
    last_date: dt.date
    marks: str
    originals: dict[str, str]


@dataclass
class CtfRegister:
    """Every block's marks for one school and academic year, merged."""

    school: SchoolRef
    academic_year: int
    marks: str
    originals: dict[str, str]


@dataclass
class CtfPupil:
    path: str
    upn: str
    legal_forename: str
    legal_surname: str
    preferred_forename: str
    preferred_surname: str
    date_of_birth: dt.date
    sex: str
    year_group: str
    # None: the file does not say, so the stored value stands.
    sen_status: str | None
    free_school_meals: bool | None
    looked_after: bool | None
    address: str
    postcode: str
    contacts: list[CtfContact] = field(default_factory=list)
    years: list[CtfYear] = field(default_factory=list)
    registers: list[CtfRegister] = field(default_factory=list)


@dataclass
class CtfFile:
    source_school: SchoolRef | None
    dest_school: SchoolRef | None
    pupils: list[CtfPupil]
    # Every school the file names, by (LEA, Estab), with the best name it gives.
    schools: dict[tuple[str, str], SchoolRef]


@dataclass
class CtfParse:
    file: CtfFile | None
    errors: ErrorList
    warnings: list[str]


ProgressCallback = Callable[[int, int], None]


def parse_ctf(data: bytes, *, on_pupil: ProgressCallback | None = None) -> CtfParse:
    """Read a CTF. `on_pupil(done, total)` is called as pupils are read."""
    errors = ErrorList()
    warnings: list[str] = []
    try:
        root = fromstring(data)
    except ParseError as exc:
        line, column = exc.position
        errors.add(
            f"Line {line}, column {column}",
            f"the file is not well-formed XML ({ErrorString(exc.code)}), so nothing in it "
            "was read. Export the file again from the MIS.",
        )
        return CtfParse(None, errors, warnings)
    except DefusedXmlException:
        errors.add(
            "/",
            "the file declares XML entities or a document type, which are refused for safety. "
            "Export the file again from the MIS.",
        )
        return CtfParse(None, errors, warnings)

    reader = _Reader(errors, warnings)
    ctf = reader.read(root, on_pupil)
    return CtfParse(ctf, errors, warnings)


class _Reader:
    def __init__(self, errors: ErrorList, warnings: list[str]) -> None:
        self.errors = errors
        self.warnings = warnings
        self.schools: dict[tuple[str, str], SchoolRef] = {}

    def read(self, root: Element, on_pupil: ProgressCallback | None) -> CtfFile | None:
        root_path = f"/{_name(root)}"
        if _local(root) != "ctfile":
            self.errors.add(
                root_path,
                f"this is not a Common Transfer File: it starts with <{_name(root)}>, not <CTfile>",
            )
            return None
        header = _kid(root, "Header")
        source = dest = None
        if header is not None:
            header_path = f"{root_path}/{_name(header)}"
            source = self._header_school(header, header_path, "SourceSchool")
            dest = self._header_school(header, header_path, "DestSchool")
        data = _kid(root, "CTFpupilData")
        pupil_elements = _kids(data, "Pupil") if data is not None else []
        if not pupil_elements:
            self.errors.add(root_path, "the file has no pupils (no CTFpupilData/Pupil elements)")
            return None
        data_path = f"{root_path}/{_name(data)}" if data is not None else root_path
        pupils: list[CtfPupil] = []
        seen: dict[str, str] = {}
        total = len(pupil_elements)
        for number, element in enumerate(pupil_elements, start=1):
            path = f"{data_path}/{_name(element)}[{number}]"
            pupil = self._pupil(element, path)
            if pupil is not None:
                if pupil.upn in seen:
                    self.errors.add(
                        path,
                        f"this pupil is in the file twice: also at {seen[pupil.upn]}",
                        upn=pupil.upn,
                    )
                else:
                    seen[pupil.upn] = path
                    pupils.append(pupil)
            if on_pupil is not None:
                on_pupil(number, total)
        if source is not None:
            self.schools.setdefault(source.key, source)
        return CtfFile(source, dest, pupils, self.schools)

    # Schools ----------------------------------------------------------------

    def _header_school(self, header: Element, header_path: str, name: str) -> SchoolRef | None:
        element = _kid(header, name)
        if element is None:
            return None
        return self._school(element, f"{header_path}/{_name(element)}", required=False)

    def _school(self, element: Element, path: str, *, required: bool) -> SchoolRef | None:
        """The school named by the LEA and Estab children of the element at `path`."""
        lea, estab = _text(element, "LEA"), _text(element, "Estab")
        if not _LEA.fullmatch(lea):
            if required or lea:
                self.errors.add(f"{path}/LEA", f"LEA {lea!r} is not a three-digit LA number")
            return None
        if not _ESTAB.fullmatch(estab):
            if required or estab:
                self.errors.add(
                    f"{path}/Estab", f"Estab {estab!r} is not a four-digit establishment number"
                )
            return None
        school = SchoolRef(lea, estab, _text(element, "SchoolName")[:200])
        known = self.schools.get(school.key)
        if known is None or (school.name and not known.name):
            self.schools[school.key] = school
        return school

    # Pupils -----------------------------------------------------------------

    def _pupil(self, element: Element, path: str) -> CtfPupil | None:
        errors_before = len(self.errors)
        kids = _Children(element)
        upn = kids.text("UPN").upper()
        if not upn:
            self.errors.add(f"{path}/UPN", "the pupil has no UPN")
        else:
            problem = upn_problem(upn)
            if problem is not None:
                self.errors.add(f"{path}/UPN", f"this is not a valid UPN: {problem}", upn=upn)
        surname, forename = kids.text("Surname"), kids.text("Forename")
        for label, value in (("Surname", surname), ("Forename", forename)):
            if not value:
                self.errors.add(f"{path}/{label}", f"the pupil has no {label.lower()}", upn=upn)
        raw_dob = kids.text("DOB")
        dob = _date(raw_dob)
        if dob is None:
            self.errors.add(
                f"{path}/DOB",
                f"date of birth {raw_dob!r} is not a date (YYYY-MM-DD)"
                if raw_dob
                else "the pupil has no date of birth",
                upn=upn,
            )
        details = kids.kid("BasicDetails")
        sex = (kids.text("Sex") or kids.text("Gender")).upper()
        pupil = CtfPupil(
            path=path,
            upn=upn,
            legal_forename=forename[:100],
            legal_surname=surname[:100],
            preferred_forename=kids.either(details, "PreferredForename")[:100],
            preferred_surname=kids.either(details, "PreferredSurname")[:100],
            date_of_birth=dob or dt.date.min,
            sex=sex if sex in {"M", "F"} else "U",
            year_group=kids.either(details, "NCyearActual").upper()[:3],
            sen_status=_sen_status(kids.kid("SENhistory")),
            free_school_meals=_free_school_meals(kids.kid("FSMhistory")),
            looked_after=_bool(_text(kids.kid("LookedAfter"), "InCare")),
            address=_address_text(kids.kid("Address")),
            postcode=_postcode(kids.kid("Address")),
        )
        contacts = kids.kid("Contacts")
        if contacts is not None:
            contacts_path = f"{path}/{_name(contacts)}"
            for number, contact in enumerate(_kids(contacts, "Contact"), start=1):
                read = self._contact(contact, f"{contacts_path}/{_name(contact)}[{number}]", pupil)
                if read is not None:
                    pupil.contacts.append(read)
        attendance = kids.kid("Attendance")
        if attendance is not None:
            attendance_path = f"{path}/{_name(attendance)}"
            for number, year_data in enumerate(_kids(attendance, "YearData"), start=1):
                year_path = f"{attendance_path}/{_name(year_data)}[{number}]"
                pupil.years.extend(self._year(year_data, year_path, upn))
        if len(self.errors) > errors_before:
            return None
        pupil.registers = self._registers(pupil)
        if not pupil.years:
            self.warnings.append(
                f"Pupil {upn} has no day-by-day attendance in the file, so no enrolment was "
                "recorded: they will not be on any school's list until one is."
            )
        return pupil if len(self.errors) == errors_before else None

    def _contact(self, element: Element, path: str, pupil: CtfPupil) -> CtfContact | None:
        forename, surname = _text(element, "Forename"), _text(element, "Surname")
        if not forename or not surname:
            self.warnings.append(
                f"Pupil {pupil.upn}: a contact has no forename or surname, so it was not "
                f"imported ({path})."
            )
            return None
        address = _kid(element, "Address")
        as_pupil = _bool(_text(address, "AddressAsPupil")) if address is not None else None
        phone = mobile = ""
        for kind, value in _phones(element):
            if kind == "M" and not mobile:
                mobile = value
            elif kind != "M" and not phone:
                phone = value
        order = _text(element, "Order")
        return CtfContact(
            path=path,
            order=min(int(order), 999) if order.isdigit() else len(pupil.contacts) + 1,
            title=_text(element, "Title")[:20],
            forename=forename[:100],
            surname=surname[:100],
            gender=(_text(element, "Gender") or _text(element, "Sex")).upper(),
            relationship=_text(element, "Relationship").upper(),
            parental_responsibility=_bool(_text(element, "Responsibility")),
            address_as_pupil=bool(as_pupil),
            address="" if as_pupil else _address_text(address),
            postcode="" if as_pupil else _postcode(address),
            phone=phone[:30],
            mobile=mobile[:30],
            email=_text(element, "Email")[:254],
        )

    # Attendance -------------------------------------------------------------

    def _year(self, element: Element, path: str, upn: str) -> list[CtfYear]:
        school = self._school(element, path, required=True)
        raw_year = _text(element, "Year")
        if not raw_year.isdigit() or len(raw_year) != 4:
            self.errors.add(
                f"{path}/Year",
                f"Year {raw_year!r} is not a year: give the year the academic year starts in, "
                "for example 2025 for 2025/26",
                upn=upn,
            )
            return []
        if school is None:
            return []
        academic_year = int(raw_year)
        blocks = []
        sessions = _kids(element, "AttendSessions")
        if not sessions:
            self.warnings.append(
                f"Pupil {upn}: attendance at {school.label} in {year_label(academic_year)} has "
                "no day-by-day marks (no AttendSessions), so none were imported."
            )
        for number, block in enumerate(sessions, start=1):
            block_path = f"{path}/{_name(block)}" + (f"[{number}]" if len(sessions) > 1 else "")
            read = self._marks(block, block_path, upn, school, academic_year)
            if read is not None:
                blocks.append(read)
        return blocks

    def _marks(
        self, block: Element, path: str, upn: str, school: SchoolRef, academic_year: int
    ) -> CtfYear | None:
        raw_start = _text(block, "AttendanceStartDate")
        start = _date(raw_start)
        if start is None:
            self.errors.add(
                f"{path}/AttendanceStartDate",
                f"AttendanceStartDate {raw_start!r} is not a date (YYYY-MM-DD)"
                if raw_start
                else "there is no AttendanceStartDate",
                upn=upn,
            )
            return None
        if academic_year_of(start) != academic_year:
            self.errors.add(
                f"{path}/AttendanceStartDate",
                f"date outside the year: AttendanceStartDate is not in "
                f"{year_label(academic_year)}, the year this YearData is for",
                upn=upn,
                date=start,
            )
            return None
        marks_element = _kid(block, "AttendanceMarks")
        if marks_element is None:
            marks_path, raw = f"{path}/AttendanceMarks", ""
        else:
            marks_path, raw = f"{path}/{_name(marks_element)}", (marks_element.text or "").strip()
        if not raw:
            self.warnings.append(
                f"Pupil {upn}: attendance at {school.label} from {_long(start)} has no marks, "
                "so none were imported."
            )
            return None
        if len(raw) % 2:
            self.errors.add(
                marks_path,
                f"the marks have an odd number of characters ({len(raw)}): each date needs "
                "two, AM then PM",
                upn=upn,
                date=start,
            )
            return None
        last = start + dt.timedelta(days=len(raw) // 2 - 1)
        if last > year_end(academic_year):
            self.errors.add(
                marks_path,
                f"date outside the year: the marks run to {last.isoformat()}, past "
                f"{_long(year_end(academic_year))}, the end of {year_label(academic_year)}",
                upn=upn,
                date=year_end(academic_year) + dt.timedelta(days=1),
            )
            return None
        offset = mark_index(start, "AM")
        present = set(raw)
        unknown = present - CTF_MARK_CHARS
        if unknown:
            for index, char in enumerate(raw):
                if char in unknown:
                    self.errors.add(
                        marks_path,
                        f"unknown mark character {char!r} (character {index + 1} of the marks)",
                        upn=upn,
                        date=start + dt.timedelta(days=index // 2),
                        session=session_at(index),
                    )
            return None
        # Legacy codes are stored as the code they map to, the original kept by
        # position; a look at each character only when there are any.
        originals = (
            {str(offset + index): char for index, char in enumerate(raw) if char in LEGACY_CHARS}
            if not present.isdisjoint(LEGACY_CHARS)
            else {}
        )
        stored = raw.translate(_LEGACY_TO_STORED) if originals else raw
        full = empty_marks(academic_year)
        full = full[:offset] + stored + full[offset + len(stored) :]
        return CtfYear(
            path=path,
            school=school,
            academic_year=academic_year,
            first_date=start,
            last_date=last,
            marks=full,
            originals=originals,
        )

    def _registers(self, pupil: CtfPupil) -> list[CtfRegister]:
        """One register per school and year; two blocks marking the same session
        is a duplicate session, as the file cannot say which one is right."""
        by_key: dict[tuple[tuple[str, str], int], list[CtfYear]] = {}
        for block in pupil.years:
            by_key.setdefault((block.school.key, block.academic_year), []).append(block)
        if all(len(blocks) == 1 for blocks in by_key.values()):
            # The usual pupil: one block a year, already a whole register.
            return [
                CtfRegister(block.school, block.academic_year, block.marks, dict(block.originals))
                for (block,) in by_key.values()
            ]
        merged: dict[tuple[tuple[str, str], int], tuple[list[str], dict[str, str], CtfYear]] = {}
        claimed: dict[tuple[tuple[str, str], int], dict[int, CtfYear]] = {}
        for block in pupil.years:
            key = (block.school.key, block.academic_year)
            if key not in merged:
                merged[key] = (list(block.marks), dict(block.originals), block)
                claimed[key] = {}
            chars, originals, _ = merged[key]
            owners = claimed[key]
            for position in _real_marks(block.marks):
                other = owners.get(position)
                if other is not None and other is not block:
                    self.errors.add(
                        f"{block.path}",
                        f"duplicate session: {other.path} also has a mark for this session",
                        upn=pupil.upn,
                        date=date_at(block.academic_year, position),
                        session=session_at(position),
                    )
                    continue
                owners[position] = block
                chars[position] = block.marks[position]
            originals.update(block.originals)
        return [
            CtfRegister(block.school, block.academic_year, "".join(chars), originals)
            for chars, originals, block in merged.values()
        ]


# Element helpers ------------------------------------------------------------


def _name(element: Element) -> str:
    """The tag as written in the file, without a namespace."""
    return str(element.tag).rsplit("}", 1)[-1]


def _local(element: Element) -> str:
    return _local_name(element.tag)


@cache
def _local_name(tag: object) -> str:
    """The tag in lower case, without a namespace; "" for a comment or a
    processing instruction. A file has a few dozen distinct tags and half a
    million elements, so each tag is worked out once."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _kids(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    wanted = name.lower()
    return [child for child in element if _local_name(child.tag) == wanted]


def _kid(element: Element | None, name: str) -> Element | None:
    found = _kids(element, name)
    return found[0] if found else None


class _Children:
    """An element's children by lower-case name, gathered in one pass: a
    pupil's twenty fields are then twenty lookups, not twenty scans of its
    children."""

    __slots__ = ("by_name",)

    def __init__(self, element: Element) -> None:
        self.by_name: dict[str, list[Element]] = {}
        for child in element:
            self.by_name.setdefault(_local_name(child.tag), []).append(child)

    def kid(self, name: str) -> Element | None:
        found = self.by_name.get(name.lower())
        return found[0] if found else None

    def text(self, name: str) -> str:
        return _text(self.kid(name))

    def either(self, details: Element | None, name: str) -> str:
        """A field that suppliers put either in BasicDetails or on the pupil itself."""
        return _text(details, name) or self.text(name)


def _text(element: Element | None, *path: str) -> str:
    for name in path:
        element = _kid(element, name)
    if element is None:
        return ""
    return (element.text or "").strip()


def _long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw[:10]) if len(raw) >= 10 else None
    except ValueError:
        return None


def _bool(raw: str) -> bool | None:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return None


def _real_marks(marks: str) -> Iterator[int]:
    return (position for position, char in enumerate(marks) if char != NO_MARK)


def _phones(element: Element) -> Iterator[tuple[str, str]]:
    for phones in _kids(element, "Phones"):
        for phone in _kids(phones, "Phone"):
            number = _text(phone, "PhoneNo")
            if number:
                yield _text(phone, "TelephoneType").upper(), number


_BS7666_PARTS = (
    "SAON",
    "PAON",
    "Street",
    "Locality",
    "Town",
    "AdministrativeArea",
    "PostTown",
)


def _address_text(address: Element | None) -> str:
    """An address as lines joined by ", ", from AddressLines or BS7666Address."""
    if address is None:
        return ""
    lines_element = _kid(address, "AddressLines")
    if lines_element is not None:
        lines = [(child.text or "").strip() for child in lines_element]
        return ", ".join(line for line in lines if line)
    bs7666 = _kid(address, "BS7666Address")
    if bs7666 is not None:
        parts = [_text(bs7666, part) for part in _BS7666_PARTS]
        return ", ".join(part for part in parts if part)
    return ""


def _postcode(address: Element | None) -> str:
    if address is None:
        return ""
    for element in address.iter():
        if isinstance(element.tag, str) and _local(element) == "postcode":
            return (element.text or "").strip().upper()[:10]
    return ""


def _sen_status(history: Element | None) -> str | None:
    """The latest SEN provision: K (SEN support), E (EHC plan; S, a statement, is
    its predecessor) or N (none). None when the file says nothing."""
    if history is None:
        return None
    entries = [
        (_text(entry, "StartDate"), _text(entry, "SENprovision").upper())
        for entry in _kids(history, "SEN")
    ]
    entries = [entry for entry in entries if entry[1]]
    if not entries:
        return None
    provision = max(entries, key=lambda entry: entry[0])[1]
    return {"K": "K", "E": "E", "S": "E", "N": ""}.get(provision)


def _free_school_meals(history: Element | None) -> bool | None:
    """Eligible while an FSM period has no end date. None when the file says nothing."""
    if history is None:
        return None
    periods = _kids(history, "FSMinstance")
    if not periods:
        return None
    return any(not _text(period, "FSMendDate") for period in periods)
