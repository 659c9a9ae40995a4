"""SQLite only: full indexes that serve the queues where SQLite cannot use the partial ones.

Why: SQLite uses a partial index only when it can prove, while preparing the statement, that the
query's WHERE implies the index's; `status IN (?, ?, ...)` with bound parameters never does, so
on SQLite the queue read every dossier an agency ever processed or received through the plain
foreign-key index (39 ms at 200,000 dossiers, against 0.1 ms through these). For the open step
runs of an official or a unit, SQLite (which keeps no planner statistics unless `ANALYZE` runs)
preferred the plain foreign-key index to the partial one and read every run the official ever
had (15 ms against 0.04 ms); with (assignee, finished_at) both terms of the query are seeks, so
it needs no statistics to choose. `ANALYZE` was tried and rejected: with its statistics SQLite
chose a plan for `stats_rebuild` over ten times slower (decision 0008).
PostgreSQL sees the values, keeps statistics and uses the partial indexes: it gets nothing here.
"""

from django.db import migrations

INDEXES = {
    "dossier_sqlite_agency_status_due": (
        "dossiers_dossier", '("processing_agency_id", "status", "due_at")'
    ),
    "dossier_sqlite_receiver_status": ("dossiers_dossier", '("receiving_agency_id", "status")'),
    "steprun_sqlite_assignee_open": ("dossiers_steprun", '("assignee_id", "finished_at")'),
    "steprun_sqlite_unit_open": ("dossiers_steprun", '("unit_id", "finished_at")'),
}


def create(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, (table, columns) in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" {columns}')


def drop(apps, schema_editor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0005_dossier_held_by_receiver")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
