"""On PostgreSQL, a trigram index serves the catalogue search (search_text LIKE '%term%').

SQLite has no such index; the catalogue is small enough there to scan.
"""

from django.db import migrations

CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
    "CREATE INDEX IF NOT EXISTS catalog_procedure_search_trgm "
    "ON catalog_procedure USING gin (search_text gin_trgm_ops);",
)
DROP = ("DROP INDEX IF EXISTS catalog_procedure_search_trgm;",)


def _run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
