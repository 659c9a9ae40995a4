"""`python -m bench.lookups LEG_FOLDER`: public tracking in-process, first and repeated lookups.

The bench's tracking leg (wrk over the leg's 2,000 codes) measures first lookups, where the
dossier's cached page (decision 0010) is never found. This measures both paths on a database a
leg prepared, in one process, next to the trivial view: `rounds` times, 500 lookups of codes not
yet looked up in the round, then 500 lookups cycling over the last 50 of them (still in the
cache: each round checks that such a lookup reads one query). Run it with the leg's settings
(DATABASE_URL; for SQLite, MOTCUA_VAR_DIR=LEG_FOLDER/var). The figures are in-process
milliseconds: they leave out the server and compare the two paths, not the goal.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

FIRST, REPEATED, CYCLE = 500, 500, 50


def _mean_ms(call: Callable[[int], object], n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        call(i)
    return (time.perf_counter() - started) / n * 1000


def measure(
    paths: list[str], rounds: int, first: int = FIRST, repeated: int = REPEATED
) -> list[tuple[float, float, float]]:
    """Per round: (first lookup, repeated lookup, trivial view), in milliseconds."""
    from django.core.cache import caches

    from bench import inprocess

    client = inprocess.client()
    for path in paths[:20]:  # connections, compiled queries, translations: outside the rounds
        client.get(path)
    need = 20 + rounds * first
    if len(paths) < need:
        raise SystemExit(f"bench.lookups: {rounds} rounds need {need} codes, not {len(paths)}")
    figures = []
    for r in range(rounds):
        caches["tracking"].clear()
        fresh = paths[20 + r * first : 20 + (r + 1) * first]

        def lookup(i: int, codes: list[str] = fresh) -> None:
            if client.get(codes[i]).status_code != 200:
                raise SystemExit(f"bench.lookups: {codes[i]} did not answer 200")

        first_ms = _mean_ms(lookup, first)
        _check_repeat_is_one_query(client, fresh[-1])
        recent = fresh[-CYCLE:]
        repeated_ms = _mean_ms(lambda i, codes=recent: lookup(i % len(codes), codes), repeated)
        trivial_ms = _mean_ms(lambda i: client.get("/bench/f0/"), repeated)
        figures.append((first_ms, repeated_ms, trivial_ms))
    return figures


def _check_repeat_is_one_query(client, path: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(path)
    if len(queries) != 1:
        raise SystemExit(f"bench.lookups: a repeated lookup read {len(queries)} queries, not 1")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lookups", description=__doc__)
    parser.add_argument("folder", type=Path, help="a leg's results folder (tracking.paths)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ["MOTCUA_BENCH"] = "1"  # the trivial view
    os.environ["MOTCUA_TRACKING_LOOKUPS_PER_MINUTE"] = "1000000000"  # as in the legs
    import django

    django.setup()
    paths = (args.folder / "tracking.paths").read_text(encoding="utf-8").split()
    for first, repeated, trivial in measure(paths, args.rounds):
        print(
            f"first lookup {first:.2f} ms, repeated lookup {repeated:.2f} ms, "
            f"trivial view {trivial:.2f} ms"
        )


if __name__ == "__main__":
    main()
