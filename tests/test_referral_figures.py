"""Time to decision, for LA managers."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from notices.models import LADecision, LegalReferral

from .conftest import signed_in_client
from .factories import LocalAuthorityFactory, SchoolFactory, UserFactory
from .test_referrals import quick_referral

pytestmark = pytest.mark.django_db


def decide(referral, on):
    LegalReferral.unscoped.filter(pk=referral.pk).update(status="decided")
    LADecision.unscoped.create(
        referral=referral,
        kind="penalty_notice",
        reason="Support not engaged with",
        decided_on=on,
        eso_considered=False,
        decided_by=UserFactory(la_user=True, local_authority=referral.case.school.local_authority),
    )


def test_managers_see_days_from_first_submission_to_decision_and_what_waits():
    la = LocalAuthorityFactory(code="999")
    riverside, hillcrest = SchoolFactory(local_authority=la), SchoolFactory(local_authority=la)
    first = quick_referral(riverside, dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC), status="returned")
    # The resubmission (version 2) keeps the clock of the first submission.
    second = LegalReferral.unscoped.create(
        case=first.case,
        notice=first.notice,
        version=2,
        status="accepted",
        submitted_at=dt.datetime(2026, 3, 6, 9, tzinfo=dt.UTC),
        submitted_by=first.submitted_by,
        bundle={},
    )
    decide(second, dt.date(2026, 3, 10))
    quick_referral(hillcrest, dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC))
    manager = UserFactory(la_user=True, role=Role.LA_MANAGER, local_authority=la)

    with time_machine.travel(dt.datetime(2026, 3, 15, 12, tzinfo=dt.UTC), tick=False):
        response = signed_in_client(manager).get(reverse("notices:referral_figures"))

    times = response.context["times"]
    assert (times.decided, times.median_days) == (1, 7)
    assert (times.waiting, times.longest_waiting_days) == (1, 14)
    assert {s.school: (s.decided, s.waiting) for s in times.schools} == {
        riverside.name: (1, 0),
        hillcrest.name: (0, 1),
    }


def test_officers_and_schools_do_not_see_the_managers_figures():
    school = SchoolFactory()
    officer = UserFactory(la_user=True, local_authority=school.local_authority)
    for user in (officer, UserFactory(school=school)):
        assert signed_in_client(user).get(reverse("notices:referral_figures")).status_code == 403


def test_another_las_referrals_are_not_counted():
    quick_referral(SchoolFactory(), dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC))
    manager = UserFactory(
        la_user=True, role=Role.LA_MANAGER, local_authority=LocalAuthorityFactory(code="998")
    )
    response = signed_in_client(manager).get(reverse("notices:referral_figures"))
    assert (response.context["times"].decided, response.context["times"].waiting) == (0, 0)
