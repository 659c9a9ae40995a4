"""`python -m bench.queue_parts`: where an official's queue page spends its time, in-process.

The bench's queue leg (wrk over a page of 50) gives throughput; this splits one page of the
busiest official (the most open steps) into the tab counts, the page's rows, the other queries
(session, identity, calendar) and the rest (Python: rendering, middleware), as means over
`--pages` requests after a warm-up. Run it with a leg's settings (DATABASE_URL; for SQLite,
MOTCUA_VAR_DIR=LEG_FOLDER/var). The figures are in-process milliseconds: they leave out the
server and show which part to work on, not the goal.
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass

PATH = "/can-bo/?per=50"
WARM_UP = 5


@dataclass(frozen=True)
class Parts:
    """Mean milliseconds of one page and of its parts."""

    page: float
    counts: float
    rows: float
    other_queries: float

    @property
    def python(self) -> float:
        return self.page - self.counts - self.rows - self.other_queries


def measure(cookie: str, pages: int, path: str = PATH) -> Parts:
    """Means over `pages` requests of `path` by the signed-in `cookie`."""
    from django.db import connection

    from bench import inprocess

    client = inprocess.client(cookie)
    for _ in range(WARM_UP):
        client.get(path)
    spent = {"counts": 0.0, "rows": 0.0, "other": 0.0}

    def timed(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[_kind(sql)] += time.perf_counter() - started

    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        for _ in range(pages):
            if client.get(path).status_code != 200:
                raise SystemExit(f"bench.queue_parts: {path} did not answer 200")
    total = time.perf_counter() - started
    ms = {key: value / pages * 1000 for key, value in spent.items()}
    return Parts(total / pages * 1000, ms["counts"], ms["rows"], ms["other"])


def _kind(sql: str) -> str:
    """The queue's own two statements, told apart by what they select."""
    if sql.startswith("SELECT COUNT("):
        return "counts"
    if 'FROM "dossiers_dossier"' in sql and '"dossiers_dossier"."code"' in sql:
        return "rows"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_parts", description=__doc__)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--path", default=PATH)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    import django

    django.setup()
    from bench import fixtures

    official, open_steps = fixtures.busiest_official()
    parts = measure(fixtures.signed_in_cookie(official), args.pages, args.path)
    print(
        f"{official.user.username} ({open_steps} open steps), {args.path}: page "
        f"{parts.page:.1f} ms = counts {parts.counts:.1f} + rows {parts.rows:.1f} + other "
        f"queries {parts.other_queries:.1f} + Python {parts.python:.1f}"
    )


if __name__ == "__main__":
    main()
