import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from attendance_site.celery import app as celery_app
from attendance_site.schedule import BEAT_SCHEDULE
from core.tasks import clear_expired_sessions


def test_every_scheduled_job_names_a_task_the_worker_knows():
    celery_app.loader.import_default_modules()
    assert BEAT_SCHEDULE
    for name, entry in BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name
    assert celery_app.conf.beat_schedule == BEAT_SCHEDULE


@pytest.mark.django_db
def test_nightly_session_clean_up_removes_only_expired_sessions():
    live, expired = SessionStore(), SessionStore()
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )

    assert clear_expired_sessions.delay().get() == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
