"""Imports that cannot get stuck: an upload the broker cannot take runs anyway,
a batch nobody took up is run, one whose worker died is failed, neither blocks
a re-upload, and the uploaded file does not outlive its import."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.utils import timezone
from kombu import pools as kombu_pools

from accounts.models import Role
from attendance.models import ImportBatch
from attendance.services.imports import (
    QUEUE_TIMEOUT,
    RUN_TIMEOUT,
    import_batches_recover,
)
from attendance_site.celery import app as celery_app
from pupils.models import Pupil

from .conftest import signed_in_client
from .factories import UserFactory
from .factories_attendance import SAMPLE_CTF, ImportBatchFactory, riverside
from .test_import_pages import START, detail_url, sample_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return riverside()


@pytest.fixture
def lead(school):
    return UserFactory(role=Role.ATTENDANCE_LEAD, school=school)


def _fresh_broker_connections() -> None:
    # Connections made for the closed port, and the queues and routes the app
    # cached when it published, must not be reused by later tests.
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.__dict__.pop("amqp", None)


@pytest.fixture
def broker_down():
    """Celery as in production (tasks go to a broker), with the broker's port closed."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:9/0")
    _fresh_broker_connections()
    yield
    celery_app.conf.update(saved)
    _fresh_broker_connections()


def test_an_upload_the_broker_cannot_take_is_imported_at_once(
    lead, broker_down, django_capture_on_commit_callbacks
):
    client = signed_in_client(lead)
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(START, {"kind": "ctf", "file": sample_upload()})

    batch = ImportBatch.unscoped.get()
    assert posted.status_code == 302
    assert posted.url == detail_url(batch)
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert Pupil.unscoped.count() == 14
    page = client.get(posted.url).text
    assert "Imported" in page
    assert "background service" in page


def queued_ctf(school, **kwargs) -> ImportBatch:
    return ImportBatchFactory(
        school=school,
        file=ContentFile(SAMPLE_CTF.read_bytes(), name="riverside.xml"),
        sha256=kwargs.pop("sha256", "a" * 64),
        **kwargs,
    )


def test_a_batch_nobody_took_up_is_run_and_one_whose_worker_died_is_failed(school):
    waiting = queued_ctf(school)
    dead = queued_ctf(school, sha256="b" * 64, status=ImportBatch.Status.RUNNING)
    ImportBatch.unscoped.filter(pk=dead.pk).update(started_at=timezone.now())

    later = timezone.now() + max(QUEUE_TIMEOUT, RUN_TIMEOUT) + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=False):
        recovered = import_batches_recover()

    assert (recovered.taken_up, recovered.failed) == ([waiting.pk], [dead.pk])
    waiting.refresh_from_db()
    dead.refresh_from_db()
    assert waiting.status == ImportBatch.Status.SUCCEEDED
    assert dead.status == ImportBatch.Status.FAILED
    assert "interrupted" in dead.report["errors"][0]["message"]
    assert Pupil.unscoped.count() == 14


def test_a_stuck_batch_does_not_block_uploading_the_same_file_again(
    lead, django_capture_on_commit_callbacks
):
    stuck = queued_ctf(lead.school, uploaded_by=lead)
    ImportBatch.unscoped.filter(pk=stuck.pk).update(
        sha256=hashlib.sha256(SAMPLE_CTF.read_bytes()).hexdigest(),
        created_at=timezone.now() - QUEUE_TIMEOUT - dt.timedelta(minutes=1),
    )
    client = signed_in_client(lead)

    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(START, {"kind": "ctf", "file": sample_upload()})

    fresh = ImportBatch.unscoped.exclude(pk=stuck.pk).get()
    assert posted.url == detail_url(fresh)
    assert fresh.status == ImportBatch.Status.SUCCEEDED
    stuck.refresh_from_db()
    assert stuck.status == ImportBatch.Status.FAILED


def test_the_uploaded_file_is_deleted_once_imported(lead, django_capture_on_commit_callbacks):
    storage = ImportBatch._meta.get_field("file").storage
    before = set(stored_files(storage))  # other tests' files share the in-memory storage
    client = signed_in_client(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(START, {"kind": "ctf", "file": sample_upload()})

    batch = ImportBatch.unscoped.get()
    assert batch.status == ImportBatch.Status.SUCCEEDED
    assert not batch.file
    assert set(stored_files(storage)) == before


def stored_files(storage, folder: str = "") -> list[str]:
    if folder and not storage.exists(folder):
        return []
    folders, files = storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files]
    for name in folders:
        found += stored_files(storage, f"{folder}/{name}".lstrip("/"))
    return found
