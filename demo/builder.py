"""The demo local authority: Northmoor Council, three schools, a few hundred pupils with
their families and a term of registers, and one account per role, all sharing one printed
password.

Everything random comes from one `random.Random(seed)`, consumed in a fixed order, so a
seed always gives the same pupils. The only outside input is today: pupils' dates of birth
must match their year groups, so they move with the academic year, and the registers run
up to yesterday (demo.registers).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import transaction
from django.db.models import Exists, OuterRef, ProtectedError, QuerySet

from accounts.models import LocalAuthority, Role, School, User
from attendance.years import academic_year_of
from core import dates
from core.audit import audit_record
from core.models import AuditEvent
from pupils.models import Carer, Enrolment, Pupil, PupilCarer
from pupils.upn import upn_check_letter

from .calendars import (
    AUTUMN_1,
    AUTUMN_2,
    SPRING_1,
    SPRING_2,
    SUMMER_1,
    SUMMER_2,
    CalendarStyle,
    InsetDay,
)
from .cases import CaseStaff, DemoCases, demo_cases, demo_cases_build, demo_cases_delete
from .legal import demo_legal_build, demo_legal_delete
from .registers import (
    DemoAttendance,
    DemoSchool,
    demo_attendance,
    demo_registers_build,
    demo_registers_delete,
)

# The fictional authority uses a retired LA number: 836 was Poole's until the 2019
# Dorset reorganisation, so it cannot clash with a live authority's imports (nor with
# the CTF fixture's LA 926).
DEMO_LA_CODE = "836"
DEMO_LA_NAME = "Northmoor Council"
# Demo data only: printed on every run so that anyone trying the product can sign in.
DEMO_PASSWORD = "demo-pathway-2026"  # noqa: S105
DEFAULT_SEED = 2026
DEFAULT_PUPILS_PER_SCHOOL = 120
# Keeps every UPN serial (per school, per year of allocation) within its three digits.
MAX_PUPILS_PER_SCHOOL = 1000

_K = TypeVar("_K")


class DemoDataError(Exception):
    """The demo cannot be built without touching data that is not the demo's."""


@dataclass(frozen=True)
class _SchoolSpec:
    urn: str
    name: str
    phase: School.Phase
    establishment_number: str
    # Each school's own five INSET days around the local authority's term dates.
    calendar: CalendarStyle
    # One school has not given the product its calendar, so its school days come from
    # its registers (rule A3), as they would for a school that only sends registers.
    calendar_in_product: bool = True


# URNs beginning 99 are far above any the DfE has issued.
BROOKFIELD = _SchoolSpec(
    "990101",
    "Brookfield Primary School",
    School.Phase.PRIMARY,
    "2014",
    CalendarStyle(
        insets=(
            InsetDay(AUTUMN_1, 0),
            InsetDay(AUTUMN_1, 1),
            InsetDay(AUTUMN_2, 0),
            InsetDay(SPRING_1, 0),
            InsetDay(SUMMER_2, -1),
        )
    ),
)
NORTHMOOR_HIGH = _SchoolSpec(
    "990102",
    "Northmoor High School",
    School.Phase.SECONDARY,
    "4021",
    CalendarStyle(
        insets=(
            InsetDay(AUTUMN_1, 0),
            InsetDay(SPRING_1, 0),
            InsetDay(SPRING_1, -1),
            InsetDay(SUMMER_1, 0),
            InsetDay(SUMMER_2, -1),
        ),
        autumn_starts_on_weekday=1,
    ),
)
ELM_TREE = _SchoolSpec(
    "990103",
    "Elm Tree Academy",
    School.Phase.PRIMARY,
    "2047",
    CalendarStyle(
        insets=(
            InsetDay(AUTUMN_1, 0),
            InsetDay(AUTUMN_1, 1),
            InsetDay(AUTUMN_1, -1),
            InsetDay(SPRING_2, -1),
            InsetDay(SUMMER_2, -1),
        )
    ),
    calendar_in_product=False,
)
DEMO_SCHOOLS: tuple[_SchoolSpec, ...] = (BROOKFIELD, NORTHMOOR_HIGH, ELM_TREE)
_PRIMARIES = (BROOKFIELD, ELM_TREE)
# Other Northmoor primaries, not in the demo: most secondary pupils got their UPN at one.
_OTHER_ESTABLISHMENTS = ("2003", "2029", "3102", "3315")

_YEAR_GROUPS: dict[str, tuple[str, ...]] = {
    School.Phase.PRIMARY: ("R", "1", "2", "3", "4", "5", "6"),
    School.Phase.SECONDARY: ("7", "8", "9", "10", "11"),
}


@dataclass(frozen=True)
class _AccountSpec:
    email: str
    full_name: str
    job_title: str
    role: Role
    # For school roles; LA roles belong to the demo LA, the administrator to neither.
    school: _SchoolSpec | None = None


