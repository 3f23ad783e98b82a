"""Whose records an import may change, decided pupil by pupil before anything
is written. See docs/rules.md#imports.

An import is run for one school (its lead's upload, or a command with
`--school`) or for every school of one LA (an LA officer's import, `--la`). It
may change:

- the registers of the schools it is for. History that the file carries for
  another school (a previous school's `YearData`) is kept for the pupil's
  figures only where that school has no register of its own for the year, and
  never replaces one;
- a pupil's and their parents' details, and the pupil's enrolments, only when
  the pupil is the importing school's: new to the product, known only through
  the schools the import is for, or moving in (every enrolment elsewhere ended
  before the file's first day at the importing school).

A pupil on roll elsewhere on that day is refused: nothing in the file for them
is written, the importing school gets no access, and the school that holds them
(with its LA) is told what the file says differently. A parent who is also the
parent of a pupil held elsewhere keeps the details that school holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from accounts.models import LocalAuthority, School
from pupils.models import Carer, Enrolment, Pupil, PupilCarer

from ..codes import BY_CHAR, NO_MARK
from ..imports.ctf import CtfContact, CtfPupil
from ..models import ImportBatch, ImportDiscrepancy, RegisterYear
from ..years import date_at, session_at, year_label

if TYPE_CHECKING:
    from ..imports.ctf import CtfRegister

# How many differing marks a school is shown one by one; the rest are counted.
MARKS_LISTED = 20


@dataclass(frozen=True)
class ImportScope:
    """The schools an import may change: one school, one LA's schools, or (an
    operator loading files from the command line with neither) any school."""

    school: School | None = None
    local_authority: LocalAuthority | None = None

    @classmethod
    def of_batch(cls, batch: ImportBatch | None) -> ImportScope:
        if batch is None:
            return cls()
        return cls(school=batch.school, local_authority=batch.local_authority)

    def owns(self, key: tuple[str, str], school: School | None) -> bool:
        """May the import change this school's records? `key` is the (LA number,
        establishment number) the file names it by; `school` is None for a
        school the import is about to add."""
        if self.school is not None:
            return school is not None and school.pk == self.school.pk
        if self.local_authority is not None:
            return key[0] == self.local_authority.code
        return True

    @property
    def label(self) -> str:
        if self.school is not None:
            return self.school.name
        if self.local_authority is not None:
            return f"the schools of {self.local_authority.name}"
        return "every school in the file"


class Standing(Enum):
    NEW = "new"  # not known to the product: the importing school's
    OWN = "own"  # known only through the schools the import is for, or moving in
    MOVED_ON = "moved_on"  # was here, now on roll elsewhere: marks here, details theirs
    ON_ROLL_ELSEWHERE = "on_roll_elsewhere"  # refused: on roll elsewhere on those days
    NOT_HERE = "not_here"  # known elsewhere, and the file has no attendance here


@dataclass
class Difference:
    """`what` differs: the school holds `held`, the file says `file`. `topic` is
    what the importing school is told, without the other school's values."""

    what: str
    held: str
    file: str
    topic: str = ""

    def __post_init__(self) -> None:
        self.topic = self.topic or self.what

    def as_json(self) -> dict[str, str]:
        return {"what": self.what, "held": self.held, "file": self.file}


@dataclass
class PupilStanding:
    upn: str
    standing: Standing
    pupil: Pupil | None
    # The schools to tell, each with what the file says differently from them.
    told: dict[int, list[Difference]] = field(default_factory=lambda: defaultdict(list))

    @property
    def imported(self) -> bool:
        """Are the file's enrolments and registers here written for this pupil?"""
        return self.standing in {Standing.NEW, Standing.OWN, Standing.MOVED_ON}

    @property
    def changes_details(self) -> bool:
        """Are the pupil's and their parents' details taken from the file?"""
        return self.standing in {Standing.NEW, Standing.OWN}


