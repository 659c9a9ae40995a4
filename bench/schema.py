"""Is the database the leg measures indexed as the migrations leave it?

Why: `--reuse` measures a database an earlier run prepared. An index dropped there by hand (an
experiment comparing plans, say) and not built again makes every later leg measure a schema
no deployment has: the 200,000-dossier SQLite file of the bench once lacked the two SQLite-only
step-run indexes of `dossiers` 0006, and its queue measured 50 ms a page instead of 19. The leg
records what is missing and the report says so above the table.
"""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import connection


def expected() -> dict[str, str]:
    """Index name -> table, for every index a model declares (named indexes and unique
    constraints) and, on SQLite, the indexes migration `dossiers` 0006 creates by hand."""
    names: dict[str, str] = {}
    for model in apps.get_models():
        table = model._meta.db_table
        for item in [*model._meta.indexes, *model._meta.constraints]:
            if item.name and (hasattr(item, "fields") and item.fields):
                names[item.name] = table
    if connection.vendor == "sqlite":
        manual = importlib.import_module("dossiers.migrations.0006_sqlite_status_indexes")
        names.update({name: table for name, (table, _columns) in manual.INDEXES.items()})
    return names


def missing_indexes() -> list[str]:
    """`table.index` for each expected index the connected database does not have."""
    wanted = expected()
    found: dict[str, set[str]] = {}
    with connection.cursor() as cursor:
        for table in set(wanted.values()):
            found[table] = set(connection.introspection.get_constraints(cursor, table))
    return sorted(f"{table}.{name}" for name, table in wanted.items() if name not in found[table])