_ACCOUNTS: tuple[_AccountSpec, ...] = (
    _AccountSpec(
        "lead@brookfield.example.org",
        "Hannah Okoro",
        "Attendance lead",
        Role.ATTENDANCE_LEAD,
        BROOKFIELD,
    ),
    _AccountSpec(
        "dsl@brookfield.example.org",
        "Mark Feltham",
        "Designated safeguarding lead",
        Role.DSL,
        BROOKFIELD,
    ),
    _AccountSpec(
        "staff@brookfield.example.org",
        "Jo Pickering",
        "School office manager",
        Role.SCHOOL_STAFF,
        BROOKFIELD,
    ),
    _AccountSpec(
        "lead@northmoor-high.example.org",
        "Imran Siddiqui",
        "Head of attendance",
        Role.ATTENDANCE_LEAD,
        NORTHMOOR_HIGH,
    ),
    _AccountSpec(
        "lead@elm-tree.example.org",
        "Nadia Rahman",
        "Attendance and inclusion lead",
        Role.ATTENDANCE_LEAD,
        ELM_TREE,
    ),
    _AccountSpec(
        "officer@northmoor-council.example.org",
        "Beth Carrow",
        "Attendance and entitlement officer",
        Role.LA_OFFICER,
    ),
    _AccountSpec(
        "manager@northmoor-council.example.org",
        "Ruth Ashworth",
        "Attendance service manager",
        Role.LA_MANAGER,
    ),
    _AccountSpec(
        "admin@pathway.example.com",
        "Sam Whitfield",
        "System administrator",
        Role.SYSTEM_ADMIN,
    ),
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    organisation: str


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    local_authority: str
    la_code: str
    schools: int
    pupils: int
    carers: int
    pupils_who_moved_school: int
    accounts: tuple[DemoAccount, ...]
    # Accounts someone has deleted since the demo was built: only --reset brings them back.
    missing_accounts: tuple[str, ...] = ()
    # None when the demo has no registers (built before seed_demo made them).
    attendance: DemoAttendance | None = None
    # None when the demo has no cases (built before seed_demo opened them).
    cases: DemoCases | None = None
    password: str = DEMO_PASSWORD


def demo_build(
    *,
    seed: int = DEFAULT_SEED,
    pupils_per_school: int = DEFAULT_PUPILS_PER_SCHOOL,
    reset: bool = False,
    today: dt.date | None = None,
) -> DemoSummary:
    """Build the demo LA unless it is there already; with `reset`, replace its pupils and
    families and put its schools and accounts (password included) back as built."""
    if not 1 <= pupils_per_school <= MAX_PUPILS_PER_SCHOOL:
        raise DemoDataError(
            f"Pupils per school must be between 1 and {MAX_PUPILS_PER_SCHOOL}, "
            f"not {pupils_per_school}."
        )
    with transaction.atomic():
        la = LocalAuthority.objects.filter(code=DEMO_LA_CODE).first()
        if la is not None and la.name != DEMO_LA_NAME:
            raise DemoDataError(
                f"LA number {DEMO_LA_CODE} already belongs to {la.name}, which is not the "
                "demo authority; the demo leaves it alone."
            )
        today = today or dates.today()
        if la is not None and not reset:
            return _summary(la, created=False, today=today)
        deleted = _demo_people_delete(la) if la is not None else 0
        la, schools = _organisations_save()
        _accounts_save(la, schools)
        rng = random.Random(seed)
        plan = _Generator(rng, academic_year_of(today), schools).build(pupils_per_school)
        _plan_save(plan)
        term = demo_registers_build(
            rng=rng,
            schools=[
                DemoSchool(schools[spec], spec.calendar, spec.calendar_in_product)
                for spec in DEMO_SCHOOLS
            ],
            today=today,
        )
        # After the registers: the cases are written from what the registers show.
        staff = _case_staff(schools)
        cases = demo_cases_build(rng=rng, la=la, term=term, staff=staff, today=today)
        # After the case files: the legal stage rests on what they hold.
        cases += demo_legal_build(rng=rng, la=la, term=term, staff=staff, today=today)
        audit_record(
            actor=None,
            action=AuditEvent.Action.IMPORT,
            target=la,
            note=(
                f"Demo data built by seed_demo: seed {seed}, {len(plan.pupils)} pupils, "
                f"registers from {term.first:%d %b %Y} to {term.last:%d %b %Y}, {cases} cases"
                + (f", replacing {deleted} demo pupils" if deleted else "")
            ),
        )
        return _summary(la, created=True, today=today)


def _demo_pupils(la: LocalAuthority) -> QuerySet[Pupil]:
    return Pupil.unscoped.filter(
        Exists(Enrolment.unscoped.filter(pupil=OuterRef("pk"), school__local_authority=la))
    )


def _demo_people_delete(la: LocalAuthority) -> int:
    """Delete the pupils known only to the demo schools, and carers left with no pupil.

    A pupil also enrolled at a school outside the demo LA is real data and stays.
    """
    enrolled_elsewhere = Enrolment.unscoped.filter(pupil=OuterRef("pk")).exclude(
        school__local_authority=la
    )
    doomed = _demo_pupils(la).exclude(Exists(enrolled_elsewhere))
    demo_legal_delete(doomed)
    demo_cases_delete(doomed)
    demo_registers_delete(School.objects.filter(local_authority=la), doomed)
    carer_ids = list(
        PupilCarer.unscoped.filter(pupil__in=doomed)
        .order_by()
        .values_list("carer_id", flat=True)
        .distinct()
    )
    count = doomed.count()
    try:
        doomed.delete()
    except ProtectedError as exc:
        raise DemoDataError(
            "Some demo pupils have records that protect them from deletion "
            f"({len(exc.protected_objects)} found); remove those first."
        ) from exc
    Carer.unscoped.filter(pk__in=carer_ids, pupil_links__isnull=True).delete()
    return count


def _organisations_save() -> tuple[LocalAuthority, dict[_SchoolSpec, School]]:
    # Updated in place rather than deleted: the audit trail protects schools and users
    # once anyone has signed in, and its rows are never removed.
    la, _ = LocalAuthority.objects.update_or_create(
        code=DEMO_LA_CODE,
        defaults={
            "name": DEMO_LA_NAME,
            # Letters print the issuer's address (documents/), and refuse without one.
            "address": "County Hall\nMarket Street\nNorthmoor",
            "postcode": "NM1 1LA",
            "phone": "01632 960000",
            "email": "attendance@northmoor.example.gov.uk",
        },
    )
    schools: dict[_SchoolSpec, School] = {}
    for spec in DEMO_SCHOOLS:
        existing = School.objects.filter(urn=spec.urn).first()
        if existing is not None and existing.local_authority_id != la.pk:
            raise DemoDataError(
                f"URN {spec.urn} already belongs to {existing.name}, outside the demo "
                "authority; the demo leaves it alone."
            )
        school, _ = School.objects.update_or_create(
            urn=spec.urn,
            defaults={
                "name": spec.name,
                "phase": spec.phase,
                "local_authority": la,
                "establishment_number": spec.establishment_number,
                "address": "1 School Road\nNorthmoor",
                "postcode": "NM2 4SC",
                "phone": "01632 960100",
                "email": f"office@{spec.urn}.example.org",
            },
        )
        schools[spec] = school
    return la, schools


def _accounts_save(la: LocalAuthority, schools: Mapping[_SchoolSpec, School]) -> None:
    for spec in _ACCOUNTS:
        user = User.objects.filter(email=spec.email).select_related("school").first()
        if user is not None and not _belongs_to_demo(user, la):
            raise DemoDataError(
                f"{spec.email} is an account outside the demo authority; the demo leaves it alone."
            )
        user = user or User(email=spec.email)
        is_la_role = spec.role in (Role.LA_OFFICER, Role.LA_MANAGER)
        is_admin = spec.role == Role.SYSTEM_ADMIN
        user.full_name = spec.full_name
        user.job_title = spec.job_title
        user.role = spec.role
        user.school = schools[spec.school] if spec.school else None
        user.local_authority = la if is_la_role else None
        user.is_active = True
        user.is_staff = is_admin
        user.is_superuser = is_admin
        user.set_password(DEMO_PASSWORD)
        user.full_clean(exclude=["password"])
        user.save()


def _case_staff(schools: Mapping[_SchoolSpec, School]) -> dict[int, CaseStaff]:
    """Each demo school's attendance lead and DSL, who lead its demo cases."""
    users = {u.email: u for u in User.objects.filter(email__in=[a.email for a in _ACCOUNTS])}

    def account(spec: _SchoolSpec, role: Role) -> User | None:
        return next(
            (users[a.email] for a in _ACCOUNTS if a.school == spec and a.role == role), None
        )

    staff = {}
    for spec, school in schools.items():
        lead = account(spec, Role.ATTENDANCE_LEAD)
        if lead is not None:
            staff[school.pk] = CaseStaff(lead, account(spec, Role.DSL))
    return staff


def _belongs_to_demo(user: User, la: LocalAuthority) -> bool:
    if user.school is not None:
        return user.school.local_authority_id == la.pk
    if user.local_authority_id is not None:
        return user.local_authority_id == la.pk
    return True


def _summary(la: LocalAuthority, *, created: bool, today: dt.date) -> DemoSummary:
    pupils = _demo_pupils(la)
    ended_here = Enrolment.unscoped.filter(
        pupil=OuterRef("pk"), school__local_authority=la, end__isnull=False
    )
    carers = Carer.unscoped.filter(
        Exists(PupilCarer.unscoped.filter(carer=OuterRef("pk"), pupil__in=pupils))
    )
    emails = [spec.email for spec in _ACCOUNTS]
    present = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    return DemoSummary(
        created=created,
        local_authority=la.name,
        la_code=la.code,
        schools=School.objects.filter(local_authority=la).count(),
        pupils=pupils.count(),
        carers=carers.count(),
        pupils_who_moved_school=pupils.filter(Exists(ended_here)).count(),
        accounts=tuple(_account(spec) for spec in _ACCOUNTS),
        missing_accounts=tuple(email for email in emails if email not in present),
        attendance=demo_attendance(la, today),
        cases=demo_cases(la, today),
    )


def _account(spec: _AccountSpec) -> DemoAccount:
    if spec.school is not None:
        organisation = spec.school.name
    elif spec.role == Role.SYSTEM_ADMIN:
        organisation = "All organisations"
    else:
        organisation = DEMO_LA_NAME
    return DemoAccount(role=spec.role.label, email=spec.email, organisation=organisation)


# --- Generating pupils and families ------------------------------------------------------


@dataclass
class _Plan:
    pupils: list[Pupil] = field(default_factory=list)
    carers: list[Carer] = field(default_factory=list)
    enrolments: list[Enrolment] = field(default_factory=list)
    links: list[PupilCarer] = field(default_factory=list)


def _plan_save(plan: _Plan) -> None:
    clashes = list(
        Pupil.unscoped.filter(upn__in=[p.upn for p in plan.pupils]).values_list("upn", flat=True)
    )
    if clashes:
        raise DemoDataError(
            f"{len(clashes)} demo UPNs are already in use (for example {clashes[0]}) by pupils "
            "also enrolled outside the demo authority; the demo leaves them alone."
        )
    # The enrolments and links hold the pupil and carer objects, which get their keys
    # here, so they are saved after them.
    Pupil.unscoped.bulk_create(plan.pupils)
    Carer.unscoped.bulk_create(plan.carers)
    Enrolment.unscoped.bulk_create(plan.enrolments)
    PupilCarer.unscoped.bulk_create(plan.links)


@dataclass(frozen=True)
class _Surname:
    """A family name, with the forms a wife and a daughter take where the language genders
    surnames (Polish -ski/-ska; Lithuanian -as/-ienė/-aitė)."""

    male: str
    wife: str = ""
    daughter: str = ""

    def for_woman(self, *, married: bool) -> str:
        if married:
            return self.wife or self.male
        return self.daughter or self.wife or self.male


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


def _surnames(text: str) -> tuple[_Surname, ...]:
    return tuple(_Surname(*name.split("/")) for name in _names(text))


@dataclass(frozen=True)
class _Heritage:
    """Names (children's and their parents' generation differ) and home languages."""

    weight: int
    girls: tuple[str, ...]
    boys: tuple[str, ...]
    women: tuple[str, ...]
    men: tuple[str, ...]
    surnames: tuple[_Surname, ...]
    languages: tuple[str, ...] = ()
    # How likely a family is to prefer its home language to English.
    language_chance: float = 0.0
    older_women: tuple[str, ...] = ()
    older_men: tuple[str, ...] = ()


# A mix typical of an English town; weights are rough shares of families.
_HERITAGES: tuple[_Heritage, ...] = (
    _Heritage(  # English, Scottish, Welsh, Irish
        weight=58,
        girls=_names(
            "Olivia, Amelia, Isla, Ava, Ivy, Freya, Lily, Florence, Mia, Willow, Rosie, Sophia, "
            "Isabella, Grace, Daisy, Poppy, Evie, Ella, Harper, Matilda, Elsie, Phoebe, Ruby, "
            "Erin, Niamh, Cerys, Seren, Eilidh"
        ),
        boys=_names(
            "Oliver, George, Arthur, Noah, Leo, Harry, Oscar, Jack, Charlie, Freddie, Alfie, "
            "Theo, Thomas, William, Jacob, Archie, Henry, Joshua, Samuel, Alexander, Finley, "
            "Callum, Rhys, Dylan, Cian, Lewis, Ethan, Mason"
        ),
        women=_names(
            "Sarah, Emma, Laura, Rebecca, Hannah, Gemma, Claire, Kelly, Stacey, Victoria, Amy, "
            "Lucy, Jessica, Charlotte, Nicola, Rachel, Katie, Siobhan, Sian, Kirsty"
        ),
        men=_names(
            "James, Daniel, Matthew, Christopher, David, Andrew, Richard, Mark, Paul, Michael, "
            "Lee, Craig, Gareth, Ryan, Adam, Stuart, Wayne, Liam, Sean, Iain"
        ),
        older_women=_names("Susan, Linda, Karen, Julie, Janet, Patricia, Margaret, Deborah"),
        older_men=_names("Stephen, Peter, John, Robert, Ian, Keith, Gary, Kevin"),
        surnames=_surnames(
            "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, "
            "Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, Hughes, "
            "Turner, Hill, Moore, Cooper, Ward, Morris, King, Harrison, Lewis, Baker, Allen, "
            "Bennett, Shaw, Fletcher, Marshall, Holmes, Murphy, Kelly, O'Brien, Byrne, Walsh, "
            "MacDonald, Campbell, Stewart, Murray, Fraser, Pritchard, Llewellyn, Morgan, Price"
        ),
    ),
    _Heritage(  # Polish
        weight=5,
        girls=_names("Zuzanna, Julia, Maja, Zofia, Hanna, Lena, Alicja, Oliwia"),
        boys=_names("Jakub, Antoni, Szymon, Jan, Filip, Kacper, Aleksander, Franciszek"),
        women=_names("Agnieszka, Katarzyna, Magdalena, Joanna, Monika, Anna, Ewa, Małgorzata"),
        men=_names("Piotr, Tomasz, Paweł, Marcin, Michał, Krzysztof, Łukasz, Grzegorz"),
        surnames=_surnames(
            "Nowak, Wójcik, Kaczmarek, Mazur, Krawczyk, Dudek, Wróbel, Kowalski/Kowalska, "
            "Lewandowski/Lewandowska, Zieliński/Zielińska, Wiśniewski/Wiśniewska"
        ),
        languages=("Polish",),
        language_chance=0.6,
    ),
    _Heritage(  # Romanian
        weight=4,
        girls=_names("Maria, Ioana, Elena, Andreea, Sofia, Daria, Bianca"),
        boys=_names("Andrei, David, Luca, Matei, Ștefan, Alexandru, Gabriel"),
        women=_names("Mihaela, Alina, Cristina, Gabriela, Ramona, Simona, Roxana"),
        men=_names("Ionuț, Florin, Marius, Adrian, Bogdan, Cătălin, Mihai"),
        surnames=_surnames(
            "Popescu, Ionescu, Popa, Constantin, Stan, Dumitru, Munteanu, Marin, Lungu"
        ),
        languages=("Romanian",),
        language_chance=0.6,
    ),
    _Heritage(  # Portuguese and Brazilian
        weight=3,
        girls=_names("Beatriz, Leonor, Matilde, Carolina, Inês, Mariana"),
        boys=_names("Santiago, Afonso, Tomás, Duarte, Rodrigo, Martim"),
        women=_names("Catarina, Patrícia, Sandra, Vânia, Cláudia, Rita"),
        men=_names("João, Nuno, Rui, Tiago, Pedro, Ricardo"),
        surnames=_surnames(
            "Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Martins, Sousa"
        ),
        languages=("Portuguese",),
        language_chance=0.5,
    ),
    _Heritage(  # Lithuanian
        weight=2,
        girls=_names("Emilija, Sofija, Lukrecija, Gabija, Austėja"),
        boys=_names("Matas, Lukas, Jokūbas, Dominykas, Nojus"),
        women=_names("Rasa, Jurgita, Ingrida, Vilma, Inga"),
        men=_names("Tomas, Mindaugas, Darius, Andrius, Vytautas"),
        surnames=_surnames(
            "Kazlauskas/Kazlauskienė/Kazlauskaitė, Petrauskas/Petrauskienė/Petrauskaitė, "
            "Jankauskas/Jankauskienė/Jankauskaitė, Stankevičius/Stankevičienė/Stankevičiūtė, "
            "Vasiliauskas/Vasiliauskienė/Vasiliauskaitė"
        ),
        languages=("Lithuanian",),
        language_chance=0.6,
    ),
    _Heritage(  # Pakistani
        weight=6,
        girls=_names("Aisha, Zainab, Maryam, Hafsa, Inaya, Eshal, Hania, Anaya"),
        boys=_names("Muhammad, Ibrahim, Yusuf, Zayn, Hamza, Ayaan, Rayyan, Musa"),
        women=_names("Nazia, Saima, Farah, Rubina, Shabana, Sadia, Asma, Bushra"),
        men=_names("Imran, Tariq, Asif, Kamran, Zahid, Adnan, Naveed, Shahid"),
        surnames=_surnames("Khan, Hussain, Ahmed, Iqbal, Malik, Butt, Mahmood, Akhtar, Shah, Raza"),
        languages=("Urdu", "Punjabi"),
        language_chance=0.3,
    ),
    _Heritage(  # Bangladeshi
        weight=4,
        girls=_names("Ayesha, Sumaiya, Nusrat, Tasnim, Raisa, Jannat"),
        boys=_names("Abdullah, Rayhan, Tahmid, Arif, Nabil, Sami"),
        women=_names("Shirin, Rokeya, Nasima, Salma, Rahima, Farzana"),
        men=_names("Abdul, Jamal, Shafiq, Monir, Anwar, Habib"),
        surnames=_surnames("Rahman, Islam, Uddin, Miah, Ali, Chowdhury, Hoque"),
        languages=("Bengali", "Sylheti"),
        language_chance=0.35,
    ),
    _Heritage(  # Indian
        weight=4,
        girls=_names("Anaya, Priya, Diya, Saanvi, Aadhya, Kiran, Simran, Jasleen"),
        boys=_names("Arjun, Rohan, Aarav, Vihaan, Dev, Kabir, Ishaan, Arman"),
        women=_names("Sunita, Anjali, Pooja, Neha, Rupinder, Harpreet, Meera, Kavita"),
        men=_names("Rajesh, Sanjay, Vikram, Amit, Sunil, Gurpreet, Manoj, Ravi"),
        surnames=_surnames("Patel, Sharma, Singh, Gill, Sandhu, Mistry, Joshi, Kumar, Desai"),
        languages=("Gujarati", "Punjabi", "Tamil"),
        language_chance=0.2,
    ),
    _Heritage(  # Nigerian and Ghanaian
        weight=4,
        girls=_names("Adaeze, Chiamaka, Toluwani, Ifeoluwa, Ama, Abena, Esi, Zara"),
        boys=_names("Chidi, Tobi, Emeka, Kwame, Kofi, Oluwaseun, David, Daniel"),
        women=_names("Ngozi, Funmilayo, Adwoa, Akosua, Folake, Chinwe, Grace, Blessing"),
        men=_names("Chukwuemeka, Kwabena, Babatunde, Femi, Emmanuel, Samuel, Kwesi"),
        surnames=_surnames(
            "Okafor, Adeyemi, Okonkwo, Balogun, Adebayo, Eze, Mensah, Boateng, Owusu, Asante"
        ),
        languages=("Yoruba", "Igbo", "Twi"),
        language_chance=0.1,
    ),
    _Heritage(  # Somali
        weight=2,
        girls=_names("Hodan, Ifrah, Sagal, Nasra, Ayan, Hibo"),
        boys=_names("Abdirahman, Mohamed, Abdi, Liban, Hamza, Khalid"),
        women=_names("Faadumo, Hawa, Sahra, Fardowsa, Amina, Ubah"),
        men=_names("Abdullahi, Ahmed, Ismail, Hassan, Omar, Yusuf"),
        surnames=_surnames("Mohamed, Abdi, Ali, Hassan, Farah, Warsame, Osman, Hersi, Jama"),
        languages=("Somali",),
        language_chance=0.4,
    ),
    _Heritage(  # Syrian, Iraqi, Kurdish
        weight=2,
        girls=_names("Layla, Noor, Yasmin, Rania, Lina, Jana"),
        boys=_names("Omar, Adam, Karim, Ahmad, Yazan, Hadi"),
        women=_names("Rasha, Hanan, Dima, Samira, Reem, Huda"),
        men=_names("Khaled, Bassam, Walid, Mahmoud, Sami, Tarek"),
        surnames=_surnames("Haddad, Al-Masri, Ibrahim, Mahmoud, Khalil, Nasser, Saleh, Hamdan"),
        languages=("Arabic", "Kurdish"),
        language_chance=0.45,
    ),
    _Heritage(  # Caribbean
        weight=2,
        girls=_names("Nia, Jada, Kiara, Aaliyah, Destiny, Tia"),
        boys=_names("Tyrese, Jayden, Kai, Malachi, Reuben, Elijah"),
        women=_names("Marcia, Sharon, Donna, Simone, Natalie, Jacqueline"),
        men=_names("Delroy, Winston, Marcus, Leon, Dwayne, Clive"),
        surnames=_surnames("Campbell, Francis, Thomas, Reid, Gordon, Grant, Henry, Bailey, Forbes"),
    ),
    _Heritage(  # Chinese
        weight=2,
        girls=_names("Mei, Xinyi, Jiayi, Chloe, Zoe, Hoi Yan"),
        boys=_names("Hao, Zihan, Yichen, Ethan, Ryan, Junjie"),
        women=_names("Li Na, Xiaoling, Hui, Ying, Mandy, Wai Ling"),
        men=_names("Wei, Jun, Jian, Hong, Kevin, Ming"),
        surnames=_surnames("Chen, Wang, Li, Zhang, Liu, Wong, Chan, Lam, Ho, Yang"),
        languages=("Cantonese", "Mandarin"),
        language_chance=0.35,
    ),
)
_HERITAGE_WEIGHTS = [heritage.weight for heritage in _HERITAGES]

# The names some pupils go by at school, recorded as their preferred forename.
_SHORT_NAMES: dict[str, str] = {
    "Alexander": "Alex",
    "Aleksander": "Olek",
    "Samuel": "Sam",
    "Thomas": "Tom",
    "William": "Will",
    "Joshua": "Josh",
    "Oliver": "Ollie",
    "Isabella": "Bella",
    "Matilda": "Tilly",
    "Zuzanna": "Zuzia",
    "Abdirahman": "Abdi",
    "Oluwaseun": "Seun",
    "Toluwani": "Tolu",
    "Ifeoluwa": "Ife",
    "Chiamaka": "Amaka",
    "Ștefan": "Stefan",
}

_STREETS = _names(
    "Mill Lane, Chapel Street, Moorside Close, Victoria Terrace, Station Road, Heather Way, "
    "Kestrel Drive, Weavers Row, Canal Street, Orchard Grove, Highfield Crescent, Larch Close, "
    "Queen Street, Beck Side, Foundry Walk, Tannery Court, Hawthorn Avenue, Brook Street, "
    "Lark Rise, Croft Road"
)
# Postcode districts: NM is not a real postcode area, so no address is anyone's.
_TOWNS: tuple[tuple[str, int, int], ...] = (
    ("Northmoor", 1, 6),
    ("Northmoor", 1, 6),
    ("Northmoor", 1, 6),
    ("Eastbridge", 7, 7),
    ("Low Moor", 8, 9),
)
# Royal Mail never uses C, I, K, M, O or V in the last two letters of a postcode.
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

_KINDS: dict[str, int] = {
    "two_parents": 46,
    "mother": 18,
    "mother_father_apart": 12,
    "father": 4,
    "mother_stepfather": 6,
    "mother_stepfather_father_apart": 4,
    "father_stepmother": 3,
    "grandparents": 4,
    "foster": 3,
}
_Rel = PupilCarer.Relationship
_Contact = Carer.ContactMethod
_CONTACT_WEIGHTS: dict[str, int] = {
    _Contact.PHONE: 35,
    _Contact.TEXT: 30,
    _Contact.EMAIL: 15,
    _Contact.APP: 12,
    _Contact.LETTER: 4,
    _Contact.IN_PERSON: 4,
}


def _years_in_school(year_group: str) -> int:
    return 0 if year_group == "R" else int(year_group)


def _school_day(day: dt.date) -> dt.date:
    """The day itself, or the Monday after when it falls at a weekend."""
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 if day.weekday() >= 5 else 0)


