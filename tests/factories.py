"""Test data, one factory per model and traits per state. Faker speaks en_GB."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from accounts.models import LocalAuthority, Role, School, User
from pupils.models import Carer, Enrolment, Pupil, PupilCarer
from pupils.upn import upn_check_letter

factory.Faker._DEFAULT_LOCALE = "en_GB"

TEST_PASSWORD = "a-long-test-password"

_la_codes = itertools.cycle(["926", "873", "881", "886", "919"])
_serials = itertools.count(1)


def make_upn(la_code: str = "926", establishment: str = "2155", serial: int | None = None) -> str:
    """A valid UPN: check letter, LA number, establishment, year, serial."""
    serial = next(_serials) if serial is None else serial
    body = f"{la_code}{establishment}{serial // 1000 % 100:02d}{serial % 1000:03d}"
    return upn_check_letter(body) + body


class ScopedModelFactory(DjangoModelFactory):
    """Factories write through `unscoped`: `objects` only reads for a given user."""

    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class.unscoped


class LocalAuthorityFactory(DjangoModelFactory[LocalAuthority]):
    class Meta:
        model = LocalAuthority
        django_get_or_create = ("code",)

    code = factory.LazyFunction(lambda: next(_la_codes))
    name = factory.Faker("city", locale="en_GB")
    address = "County Hall\nMartineau Lane\nNorwich"
    postcode = "NR1 2DH"
    phone = "01603 222300"
    email = "attendance@council.example.gov.uk"


class SchoolFactory(DjangoModelFactory[School]):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: f"{100000 + n}")
    name = factory.Sequence(lambda n: f"School {n} Academy")
    phase = School.Phase.PRIMARY
    local_authority = factory.SubFactory(LocalAuthorityFactory)
    establishment_number = factory.Sequence(lambda n: f"{2000 + n % 8000:04d}")
    address = "1 School Lane\nNorthmoor"
    postcode = "NM1 1AA"
    phone = "01234 500600"
    email = "office@school.example.org"


class UserFactory(DjangoModelFactory[User]):
    """An attendance lead by default; `role=` with `la_user=True` for LA roles."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    # Not Faker's names: a test that checks a pupil's surname is absent from a
    # page must not find it in the signed-in user's name in the header.
    full_name = factory.Sequence(lambda n: f"Staff Person {n}")
    role = Role.ATTENDANCE_LEAD
    school = factory.SubFactory(SchoolFactory)
    local_authority = None
    password = factory.django.Password(TEST_PASSWORD)

    class Params:
        la_user = factory.Trait(
            role=Role.LA_OFFICER,
            school=None,
            local_authority=factory.SubFactory(LocalAuthorityFactory),
        )
        admin = factory.Trait(
            role=Role.SYSTEM_ADMIN,
            school=None,
            local_authority=None,
            is_staff=True,
            is_superuser=True,
        )


class PupilFactory(ScopedModelFactory):
    class Meta:
        model = Pupil
        skip_postgeneration_save = True

    upn = factory.LazyFunction(make_upn)
    legal_forename = factory.Faker("first_name")
    legal_surname = factory.Faker("last_name")
    # Of compulsory school age (rule A4) from 31 August 2023 (born 31 August
    # 2018) to 29 June 2029 (born 1 September 2012) whatever is drawn, so a
    # test's frozen day never meets a random pupil outside it.
    date_of_birth = factory.Faker(
        "date_between", start_date=dt.date(2012, 9, 1), end_date=dt.date(2018, 8, 31)
    )
    sex = factory.Iterator([Pupil.Sex.FEMALE, Pupil.Sex.MALE])
    year_group = "5"

    @factory.post_generation
    def school(self, create: bool, extracted: School | None, **kwargs: object) -> None:
        """`PupilFactory(school=s)` enrols the pupil at `s` from 1 Sept 2024."""
        if create and extracted is not None:
            EnrolmentFactory(pupil=self, school=extracted)


