"""Audit rows cannot be changed or deleted by the application (PostgreSQL)."""

import importlib

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def append_only(db):
    """The suite builds its tables without migrations, so apply this one's SQL."""
    migration = importlib.import_module("core.migrations.0004_audit_rows_cannot_change")
    with connection.schema_editor() as editor:
        migration.Migration.operations[0].code(None, editor)


def test_an_audit_row_cannot_be_rewritten_or_deleted(append_only, lead):
    event = audit_record(actor=lead, action=AuditEvent.Action.SIGN_IN, target=lead)

    with pytest.raises(DatabaseError, match="audit rows cannot be changed"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(note="nothing happened")
    with pytest.raises(DatabaseError, match=r"\(UPDATE on core_auditevent\)"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(note="nothing happened")
    with pytest.raises(DatabaseError, match="audit rows cannot be changed"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()

    event.refresh_from_db()
    assert event.note == ""
    # Adding goes on as before.
    audit_record(actor=lead, action=AuditEvent.Action.SIGN_OUT, target=lead)
    assert AuditEvent.objects.count() == 2
