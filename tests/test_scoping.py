"""Who sees which pupils and families: the one scoping rule, role by role."""

import pytest

from accounts.models import Role
from core.scoping import UnscopedQueryError, visible_schools
from pupils.models import Carer, Enrolment, Pupil, PupilCarer

from .factories import (
    EnrolmentFactory,
    LocalAuthorityFactory,
    PupilCarerFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_las():
    """LA one with schools A and B; LA two with school C; a pupil in each school."""
    la_one, la_two = LocalAuthorityFactory(code="926"), LocalAuthorityFactory(code="873")
    a, b = SchoolFactory(local_authority=la_one), SchoolFactory(local_authority=la_one)
    c = SchoolFactory(local_authority=la_two)
    pupils = {s: PupilFactory(school=s) for s in (a, b, c)}
    return {"la_one": la_one, "la_two": la_two, "a": a, "b": b, "c": c, "pupils": pupils}


def visible_pupils(user):
    return set(Pupil.objects.for_user(user))


def test_school_staff_of_every_role_see_only_their_own_schools_pupils(two_las):
    a, pupils = two_las["a"], two_las["pupils"]
    for role in (Role.ATTENDANCE_LEAD, Role.DSL, Role.SCHOOL_STAFF):
        user = UserFactory(role=role, school=a)
        assert visible_pupils(user) == {pupils[a]}, role


def test_la_users_see_every_school_in_their_la_and_none_elsewhere(two_las):
    for role in (Role.LA_OFFICER, Role.LA_MANAGER):
        officer = UserFactory(la_user=True, role=role, local_authority=two_las["la_one"])
        assert visible_pupils(officer) == {
            two_las["pupils"][two_las["a"]],
            two_las["pupils"][two_las["b"]],
        }
        assert set(visible_schools(officer)) == {two_las["a"], two_las["b"]}


def test_system_admin_sees_every_school(two_las):
    admin = UserFactory(admin=True)
    assert visible_pupils(admin) == set(two_las["pupils"].values())


def test_a_switched_off_account_sees_nothing(two_las):
    lead = UserFactory(school=two_las["a"], is_active=False)
    assert visible_pupils(lead) == set()


def test_anonymous_sees_nothing(two_las):
    from django.contrib.auth.models import AnonymousUser

    assert visible_pupils(AnonymousUser()) == set()


def test_a_pupil_who_moved_school_is_seen_by_both_schools_and_listed_once(two_las):
    a, b = two_las["a"], two_las["b"]
    mover = PupilFactory()
    EnrolmentFactory(pupil=mover, school=a, end="2025-02-14")
    EnrolmentFactory(pupil=mover, school=b, start="2025-02-24")
    officer = UserFactory(la_user=True, local_authority=two_las["la_one"])

    assert mover in visible_pupils(UserFactory(school=a))
    assert mover in visible_pupils(UserFactory(school=b))
    assert list(Pupil.objects.for_user(officer)).count(mover) == 1


def test_families_are_visible_only_where_one_of_their_children_is(two_las):
    a, c = two_las["a"], two_las["c"]
    link = PupilCarerFactory(pupil=two_las["pupils"][c])
    lead_a, lead_c = UserFactory(school=a), UserFactory(school=c)

    assert set(Carer.objects.for_user(lead_c)) == {link.carer}
    assert set(Carer.objects.for_user(lead_a)) == set()
    assert set(PupilCarer.objects.for_user(lead_a)) == set()
    assert set(Enrolment.objects.for_user(lead_a)) == set(Enrolment.unscoped.filter(school=a))


@pytest.mark.parametrize("call", ["all", "filter", "get", "count", "exclude", "first"])
def test_reading_without_saying_who_is_asking_is_refused(call):
    with pytest.raises(UnscopedQueryError, match=r"for_user\(user\)"):
        getattr(Pupil.objects, call)()
