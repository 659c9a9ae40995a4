"""The summary generation: one number that changes whenever a figure read from the summary
tables may change without a new event or rating (see `stats.models.SummaryGeneration`).

`bump()` runs in the writer's transaction, so the new number commits with the change it
announces: a reader that sees the change also sees the new number, and an entry cached under
the old number is never read again. It is one upsert of one row; the writers that call it are
rare (the overdue job every five minutes, edits of the catalogue and the organisation), so the
row lock it takes never queues the moves, which do not call it.
"""

from __future__ import annotations

from django.db import connection

from stats.models import SummaryGeneration

ROW = 1


def bump() -> None:
    table = connection.ops.quote_name(SummaryGeneration._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, n) VALUES (%s, 1) "
            f"ON CONFLICT (id) DO UPDATE SET n = {table}.n + 1",
            [ROW],
        )


def current() -> int:
    return SummaryGeneration.objects.filter(pk=ROW).values_list("n", flat=True).first() or 0
