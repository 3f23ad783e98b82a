"""A real Celery worker consuming from a real Redis broker.

Everywhere else tasks run eagerly; this test proves that the queued path works:
the task is published only after the request's transaction commits, crosses the
broker, and a worker runs it against the database.
"""

import os
import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.test import Client
from django.urls import reverse

from attendance_site.celery import app as celery_app

from .factories import UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def real_worker():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    saved = {
        key: celery_app.conf[key]
        for key in ("broker_url", "task_always_eager", "task_default_queue")
    }
    celery_app.conf.update(
        broker_url=os.environ["REDIS_URL"], task_always_eager=False, task_default_queue=queue
    )
    drop_broker_connections()
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        celery_app.conf.update(saved)
        drop_broker_connections()


def drop_broker_connections():
    # Pools made before the broker URL changed would still point at the
    # in-memory broker. Forget them (as Celery does after a fork); closing them
    # would break kombu's process-wide pool registry for later tests.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    # The queues and routes cached by an earlier publish name the default queue,
    # not this worker's: make them again from the current settings.
    celery_app.__dict__.pop("amqp", None)


def wait_for(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_password_reset_email_is_sent_by_the_worker_not_the_web_request(real_worker):
    user = UserFactory(email="lead@riverside.example.org")

    response = Client().post(reverse("password_reset"), {"email": user.email})

    assert response.status_code == 302
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker never sent the email"
    assert mail.outbox[0].to == ["lead@riverside.example.org"]
    assert "/password-reset/" in mail.outbox[0].body


def test_a_document_is_made_by_the_worker_after_the_request_commits(real_worker):
    from documents.models import Document
    from documents.services.generate import subjects_of

    from .conftest import signed_in_client
    from .test_notices import ISSUED, issue, ready_case
    from .test_pathway_rules import at

    case = ready_case()
    issue(case)
    subject = next(s for s in subjects_of(case) if s.kind.code == "notice_to_improve")
    with at(ISSUED):
        response = signed_in_client(case.lead_professional).post(
            reverse("documents:make", args=[case.pk]), {"key": subject.key}
        )
    assert response.status_code == 302
    assert wait_for(lambda: Document.unscoped.filter(case=case).exists(), 60), (
        "the worker never made the document"
    )
    document = Document.unscoped.get(case=case)
    assert document.version == 1
    assert len(document.checksum) == 64
