"""`manage.py seed_demo`: a demo authority anyone can sign in to, the same on every run."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import Client
from stdnum.gb import upn

from accounts.models import LocalAuthority, Role, School, User
from cases.models import Carer, Enrolment, Pupil, PupilCarer

pytestmark = pytest.mark.django_db

SMALL = "20"  # pupils per school: enough for families, movers and siblings, and quick


@pytest.fixture(autouse=True)
def _autumn_term() -> Iterator[None]:
    # Dates of birth follow the academic year containing today.
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str:
    match = re.search(r"^Every account's password is (\S+)$", output, re.MULTILINE)
    assert match, output
    return match.group(1)


def pupils_and_names() -> set[tuple[str, str, str, dt.date]]:
    return set(
        Pupil.unscoped.values_list("upn", "legal_forename", "legal_surname", "date_of_birth")
    )


def counts() -> dict[str, int]:
    return {
        "authorities": LocalAuthority.objects.count(),
        "schools": School.objects.count(),
        "users": User.objects.count(),
        "pupils": Pupil.unscoped.count(),
        "enrolments": Enrolment.unscoped.count(),
        "carers": Carer.unscoped.count(),
        "links": PupilCarer.unscoped.count(),
    }


def sibling_groups() -> list[set[int]]:
    """Pupils who share a carer, as the product finds siblings."""
    pupils_of = defaultdict(set)
    for pupil_id, carer_id in PupilCarer.unscoped.values_list("pupil_id", "carer_id"):
        pupils_of[carer_id].add(pupil_id)
    return [pupils for pupils in pupils_of.values() if len(pupils) > 1]


def test_builds_one_authority_with_three_schools_and_a_few_hundred_pupils_with_families():
    output = seed()

    la = LocalAuthority.objects.get()
    assert la.name == "Northmoor Council"
    schools = School.objects.filter(local_authority=la)
    assert {s.phase for s in schools} == {School.Phase.PRIMARY, School.Phase.SECONDARY}
    assert schools.count() == 3
    pupils = list(Pupil.unscoped.all())
    assert 300 <= len(pupils) <= 400
    assert f"{len(pupils)} pupils" in output

    assert all(upn.is_valid(p.upn) for p in pupils)
    assert len({p.upn for p in pupils}) == len(pupils)
    on_roll = Counter(Enrolment.unscoped.filter(end__isnull=True).values_list("pupil", flat=True))
    assert set(on_roll) == {p.pk for p in pupils}
    assert set(on_roll.values()) == {1}

    for pupil in pupils:
        # Reception children turn five during the school year; a Year N child, N + 5.
        age_by_31_august = 2027 - pupil.date_of_birth.year - (pupil.date_of_birth.month >= 9)
        in_school = 0 if pupil.year_group == "R" else int(pupil.year_group)
        assert age_by_31_august == in_school + 5, (pupil, pupil.year_group)

    carers_per_pupil = Counter(PupilCarer.unscoped.values_list("pupil", flat=True))
    assert set(carers_per_pupil.values()) <= {1, 2, 3}
    assert len(carers_per_pupil) == len(pupils)
    assert not Pupil.unscoped.exclude(carer_links__parental_responsibility=True).exists()


def test_families_are_varied_like_a_real_town():
    seed()

    links = PupilCarer.unscoped.all()
    assert {link.relationship for link in links} >= {
        PupilCarer.Relationship.MOTHER,
        PupilCarer.Relationship.FATHER,
        PupilCarer.Relationship.STEP_FATHER,
        PupilCarer.Relationship.GRANDPARENT,
        PupilCarer.Relationship.FOSTER_CARER,
    }
    assert links.filter(parental_responsibility=True, lives_with_pupil=False).exists()
    carers = Carer.unscoped.all()
    assert len({c.preferred_language for c in carers}) >= 5
    assert carers.filter(interpreter_needed=True).exists()
    assert carers.filter(literacy_support_needed=True).exists()
    assert len({c.preferred_contact_method for c in carers}) >= 4
    assert all(re.fullmatch(r"07700 900\d{3}", c.mobile) for c in carers if c.mobile)
    domains = {c.email.rsplit("@", 1)[1] for c in carers if c.email}
    assert domains == {"example.com", "example.org", "example.net"}


def test_every_role_has_an_account_that_signs_in_with_the_printed_password():
    output = seed("--pupils-per-school", SMALL)
    password = printed_password(output)

    users = list(User.objects.all())
    assert sorted(u.role for u in users) == sorted([*Role.values, Role.ATTENDANCE_LEAD])
    for user in users:
        assert user.email in output
        assert Client().login(username=user.email, password=password), user.email
        # The password must be one the product would let someone choose.
        validate_password(password, user)
    admin = User.objects.get(role=Role.SYSTEM_ADMIN)
    assert admin.is_staff
    assert admin.is_superuser
    assert output.rstrip().endswith("Sign in at http://127.0.0.1:8000/sign-in/")


def test_a_school_sees_only_its_own_pupils_and_the_la_sees_every_school():
    seed("--pupils-per-school", SMALL)
    brookfield = User.objects.get(email="lead@brookfield.example.org")
    high_school = User.objects.get(email="lead@northmoor-high.example.org")
    officer = User.objects.get(role=Role.LA_OFFICER)

    brookfield_pupils = set(Pupil.objects.for_user(brookfield))
    high_school_pupils = set(Pupil.objects.for_user(high_school))

    assert brookfield_pupils
    assert high_school_pupils
    assert brookfield_pupils != high_school_pupils
    assert set(Pupil.objects.for_user(officer)) == set(Pupil.unscoped.all())


def test_some_sibling_groups_share_carers_across_two_schools():
    seed("--pupils-per-school", SMALL)
    school_of = dict(
        Enrolment.unscoped.filter(end__isnull=True).values_list("pupil", "school__name")
    )

    across_schools = [g for g in sibling_groups() if len({school_of[p] for p in g}) > 1]

    assert len(across_schools) >= 2


def test_some_pupils_moved_from_one_demo_school_to_another():
    seed("--pupils-per-school", SMALL)

    ended = Enrolment.unscoped.filter(end__isnull=False)
    assert ended.exists()
    for enrolment in ended:
        now = Enrolment.unscoped.get(pupil=enrolment.pupil, end__isnull=True)
        assert now.school != enrolment.school
        assert now.start > enrolment.end


def test_running_again_changes_nothing_and_prints_the_sign_in_details_again():
    seed("--pupils-per-school", SMALL)
    before, names = counts(), pupils_and_names()

    output = seed("--pupils-per-school", SMALL)

    assert "Demo data is already present" in output
    assert printed_password(output) == "demo-pathway-2026"
    assert all(email in output for email in User.objects.values_list("email", flat=True))
    assert counts() == before
    assert pupils_and_names() == names


def test_reset_rebuilds_exactly_the_same_pupils_even_after_people_have_signed_in():
    seed()
    before, names = counts(), pupils_and_names()
    # A sign-in is in the audit trail, which protects the account from deletion.
    assert Client().login(username="lead@brookfield.example.org", password="demo-pathway-2026")
    User.objects.filter(email="dsl@brookfield.example.org").update(is_active=False)

    output = seed("--reset")

    assert "Built the demo" in output
    assert counts() == before
    assert pupils_and_names() == names
    assert Client().login(username="dsl@brookfield.example.org", password="demo-pathway-2026")


def test_another_seed_builds_other_pupils():
    seed("--pupils-per-school", SMALL)
    names = pupils_and_names()

    seed("--pupils-per-school", SMALL, "--seed", "7", "--reset")

    assert pupils_and_names().isdisjoint(names)


def test_reset_leaves_other_authorities_alone():
    seed("--pupils-per-school", SMALL)
    norfolk = LocalAuthority.objects.create(code="926", name="Norfolk County Council")
    riverside = School.objects.create(
        urn="121000",
        name="Riverside Academy",
        phase=School.Phase.SECONDARY,
        local_authority=norfolk,
        establishment_number="2155",
    )
    pupil = Pupil.unscoped.create(
        upn="D926215520105",
        legal_forename="Alys",
        legal_surname="Pryce",
        date_of_birth=dt.date(2012, 3, 4),
    )
    Enrolment.unscoped.create(pupil=pupil, school=riverside, start=dt.date(2023, 9, 1))
    carer = Carer.unscoped.create(forename="Nia", surname="Pryce")
    PupilCarer.unscoped.create(pupil=pupil, carer=carer, relationship="mother")

    seed("--pupils-per-school", SMALL, "--reset")

    assert Pupil.unscoped.filter(pk=pupil.pk).exists()
    assert Carer.unscoped.filter(pk=carer.pk).exists()
    assert School.objects.filter(pk=riverside.pk).exists()


def test_reset_refuses_to_delete_a_demo_pupil_also_enrolled_outside_the_demo():
    seed("--pupils-per-school", SMALL)
    norfolk = LocalAuthority.objects.create(code="926", name="Norfolk County Council")
    riverside = School.objects.create(
        urn="121000", name="Riverside Academy", phase="secondary", local_authority=norfolk
    )
    moved_away = Pupil.unscoped.first()
    Enrolment.unscoped.create(pupil=moved_away, school=riverside, start=dt.date(2026, 11, 2))
    before, names = counts(), pupils_and_names()

    with pytest.raises(CommandError, match="already in use"):
        seed("--pupils-per-school", SMALL, "--reset")

    assert counts() == before
    assert pupils_and_names() == names


def test_leaves_a_real_authority_with_the_demo_la_number_alone():
    LocalAuthority.objects.create(code="836", name="Borough of Poole")

    with pytest.raises(CommandError, match="Borough of Poole"):
        seed("--pupils-per-school", SMALL)

    assert not School.objects.exists()
    assert not User.objects.exists()


def test_refuses_a_pupil_count_out_of_range():
    with pytest.raises(CommandError, match="between 1 and"):
        seed("--pupils-per-school", "0")