def _ascii(name: str) -> str:
    # Ł has no decomposition, so NFKD alone would drop it.
    name = name.replace("ł", "l").replace("Ł", "L")
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


@dataclass(frozen=True)
class _Link:
    carer: Carer
    relationship: str
    parental_responsibility: bool = True
    lives_with_pupil: bool = True


@dataclass
class _Household:
    address: str
    postcode: str
    landline: str = ""


class _Generator:
    """Deals out pupils and families from one random stream, in a fixed order."""

    def __init__(
        self, rng: random.Random, academic_year: int, schools: Mapping[_SchoolSpec, School]
    ) -> None:
        self.rng = rng
        self.year = academic_year
        self.schools = schools
        self.plan = _Plan()
        self._serials: dict[tuple[str, int], int] = {}
        # Ofcom's ranges for drama: numbers that can never ring a real person.
        self._mobiles = [f"07700 900{n:03d}" for n in rng.sample(range(1000), 1000)]
        self._landlines = [f"01632 960{n:03d}" for n in rng.sample(range(1000), 1000)]
        self._phones_dealt = 0
        self._emails: set[str] = set()

    def build(self, pupils_per_school: int) -> _Plan:
        slots = [
            (spec, group)
            for spec in DEMO_SCHOOLS
            for group, count in self._year_group_sizes(spec, pupils_per_school)
            for _ in range(count)
        ]
        self.rng.shuffle(slots)
        placed: list[tuple[Pupil, _SchoolSpec, str]] = []
        cross_school_groups_wanted = 2
        while slots:
            kind = self._weighted(_KINDS)
            # Foster carers often look after unrelated children; one child each keeps
            # "shares a carer" meaning "sibling".
            size = 1 if kind == "foster" else self._weighted({1: 66, 2: 26, 3: 8})
            # The first two sibling groups always span schools, so even a small demo has some.
            cross = size > 1 and (cross_school_groups_wanted > 0 or self.rng.random() < 0.35)
            twins = size == 2 and not cross and self.rng.random() < 0.06
            children = [slots.pop()]
            while len(children) < size:
                slot = self._sibling_slot(slots, children, cross=cross, twins=twins)
                if slot is None:
                    break
                children.append(slot)
            if len({spec for spec, _ in children}) > 1:
                cross_school_groups_wanted -= 1
            pupils = self._family_add(kind, children, twins=twins)
            placed.extend(
                (pupil, spec, group) for pupil, (spec, group) in zip(pupils, children, strict=True)
            )
        self._enrol(placed)
        return self.plan

    @staticmethod
    def _year_group_sizes(spec: _SchoolSpec, total: int) -> list[tuple[str, int]]:
        groups = _YEAR_GROUPS[spec.phase]
        base, extra = divmod(total, len(groups))
        return [(group, base + (1 if i < extra else 0)) for i, group in enumerate(groups)]

    def _weighted(self, weights: Mapping[_K, int]) -> _K:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def _sibling_slot(
        self,
        slots: list[tuple[_SchoolSpec, str]],
        children: Sequence[tuple[_SchoolSpec, str]],
        *,
        cross: bool,
        twins: bool,
    ) -> tuple[_SchoolSpec, str] | None:
        first_school = children[0][0]

        def fits(spec: _SchoolSpec, group: str) -> bool:
            if (spec != first_school) != cross:
                return False
            if twins:
                return group == children[0][1]
            # Two school years apart at least, so no two births are under a year apart.
            return all(
                abs(_years_in_school(group) - _years_in_school(other)) >= 2 for _, other in children
            )

        candidates = [i for i, (spec, group) in enumerate(slots) if fits(spec, group)]
        if not candidates:
            return None
        return slots.pop(self.rng.choice(candidates))

    # --- People ---------------------------------------------------------------------------

    def _family_add(
        self, kind: str, children: Sequence[tuple[_SchoolSpec, str]], *, twins: bool
    ) -> list[Pupil]:
        heritage = self._heritage()
        surname = self.rng.choice(heritage.surnames)
        language = "English"
        if heritage.languages and self.rng.random() < heritage.language_chance:
            language = self.rng.choice(heritage.languages)
        pupils: list[Pupil] = []
        for _, group in children:
            twin = pupils[0] if twins and pupils else None
            pupils.append(self._pupil(heritage, surname, group, twin, pupils))
        links = self._carers(kind, heritage, surname, language)
        for priority, link in enumerate(links, start=1):
            self.plan.carers.append(link.carer)
            for pupil in pupils:
                self.plan.links.append(
                    PupilCarer(
                        pupil=pupil,
                        carer=link.carer,
                        relationship=link.relationship,
                        parental_responsibility=link.parental_responsibility,
                        lives_with_pupil=link.lives_with_pupil,
                        contact_priority=priority,
                    )
                )
        return pupils

    def _heritage(self) -> _Heritage:
        return self.rng.choices(_HERITAGES, weights=_HERITAGE_WEIGHTS)[0]

    def _pupil(
        self,
        heritage: _Heritage,
        surname: _Surname,
        group: str,
        twin: Pupil | None,
        siblings: Sequence[Pupil],
    ) -> Pupil:
        sex = self.rng.choice((Pupil.Sex.FEMALE, Pupil.Sex.MALE))
        names = heritage.girls if sex == Pupil.Sex.FEMALE else heritage.boys
        taken = {sibling.legal_forename for sibling in siblings}
        forename = self.rng.choice([name for name in names if name not in taken] or names)
        preferred = ""
        if forename in _SHORT_NAMES and self.rng.random() < 0.5:
            preferred = _SHORT_NAMES[forename]
        pupil = Pupil(
            legal_forename=forename,
            legal_surname=(
                surname.for_woman(married=False) if sex == Pupil.Sex.FEMALE else surname.male
            ),
            preferred_forename=preferred,
            date_of_birth=twin.date_of_birth if twin else self._birth_date(group),
            sex=sex,
            year_group=group,
        )
        self.plan.pupils.append(pupil)
        return pupil

    def _birth_date(self, group: str) -> dt.date:
        # Children start Reception in the September after they turn four.
        n = _years_in_school(group)
        first = dt.date(self.year - 5 - n, 9, 1)
        last = dt.date(self.year - 4 - n, 8, 31)
        return first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))

    def _carers(
        self, kind: str, heritage: _Heritage, surname: _Surname, language: str
    ) -> list[_Link]:
        rng = self.rng
        home = self._household()
        # Partners are usually, not always, of the same heritage.
        partner = heritage if rng.random() < 0.85 else self._heritage()
        birth_name = rng.choice(partner.surnames).for_woman(married=False)

        def mother(*, married: bool, lives: bool = True, named: str = "") -> _Link:
            name = named or (surname.for_woman(married=True) if married else birth_name)
            carer = self._adult(
                partner.women, name, "F", married, home if lives else self._household(), language
            )
            return _Link(carer, _Rel.MOTHER, lives_with_pupil=lives)

        def father(*, lives: bool = True) -> _Link:
            where = home if lives else self._household()
            carer = self._adult(heritage.men, surname.male, "M", True, where, language)
            return _Link(carer, _Rel.FATHER, lives_with_pupil=lives)

        if kind == "two_parents":
            married = rng.random() < 0.6
            links = [mother(married=married), father()]
            return links if rng.random() < 0.7 else links[::-1]
        if kind == "mother":
            return [mother(married=rng.random() < 0.5)]
        if kind == "mother_father_apart":
            return [mother(married=rng.random() < 0.4), father(lives=False)]
        if kind == "father":
            return [father()]
        if kind in ("mother_stepfather", "mother_stepfather_father_apart"):
            step_heritage = self._heritage()
            step_surname = rng.choice(step_heritage.surnames)
            remarried = rng.random() < 0.5
            links = [
                mother(
                    married=True, named=step_surname.for_woman(married=True) if remarried else ""
                ),
                # A step-parent has parental responsibility only by agreement or court
                # order, which most do not have.
                _Link(
                    self._adult(step_heritage.men, step_surname.male, "M", True, home, "English"),
                    _Rel.STEP_FATHER,
                    parental_responsibility=False,
                ),
            ]
            if kind == "mother_stepfather_father_apart":
                links.append(father(lives=False))
            return links
        if kind == "father_stepmother":
            step_heritage = self._heritage()
            return [
                father(),
                _Link(
                    self._adult(
                        step_heritage.women,
                        surname.for_woman(married=True),
                        "F",
                        True,
                        home,
                        "English",
                    ),
                    _Rel.STEP_MOTHER,
                    parental_responsibility=False,
                ),
            ]
        if kind == "grandparents":
            # Kinship care under a special guardianship order, which gives the
            # grandparents parental responsibility; the mother keeps hers.
            older_women = heritage.older_women or heritage.women
            older_men = heritage.older_men or heritage.men
            name = surname.for_woman(married=True)
            links = [
                _Link(self._adult(older_women, name, "F", True, home, language), _Rel.GRANDPARENT)
            ]
            if rng.random() < 0.5:
                links.append(
                    _Link(
                        self._adult(older_men, surname.male, "M", True, home, language),
                        _Rel.GRANDPARENT,
                    )
                )
            links.append(mother(married=False, lives=False, named=surname.for_woman(married=False)))
            return links
        # Foster care: the foster carer has no parental responsibility; the birth
        # parents keep theirs, shared with the LA under a care order.
        foster_heritage = self._heritage()
        foster_sex = "F" if rng.random() < 0.75 else "M"
        links = [
            _Link(
                self._adult(
                    foster_heritage.women if foster_sex == "F" else foster_heritage.men,
                    rng.choice(foster_heritage.surnames).male,
                    foster_sex,
                    True,
                    home,
                    "English",
                ),
                _Rel.FOSTER_CARER,
                parental_responsibility=False,
            ),
            mother(married=False, lives=False),
        ]
        if rng.random() < 0.4:
            links.append(father(lives=False))
        return links

    def _household(self) -> _Household:
        rng = self.rng
        town, low, high = rng.choice(_TOWNS)
        address = f"{rng.randint(1, 160)} {rng.choice(_STREETS)}\n{town}"
        letters = "".join(rng.choice(_POSTCODE_LETTERS) for _ in range(2))
        postcode = f"NM{rng.randint(low, high)} {rng.randint(1, 9)}{letters}"
        landline = self._landlines[self._deal()] if rng.random() < 0.3 else ""
        return _Household(address, postcode, landline)

    def _deal(self) -> int:
        # Past a thousand carers the numbers repeat; they are only there to look right.
        index = self._phones_dealt % 1000
        self._phones_dealt += 1
        return index

    def _adult(
        self,
        forenames: Sequence[str],
        surname: str,
        sex: str,
        married: bool,
        home: _Household,
        family_language: str,
    ) -> Carer:
        rng = self.rng
        forename = rng.choice(forenames)
        if sex == "M":
            title = "Dr" if rng.random() < 0.03 else "Mr"
        elif married:
            title = self._weighted({"Mrs": 80, "Ms": 15, "Dr": 5})
        else:
            title = self._weighted({"Ms": 60, "Miss": 35, "Mx": 5})
        # Some parents in a family speak English even when the household prefers another
        # language for letters and meetings.
        language = family_language if rng.random() < 0.85 else "English"
        interpreter = language != "English" and rng.random() < 0.55
        literacy = rng.random() < 0.06
        mobile = self._mobiles[self._deal()] if rng.random() < 0.95 else ""
        email = self._email(forename, surname) if rng.random() < 0.8 else ""
        contact = dict(_CONTACT_WEIGHTS)
        if literacy:
            # Letters, texts and emails do not reach a parent who struggles to read them.
            contact = {_Contact.PHONE: 60, _Contact.IN_PERSON: 40}
        if not email:
            contact.pop(_Contact.EMAIL, None)
        if not mobile:
            contact.pop(_Contact.TEXT, None)
            contact.pop(_Contact.APP, None)
            if not home.landline:
                contact.pop(_Contact.PHONE, None)
        contact = contact or {_Contact.LETTER: 1}
        return Carer(
            title=title,
            forename=forename,
            surname=surname,
            address=home.address,
            postcode=home.postcode,
            phone=home.landline,
            mobile=mobile,
            email=email,
            preferred_language=language,
            interpreter_needed=interpreter,
            literacy_support_needed=literacy,
            preferred_contact_method=self._weighted(contact),
        )

    def _email(self, forename: str, surname: str) -> str:
        first, last = _ascii(forename), _ascii(surname)
        local = self.rng.choice((f"{first}.{last}", f"{first}{last}", f"{first[0]}.{last}"))
        domain = self.rng.choice(_EMAIL_DOMAINS)
        address, n = f"{local}@{domain}", 1
        while address in self._emails:
            n += 1
            address = f"{local}{n}@{domain}"
        self._emails.add(address)
        return address

    # --- Enrolments and UPNs --------------------------------------------------------------

    def _enrol(self, placed: Sequence[tuple[Pupil, _SchoolSpec, str]]) -> None:
        rng = self.rng
        movable = [
            i
            for i, (_, spec, group) in enumerate(placed)
            if spec in _PRIMARIES and _years_in_school(group) >= 2
        ]
        secondary = [i for i, (_, spec, _) in enumerate(placed) if spec == NORTHMOOR_HIGH]
        # A handful who changed primary part-way through, and a handful at the high school
        # who came up from a demo primary: both show a pupil known to two schools.
        movers = set(rng.sample(movable, min(len(movable), max(2, len(placed) // 60))))
        came_up = set(rng.sample(secondary, min(len(secondary), max(2, len(secondary) // 20))))
        for i, (pupil, spec, group) in enumerate(placed):
            n = _years_in_school(group)
            reception = dt.date(self.year - n, 9, 1)
            if i in movers:
                before = ELM_TREE if spec == BROOKFIELD else BROOKFIELD
                moved_in = self.year - rng.randint(1, n - 1)
                left = self._date_between(dt.date(moved_in, 10, 1), dt.date(moved_in + 1, 7, 15))
                self._enrolment(pupil, before, reception, left)
                start = _school_day(left + dt.timedelta(days=1))
                issued_by = before.establishment_number
            elif i in came_up:
                primary = rng.choice(_PRIMARIES)
                start = dt.date(self.year - (n - 7), 9, 1)
                left = dt.date(start.year, 7, 21)
                left -= dt.timedelta(days=max(0, left.weekday() - 4))
                self._enrolment(pupil, primary, reception, left)
                issued_by = primary.establishment_number
            elif spec in _PRIMARIES:
                start, issued_by = reception, spec.establishment_number
                if n >= 1 and rng.random() < 0.08:
                    # Joined during the year, from a school elsewhere in the county.
                    start = self._date_between(
                        reception + dt.timedelta(days=30), dt.date(self.year, 7, 15)
                    )
                    issued_by = rng.choice(_OTHER_ESTABLISHMENTS)
            else:
                start = dt.date(self.year - (n - 7), 9, 1)
                issued_by = rng.choice(_OTHER_ESTABLISHMENTS)
                if n >= 8 and rng.random() < 0.08:
                    start = self._date_between(
                        start + dt.timedelta(days=30), dt.date(self.year, 7, 15)
                    )
            self._enrolment(pupil, spec, start, None)
            pupil.upn = self._upn(issued_by, self.year - n)

    def _date_between(self, first: dt.date, last: dt.date) -> dt.date:
        day = first + dt.timedelta(days=self.rng.randrange((last - first).days + 1))
        return _school_day(day)

    def _enrolment(
        self, pupil: Pupil, spec: _SchoolSpec, start: dt.date, end: dt.date | None
    ) -> None:
        self.plan.enrolments.append(
            Enrolment(pupil=pupil, school=self.schools[spec], start=start, end=end)
        )

    def _upn(self, establishment: str, reception_year: int) -> str:
        """Check letter, LA, establishment, two-digit year of allocation, serial."""
        key = (establishment, reception_year % 100)
        if key not in self._serials:
            self._serials[key] = self.rng.randint(0, 40)
        self._serials[key] += 1
        body = f"{DEMO_LA_CODE}{establishment}{key[1]:02d}{self._serials[key]:03d}"
        return upn_check_letter(body) + body