class EnrolmentFactory(ScopedModelFactory):
    class Meta:
        model = Enrolment

    pupil = factory.SubFactory(PupilFactory)
    school = factory.SubFactory(SchoolFactory)
    start = dt.date(2024, 9, 1)
    end = None


class CarerFactory(ScopedModelFactory):
    class Meta:
        model = Carer

    forename = factory.Faker("first_name")
    surname = factory.Faker("last_name")
    address = factory.Faker("street_address")
    postcode = factory.Faker("postcode")
    mobile = factory.Sequence(lambda n: f"07700 900{n % 1000:03d}")
    email = factory.Sequence(lambda n: f"carer{n}@example.com")


class PupilCarerFactory(ScopedModelFactory):
    class Meta:
        model = PupilCarer

    pupil = factory.SubFactory(PupilFactory)
    carer = factory.SubFactory(CarerFactory)
    relationship = PupilCarer.Relationship.MOTHER
    parental_responsibility = True
    lives_with_pupil = True


class AttendanceCaseFactory(ScopedModelFactory):
    """An open case, led by an attendance lead of the pupil's school."""

    class Meta:
        model = "cases.AttendanceCase"

    school = factory.SubFactory(SchoolFactory)
    pupil = factory.LazyAttribute(lambda o: PupilFactory(school=o.school))
    lead_professional = factory.LazyAttribute(
        lambda o: UserFactory(role=Role.ATTENDANCE_LEAD, school=o.school)
    )
    opened_by = factory.SelfAttribute("lead_professional")
    opened_at = factory.LazyFunction(lambda: dt.datetime(2025, 9, 15, 9, 0, tzinfo=dt.UTC))
    opening_reason = "Attendance has fallen to 85% this half term."
    stage = "targeted"
    status = "open"

    class Params:
        closed = factory.Trait(
            status="closed",
            stage="closed",
            closing_reason="improved",
            closed_at=factory.LazyFunction(lambda: dt.datetime(2025, 12, 1, 9, 0, tzinfo=dt.UTC)),
            closed_by=factory.SelfAttribute("lead_professional"),
        )


class SupportOfferFactory(ScopedModelFactory):
    """Support offered by letter, by the case's lead, still waiting for an answer."""

    class Meta:
        model = "cases.SupportOffer"

    case = factory.SubFactory(AttendanceCaseFactory)
    what = "A place at breakfast club"
    provider = "school"
    offered_on = dt.date(2026, 3, 2)
    method = "letter"
    made_by = factory.SelfAttribute("case.lead_professional")
    created_by = factory.SelfAttribute("case.lead_professional")
    updated_by = factory.SelfAttribute("case.lead_professional")


class OfferFollowUpFactory(ScopedModelFactory):
    """A further attempt at an answer to an offer, by phone, by the case's lead."""

    class Meta:
        model = "cases.OfferFollowUp"

    offer = factory.SubFactory(SupportOfferFactory)
    case = factory.SelfAttribute("offer.case")
    followed_up_on = dt.date(2026, 3, 10)
    method = "phone"
    made_by = factory.SelfAttribute("case.lead_professional")
    created_by = factory.SelfAttribute("case.lead_professional")
    updated_by = factory.SelfAttribute("case.lead_professional")


class ActionPlanFactory(ScopedModelFactory):
    """A plan agreed on `agreed_on`, its first review due a fortnight later."""

    class Meta:
        model = "cases.ActionPlan"

    case = factory.SubFactory(AttendanceCaseFactory)
    agreed_on = dt.date(2025, 11, 9)
    target_attendance = 95
    target_date = factory.LazyAttribute(lambda o: o.agreed_on + dt.timedelta(days=60))
    review_every_days = 14
    next_review_due = factory.LazyAttribute(lambda o: o.agreed_on + dt.timedelta(days=14))
    created_by = factory.SelfAttribute("case.lead_professional")
    updated_by = factory.SelfAttribute("case.lead_professional")