@dataclass
class Ownership:
    """The decisions for one file, made before anything is written."""

    scope: ImportScope
    owned_school_ids: set[int]
    pupils: dict[str, PupilStanding]
    # (pupil id, school id, academic year) of registers a school keeps as its own.
    protected_registers: set[tuple[int, int, int]]
    # Carers linked to a pupil the import may not change: their details stay.
    protected_carer_ids: set[int]
    # (pupil id, school id) where a pupil already has an enrolment at a school the
    # import is not for: history adds no second one there.
    enrolled_elsewhere: set[tuple[int, int]]
    # What was read to decide, by UPN and by pupil id: the writes that follow
    # start from it rather than read the same rows again (one file of an LA's
    # year is 310 pupils; 420 files read each set twice).
    stored_pupils: dict[str, Pupil] = field(default_factory=dict)
    enrolments: dict[int, list[Enrolment]] = field(default_factory=dict)

    def standing(self, upn: str) -> PupilStanding:
        return self.pupils[upn]


def ownership_decide(
    *,
    scope: ImportScope,
    ctf_pupils: Sequence[CtfPupil],
    known_schools: Mapping[tuple[str, str], School],
    pupil_values: Any,
    carer_values: Any,
) -> Ownership:
    """Decide, for every pupil in the file, what the import may write.

    `pupil_values(ctf_pupil)` and `carer_values(ctf_pupil, contact)` give the
    values the import would store, so that differences are described in the
    same terms as the writes."""
    file_keys = {year.school.key for pupil in ctf_pupils for year in pupil.years}
    owned_keys = {key for key in file_keys if scope.owns(key, known_schools.get(key))}
    owned_ids = {school.pk for key, school in known_schools.items() if key in owned_keys}
    if scope.school is not None:
        owned_ids.add(scope.school.pk)
    school_by_key = dict(known_schools)

    stored = {
        pupil.upn: pupil
        # Whole rows: the import writes these same instances when it may.
        for pupil in Pupil.unscoped.filter(upn__in=[p.upn for p in ctf_pupils])
    }
    enrolments: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in Enrolment.unscoped.filter(pupil_id__in=[p.pk for p in stored.values()]):
        enrolments[enrolment.pupil_id].append(enrolment)

    result = Ownership(
        scope=scope,
        owned_school_ids=owned_ids,
        pupils={},
        protected_registers=set(),
        protected_carer_ids=set(),
        enrolled_elsewhere={
            (pupil_id, e.school_id)
            for pupil_id, held in enrolments.items()
            for e in held
            if e.school_id not in owned_ids
        },
        stored_pupils=stored,
        enrolments=enrolments,
    )
    for ctf_pupil in ctf_pupils:
        pupil = stored.get(ctf_pupil.upn)
        if pupil is None:
            result.pupils[ctf_pupil.upn] = PupilStanding(ctf_pupil.upn, Standing.NEW, None)
            continue
        elsewhere = [e for e in enrolments[pupil.pk] if e.school_id not in owned_ids]
        here = [y for y in ctf_pupil.years if y.school.key in owned_keys]
        if not elsewhere:
            result.pupils[ctf_pupil.upn] = PupilStanding(ctf_pupil.upn, Standing.OWN, pupil)
            continue
        if here:
            first = min(year.first_date for year in here)
            last = max(year.last_date for year in here)
            on_roll = [
                e for e in elsewhere if e.start <= last and (e.end is None or e.end >= first)
            ]
            later = [e for e in elsewhere if e.start > last]
            if on_roll:
                standing = PupilStanding(ctf_pupil.upn, Standing.ON_ROLL_ELSEWHERE, pupil)
                holders = {e.school_id for e in on_roll}
            elif later:
                standing = PupilStanding(ctf_pupil.upn, Standing.MOVED_ON, pupil)
                holders = _current_schools(later)
            else:
                # A real move: every enrolment elsewhere ended before the first day here.
                result.pupils[ctf_pupil.upn] = PupilStanding(ctf_pupil.upn, Standing.OWN, pupil)
                continue
        else:
            standing = PupilStanding(ctf_pupil.upn, Standing.NOT_HERE, pupil)
            holders = _current_schools(elsewhere)
        for school_id in holders:
            standing.told[school_id].extend(_pupil_differences(pupil, pupil_values(ctf_pupil)))
        result.pupils[ctf_pupil.upn] = standing

    _protect_registers(result, ctf_pupils, school_by_key)
    _protect_carers(result, ctf_pupils, carer_values)
    return result


