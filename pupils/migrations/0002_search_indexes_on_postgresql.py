"""Indexes for pupil search on PostgreSQL (docs/benchmarks.md, "Pupil search").

The search matches a UPN exactly and any part of a name, ignoring case, which
Django writes as `UPPER(col::text) = UPPER(%s)` and `UPPER(col::text) LIKE
UPPER(%s)`. A B-tree on the UPN's expression serves the first; trigram GIN
indexes (pg_trgm) on each name's expression serve the LIKE with a leading
wildcard, which no B-tree can. The expressions must be exactly Django's for the
planner to use them. SQLite keeps scanning: it is only the local default.
"""

from django.db import migrations

NAME_COLUMNS = ("legal_surname", "legal_forename", "preferred_surname", "preferred_forename")

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS pupil_upn_upper ON cases_pupil (UPPER("upn"::text))',
    *(
        f"CREATE INDEX IF NOT EXISTS pupil_{column}_trgm ON cases_pupil "
        f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        for column in NAME_COLUMNS
    ),
]
DROP = [
    "DROP INDEX IF EXISTS pupil_upn_upper",
    *(f"DROP INDEX IF EXISTS pupil_{column}_trgm" for column in NAME_COLUMNS),
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("pupils", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
