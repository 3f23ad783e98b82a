"""A parent who does not live with the child is written to only after the DSL
has decided it is safe: recorded with who, when and why."""

import pytest
from django.urls import reverse

from accounts.models import Role
from core.models import AuditEvent
from pupils.models import PupilCarer
from pupils.selectors import correspondence_recipients

from .conftest import signed_in_client
from .factories import PupilCarerFactory, PupilFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def non_resident():
    school = SchoolFactory()
    pupil = PupilFactory(school=school)
    link = PupilCarerFactory(
        pupil=pupil, relationship="father", lives_with_pupil=False, carer__forename="Tomasz"
    )
    return school, pupil, link


def decide(user, pupil, link, **data):
    url = reverse("cases:carer_correspondence", args=[pupil.pk, link.pk])
    return signed_in_client(user).post(url, data, follow=True)


def test_a_non_resident_parent_waits_for_the_dsl_then_is_included_with_the_reason(non_resident):
    school, pupil, link = non_resident
    dsl = UserFactory(role=Role.DSL, school=school, full_name="Dana Shah")
    assert not link.receives_correspondence
    page = signed_in_client(dsl).get(reverse("cases:pupil_detail", args=[pupil.pk]))
    assert "Waiting for the DSL's decision" in page.text

    response = decide(dsl, pupil, link, include="yes", reason="Shares care; no concerns.")

    assert "will get letters and messages about attendance" in response.text
    link.refresh_from_db()
    assert link.receives_correspondence
    assert link.correspondence_decided_by == dsl
    assert link.correspondence_decided_at is not None
    assert "Decided by Dana Shah" in response.text
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, actor=dsl)
    assert event.changes["included_in_correspondence"] == [None, True]


@pytest.mark.parametrize("role", [Role.ATTENDANCE_LEAD, Role.SCHOOL_STAFF])
def test_only_the_dsl_decides(non_resident, role):
    school, pupil, link = non_resident
    response = decide(UserFactory(role=role, school=school), pupil, link, include="yes", reason="x")
    assert response.status_code == 403
    assert PupilCarer.unscoped.get(pk=link.pk).included_in_correspondence is None


def test_a_dsl_of_another_school_gets_a_404(non_resident):
    _, pupil, link = non_resident
    outsider = UserFactory(role=Role.DSL, school=SchoolFactory())
    assert decide(outsider, pupil, link, include="yes", reason="x").status_code == 404


def test_a_decision_needs_a_reason_and_nothing_changes_without_one(non_resident):
    school, pupil, link = non_resident
    dsl = UserFactory(role=Role.DSL, school=school)
    response = decide(dsl, pupil, link, include="no", reason="  ")
    assert "Enter the reason for your decision" in response.text
    assert PupilCarer.unscoped.get(pk=link.pk).included_in_correspondence is None


def test_every_parent_or_carer_at_home_is_included_by_default_but_not_other_contacts():
    """Education Act 1996 s576: "parent" includes anyone who has care of the
    child; Support First: "any adult who lives with and takes care of the child
    should be included". A step-father at home without parental
    responsibility gets the letters; a childminder recorded at the same
    address does not, and neither does a father elsewhere until the DSL agrees."""
    pupil = PupilFactory()
    mother = PupilCarerFactory(pupil=pupil, relationship="mother", parental_responsibility=True)
    step_father = PupilCarerFactory(
        pupil=pupil, relationship="step_father", parental_responsibility=False
    )
    grandmother = PupilCarerFactory(
        pupil=pupil, relationship="grandparent", parental_responsibility=False
    )
    childminder = PupilCarerFactory(
        pupil=pupil, relationship="childminder", parental_responsibility=False
    )
    father = PupilCarerFactory(pupil=pupil, relationship="father", lives_with_pupil=False)
    assert [link.receives_correspondence for link in (mother, step_father, grandmother)] == [
        True,
        True,
        True,
    ]
    assert not childminder.receives_correspondence
    assert not father.receives_correspondence
    assert correspondence_recipients(pupil.pk) == [mother, step_father, grandmother]
