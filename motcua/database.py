"""What the embedded SQLite database needs that PostgreSQL does by itself.

Why: SQLite's query planner chooses between indexes with the statistics that `ANALYZE` stores,
and nothing gathers them unless asked (PostgreSQL's autovacuum does). Without them it takes the
plain foreign-key index over a partial one: at 200,000 dossiers an official's open step runs
were found by reading every step run the official ever had (15 ms instead of 0.1 ms).
`analysis_limit` bounds the work to a sample of each index, so a run takes well under a second
whatever the size; the daily job (`motcua.tasks.refresh_planner_statistics`) keeps the figures
near the data as it grows.
"""

from __future__ import annotations

from django.db import connection

# Rows SQLite samples per index: its documentation suggests 100 to 1000 for large databases.
ANALYSIS_LIMIT = 1000


def refresh_planner_statistics() -> bool:
    """Gather the planner's statistics on SQLite; True if it ran (PostgreSQL: autovacuum)."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
        cursor.execute("ANALYZE")
    return True
