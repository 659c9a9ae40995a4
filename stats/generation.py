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

ROW = 1  # the summary figures' number: every writer below bumps it
# The names' number: bumped only by edits of agencies, levels, fields, procedures, units and
# process steps (oversight.invalidation), not by the overdue job or a rebuild, which change no
# name. The tracking page keys its cached dossiers on it (tracking.rendered), so the overdue
# job every five minutes does not drop them.
NAMES = 2


def bump(*rows: int) -> None:
    """Add one to each of `rows` (the summary figures' row by default), in one statement."""
    rows = rows or (ROW,)
    table = connection.ops.quote_name(SummaryGeneration._meta.db_table)
    values = ", ".join(["(%s, 1)"] * len(rows))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, n) VALUES {values} "
            f"ON CONFLICT (id) DO UPDATE SET n = {table}.n + 1",
            list(rows),
        )


def current() -> int:
    return SummaryGeneration.objects.filter(pk=ROW).values_list("n", flat=True).first() or 0
