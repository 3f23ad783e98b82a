"""The backup and restore in docs/operations.md work (issue 14, item 8): a
`pg_dump` of a database with cases, restored with `pg_restore` into an empty
database, holds the same cases, pupils and audit trail, and the restored audit
rows are still append-only."""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from core.audit import audit_record
from core.models import AuditEvent

from .factories import AttendanceCaseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

APPEND_ONLY = importlib.import_module("core.migrations.0004_audit_rows_cannot_change")


def _url(name: str) -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgresql://{user}@{host}:{port}/{name}"


def _cases(url: str) -> list[tuple[int, str, str]]:
    from cases.models import AttendanceCase
    from pupils.models import Pupil

    cases, pupils = AttendanceCase._meta.db_table, Pupil._meta.db_table
    with psycopg.connect(url) as conn:
        return conn.execute(
            f"SELECT c.id, p.upn, c.status FROM {cases} c "  # noqa: S608  (table names)
            f"JOIN {pupils} p ON p.id = c.pupil_id ORDER BY c.id"
        ).fetchall()


def test_a_dump_restored_into_an_empty_database_holds_the_same_cases(tmp_path: Path, school):
    made = [AttendanceCaseFactory(school=school) for _ in range(3)]
    audit_record(actor=made[0].lead_professional, action=AuditEvent.Action.SIGN_IN)
    with connection.schema_editor() as editor:
        for statement in APPEND_ONLY.CREATE:
            editor.execute(statement)

    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    dump = tmp_path / "attendance.dump"
    # The commands as docs/operations.md gives them.
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", _url(source)], check=True)
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                f"--dbname={_url(restored)}",
                str(dump),
            ],
            check=True,
        )
        assert _cases(_url(restored)) == _cases(_url(source))
        assert sorted(c.pk for c in made) == [row[0] for row in _cases(_url(restored))]
        with psycopg.connect(_url(restored)) as conn:
            assert conn.execute("SELECT count(*) FROM core_auditevent").fetchone() == (
                AuditEvent.objects.count(),
            )
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE core_auditevent SET note = 'rewritten'")
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        with connection.schema_editor() as editor:
            for statement in APPEND_ONLY.DROP:
                editor.execute(statement)