def _current_schools(enrolments: Iterable[Enrolment]) -> set[int]:
    """The schools a pupil is on roll at; if none, the school they left last."""
    spans = list(enrolments)
    open_ = {e.school_id for e in spans if e.end is None}
    if open_:
        return open_
    latest = max(e.end for e in spans if e.end is not None)
    return {e.school_id for e in spans if e.end == latest}


_PUPIL_LABELS: dict[str, str] = {
    "legal_forename": "legal forename",
    "legal_surname": "legal surname",
    "preferred_forename": "preferred forename",
    "preferred_surname": "preferred surname",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "year_group": "year group",
    "sen_status": "special educational needs",
    "free_school_meals": "free school meals",
    "looked_after": "looked after",
}
_CARER_LABELS: dict[str, str] = {
    "title": "title",
    "forename": "forename",
    "surname": "surname",
    "address": "address",
    "postcode": "postcode",
    "phone": "phone",
    "mobile": "mobile",
    "email": "email",
}


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.strftime("%-d %B %Y")
    return str(value) if value not in (None, "") else "(blank)"


def _pupil_differences(pupil: Pupil, values: Mapping[str, Any]) -> list[Difference]:
    return [
        Difference(f"Pupil's {label}", _shown(getattr(pupil, name)), _shown(values[name]))
        for name, label in _PUPIL_LABELS.items()
        if name in values and getattr(pupil, name) != values[name]
    ]


def _protect_registers(
    result: Ownership,
    ctf_pupils: Sequence[CtfPupil],
    school_by_key: Mapping[tuple[str, str], School],
) -> None:
    """Registers at other schools that the file carries history for: a school's
    own register is kept, and the school is told of each mark that differs."""
    wanted: dict[tuple[int, int, int], tuple[PupilStanding, CtfRegister]] = {}
    for ctf_pupil in ctf_pupils:
        standing = result.pupils[ctf_pupil.upn]
        if standing.pupil is None:
            continue
        for register in ctf_pupil.registers:
            school = school_by_key.get(register.school.key)
            if school is None or school.pk in result.owned_school_ids:
                continue
            wanted[(standing.pupil.pk, school.pk, register.academic_year)] = (standing, register)
    if not wanted:
        return
    held = RegisterYear.unscoped.filter(
        pupil_id__in={pupil_id for pupil_id, _, _ in wanted},
        school_id__in={school_id for _, school_id, _ in wanted},
        origin=RegisterYear.Origin.SCHOOL,
    ).values_list("pupil_id", "school_id", "academic_year", "marks")
    for pupil_id, school_id, year, marks in held:
        key = (pupil_id, school_id, year)
        if key not in wanted:
            continue
        result.protected_registers.add(key)
        standing, register = wanted[key]
        standing.told[school_id].extend(_mark_differences(marks, register.marks, year))


def _mark_differences(held: str, incoming: str, academic_year: int) -> list[Difference]:
    differing = [
        position
        for position, (was, now) in enumerate(zip(held, incoming, strict=False))
        if now != NO_MARK and was != now
    ]
    found = [
        Difference(
            f"Mark on {date_at(academic_year, position):%-d %B %Y} {session_at(position)}",
            "no mark" if held[position] == NO_MARK else BY_CHAR[held[position]].code,
            BY_CHAR[incoming[position]].code,
            topic="register marks at another school",
        )
        for position in differing[:MARKS_LISTED]
    ]
    if len(differing) > MARKS_LISTED:
        found.append(
            Difference(
                f"Further marks in {year_label(academic_year)}",
                f"{len(differing) - MARKS_LISTED} more differ",
                "",
                topic="register marks at another school",
            )
        )
    return found


