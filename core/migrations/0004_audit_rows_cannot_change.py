"""Audit rows are only ever added (docs/security.md, "Audit").

On PostgreSQL a trigger refuses any UPDATE or DELETE of an audit row, whoever
asks: a bug, a shell session or an attacker with the application's database
user cannot rewrite who saw or changed a child's record. (TRUNCATE, which only
a database owner's maintenance would run, is not a row change.) SQLite, the
local default, keeps no such guard.
"""

from django.db import migrations

CREATE = [
    """
    CREATE OR REPLACE FUNCTION audit_rows_are_only_added() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit rows cannot be changed or deleted (%% on core_auditevent)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_rows_are_only_added
        BEFORE UPDATE OR DELETE ON core_auditevent
        FOR EACH ROW EXECUTE FUNCTION audit_rows_are_only_added()
    """,
]
DROP = [
    "DROP TRIGGER IF EXISTS audit_rows_are_only_added ON core_auditevent",
    "DROP FUNCTION IF EXISTS audit_rows_are_only_added()",
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0003_form_submissions")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
