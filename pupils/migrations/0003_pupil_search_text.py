"""One search column for pupil search, with one trigram index on PostgreSQL.

Searching four name columns with `UPPER(col) LIKE '%X%' OR ...` made PostgreSQL
scan every pupil: it judged the BitmapOr of four trigram indexes dearer than the
scan (docs/benchmarks.md, "Pupil search on PostgreSQL"). `search_text` is the
names joined and upper-cased, kept by the database itself (a stored generated
column), so an import's bulk create or COPY keeps it right. The four name
indexes of 0002 give way to one on this column; the UPN's stays. SQLite has the
column and no index: it is only the local default.
"""

import django.db.models.functions.text
from django.db import migrations, models

NAME_COLUMNS = ("legal_surname", "legal_forename", "preferred_surname", "preferred_forename")

# 0002 adds the extension; asked again so each direction stands alone (a
# database whose records say 0002 ran, such as the test suite's, may lack it).
TRGM = "CREATE EXTENSION IF NOT EXISTS pg_trgm"

CREATE = [
    TRGM,
    *(f"DROP INDEX IF EXISTS pupil_{column}_trgm" for column in NAME_COLUMNS),
    "CREATE INDEX IF NOT EXISTS pupil_search_text_trgm ON cases_pupil "
    'USING gin ("search_text" gin_trgm_ops)',
]
DROP = [
    TRGM,
    "DROP INDEX IF EXISTS pupil_search_text_trgm",
    *(
        f"CREATE INDEX IF NOT EXISTS pupil_{column}_trgm ON cases_pupil "
        f'USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        for column in NAME_COLUMNS
    ),
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("pupils", "0002_search_indexes_on_postgresql")]

    operations = [
        migrations.AddField(
            model_name="pupil",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                editable=False,
                expression=django.db.models.functions.text.Upper(
                    django.db.models.functions.text.Concat(
                        "legal_forename",
                        models.Value(" "),
                        "legal_surname",
                        models.Value(" "),
                        "preferred_forename",
                        models.Value(" "),
                        "preferred_surname",
                    )
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