def _protect_carers(
    result: Ownership,
    ctf_pupils: Sequence[CtfPupil],
    carer_values: Any,
) -> None:
    """A carer linked to any pupil the import may not change keeps their details;
    the schools holding those pupils are told what the file says."""
    in_file = {s.pupil.pk: s for s in result.pupils.values() if s.pupil is not None}
    links = list(PupilCarer.unscoped.filter(pupil_id__in=in_file).select_related("carer"))
    if not links:
        return
    linked_pupils: dict[int, set[int]] = defaultdict(set)
    for carer_id, pupil_id in PupilCarer.unscoped.filter(
        carer_id__in={link.carer_id for link in links}
    ).values_list("carer_id", "pupil_id"):
        linked_pupils[carer_id].add(pupil_id)
    outside = {p for pupils in linked_pupils.values() for p in pupils if p not in in_file}
    outside_enrolments: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in Enrolment.unscoped.filter(pupil_id__in=outside).only(
        "pupil_id", "school_id", "end"
    ):
        outside_enrolments[enrolment.pupil_id].append(enrolment)

    def held_by_others(pupil_id: int) -> set[int]:
        """The schools, other than those the import is for, that hold this pupil."""
        if pupil_id in in_file:
            standing = in_file[pupil_id]
            return set() if standing.changes_details else set(standing.told)
        held = outside_enrolments.get(pupil_id)
        return _current_schools(held) - result.owned_school_ids if held else set()

    told_about: dict[int, set[int]] = {}
    for carer_id, pupils in linked_pupils.items():
        schools = set().union(*(held_by_others(pupil_id) for pupil_id in pupils))
        if schools:
            result.protected_carer_ids.add(carer_id)
            told_about[carer_id] = schools

    by_pupil: dict[int, list[PupilCarer]] = defaultdict(list)
    for link in links:
        by_pupil[link.pupil_id].append(link)
    for ctf_pupil in ctf_pupils:
        standing = result.pupils[ctf_pupil.upn]
        if standing.pupil is None:
            continue
        for contact in ctf_pupil.contacts:
            held = _link_for(contact, by_pupil[standing.pupil.pk])
            if held is None or held.carer_id not in told_about:
                continue
            differences = _carer_differences(held.carer, carer_values(ctf_pupil, contact))
            for school_id in told_about[held.carer_id]:
                standing.told[school_id].extend(differences)


def _link_for(contact: CtfContact, links: Iterable[PupilCarer]) -> PupilCarer | None:
    wanted = (contact.forename.casefold().strip(), contact.surname.casefold().strip())
    for link in links:
        if (link.carer.forename.casefold(), link.carer.surname.casefold()) == wanted:
            return link
    return None


def _carer_differences(carer: Carer, values: Mapping[str, str]) -> list[Difference]:
    return [
        Difference(
            f"{carer.forename} {carer.surname}'s {label}",
            _shown(getattr(carer, name)),
            _shown(values[name]),
        )
        for name, label in _CARER_LABELS.items()
        if name in values and getattr(carer, name) != values[name]
    ]


def discrepancies_save(
    *, ownership: Ownership, batch: ImportBatch | None, importing_school: School | None
) -> list[ImportDiscrepancy]:
    """One record per pupil and school told, for that school (and its LA) to
    resolve. Call inside the import's transaction."""
    records = [
        ImportDiscrepancy(
            pupil=standing.pupil,
            school_id=school_id,
            batch=batch,
            importing_school=importing_school,
            refused=not standing.imported,
            differences=[difference.as_json() for difference in differences],
        )
        for standing in ownership.pupils.values()
        if standing.pupil is not None
        for school_id, differences in standing.told.items()
        if differences or not standing.imported
    ]
    return ImportDiscrepancy.unscoped.bulk_create(records, batch_size=500)
