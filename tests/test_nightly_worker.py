"""The nightly task through a real Celery worker on Redis, against PostgreSQL:
the flags are raised and the digest sent once, however many times the task is
delivered (issue 13, item 5). The worker fixture is test_celery_worker's."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import Role
from cases.models import DigestSent, Flag, NightlyRun
from cases.tasks import nightly

from .factories import UserFactory
from .test_celery_worker import real_worker, wait_for  # noqa: F401  (a fixture)
from .test_import_recovery import broker_down  # noqa: F401  (a fixture)
from .test_nightly import MONDAY, needs_cases
from .test_pathway_rules import at

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_worker_raises_the_flags_and_sends_each_digest_once(real_worker):  # noqa: F811
    schools = needs_cases(schools=2)
    leads = [UserFactory(role=Role.ATTENDANCE_LEAD, school=school) for school in schools]
    with at(MONDAY):
        nightly.delay()
        assert wait_for(lambda: NightlyRun.objects.filter(as_at=MONDAY).exists(), 60)
        assert wait_for(lambda: len(mail.outbox) == 2, 30), "the worker sent no digests"
        # Delivered again (a redelivery after a lost ack): nothing new.
        nightly.delay()
        assert wait_for(lambda: NightlyRun.objects.get(as_at=MONDAY).raised == 0, 60)
    assert Flag.unscoped.filter(kind="threshold_no_case").count() == 4
    assert sorted(m.to[0] for m in mail.outbox) == sorted(lead.email for lead in leads)
    assert DigestSent.objects.count() == 2
    assert all("today page:" in m.body for m in mail.outbox)


def test_the_task_is_acknowledged_late_so_a_killed_worker_loses_nothing():
    assert nightly.acks_late is True
    assert nightly.reject_on_worker_lost is True
    # The run itself resumes without duplicates: tests/test_nightly.py.


@pytest.mark.django_db
def test_the_today_page_serves_and_a_flag_resolves_with_redis_down(broker_down, client_for):  # noqa: F811
    from django.urls import reverse

    from cases.nightly import run_nightly

    school = needs_cases(schools=1, pupils=1)[0]
    lead = UserFactory(role=Role.ATTENDANCE_LEAD, school=school)
    with at(MONDAY):
        run_nightly(as_at=MONDAY)
        client = client_for(lead)
        home = client.get(reverse("home"))
        assert home.status_code == 200
        assert 'data-kind="threshold_no_case"' in home.content.decode()
        flag = Flag.unscoped.get()
        resolved = client.post(
            reverse("cases:flag_resolve", args=[flag.pk]), {"note": "Case opened at her new school"}
        )
    assert resolved.status_code == 302
