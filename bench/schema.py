"""Is the database the leg measures indexed as the migrations leave it?

Why: `--reuse` measures a database an earlier run prepared. An index dropped there by hand (an
experiment comparing plans, say) and not built again makes every later leg measure a schema
no deployment has: the 200,000-dossier SQLite file of the bench once lacked the two SQLite-only
step-run indexes of `dossiers` 0006, and its queue measured 50 ms a page instead of 19. The leg
records what is missing and the report says so above the table.

What is checked, by name and columns: every index and constraint a model declares by name, the
index Django gives each plain indexed column (foreign keys, `db_index`), and the indexes
migrations create by hand. Unmanaged and proxy models have no table of their own.

A reused database may also hold work for the task worker (`undelivered`): notifications the
earlier legs' lifecycles and submissions queued and no worker delivered before it stopped.
The leg's task worker delivers them while the loads run, on the same cores (each reception
email renders a PDF), so every figure of that leg is pessimistic: a SQLite leg at 200,000
that started with 14,311 of them measured tracking at 0.33 x F0 against 0.57-0.66 without.
The leg records the count and the report says so above the table.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import connection

# Indexes migrations create with SQL of their own: SQLite's are read from `dossiers` 0006
# itself (`_sqlite_hand_made`); PostgreSQL's one is `catalog` 0003's trigram index, written as
# raw SQL there. A test checks every expected index on a freshly migrated database.
POSTGRES_HAND_MADE = {"catalog_procedure_search_trgm": ("catalog_procedure", ("search_text",))}


def _sqlite_hand_made() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Migration 0006's own list, its columns parsed from its SQL ('("a", "b")')."""
    migration = importlib.import_module("dossiers.migrations.0006_sqlite_status_indexes")
    return {
        name: (table, tuple(column.strip(' "') for column in columns.strip("()").split(",")))
        for name, (table, columns) in migration.INDEXES.items()
    }


def expected() -> dict[str, tuple[str, tuple[str, ...] | None]]:
    """Index name -> (table, columns, or None where the columns are not compared)."""
    names: dict[str, tuple[str, tuple[str, ...] | None]] = {}
    # Only for its naming rule (not entered: SQLite's refuses to open inside a transaction).
    editor = connection.SchemaEditorClass(connection, collect_sql=True)
    for model in apps.get_models():
        if not model._meta.managed or model._meta.proxy:
            continue
        table = model._meta.db_table
        for item in [*model._meta.indexes, *model._meta.constraints]:
            if item.name:
                names[item.name] = (table, _columns(model, item))
        for field in model._meta.local_fields:
            if field.db_index and not field.unique:
                name = editor._create_index_name(table, [field.column], suffix="")
                names[name] = (table, (field.column,))
    if connection.vendor == "sqlite":
        names.update(_sqlite_hand_made())
    elif connection.vendor == "postgresql":
        names.update(POSTGRES_HAND_MADE)
    return names


def _columns(model, item) -> tuple[str, ...] | None:
    fields = getattr(item, "fields", None)
    if not fields:
        return None  # expressions or a check: the name is compared only
    columns = []
    for name in fields:
        bare = name.lstrip("-")
        columns.append(model._meta.get_field(bare).column)
    return tuple(columns)


def missing_indexes() -> list[str]:
    """`table.index` for each expected index the connected database lacks, or holds on other
    columns than the migrations give it."""
    wanted = expected()
    found: dict[str, dict] = {}
    with connection.cursor() as cursor:
        for table in {table for table, _columns in wanted.values()}:
            found[table] = connection.introspection.get_constraints(cursor, table)
    missing = []
    for name, (table, columns) in sorted(wanted.items()):
        there = found[table].get(name)
        if there is None or (columns is not None and tuple(there["columns"]) != columns):
            missing.append(f"{table}.{name}")
    return missing


def undelivered() -> int:
    """Notifications waiting for delivery (pending, or claimed by a worker that stopped)."""
    from notifications.models import Notification

    waiting = [Notification.Status.PENDING, Notification.Status.SENDING]
    return Notification.objects.filter(status__in=waiting).count()
