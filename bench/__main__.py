"""`python -m bench --database sqlite --dossiers N --out DIR`: one leg (bench/run runs them)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.leg import Options, run


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--dossiers", type=int, required=True, metavar="N")
    parser.add_argument("--out", type=Path, required=True, help="results folder")
    parser.add_argument("--seconds", type=int, default=5, help="each wrk measurement")
    parser.add_argument("--lifecycle-seconds", type=int, default=10)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--processes", type=int, default=2, help="lifecycle worker processes")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the database an earlier run prepared (SQLite: this leg's file; PostgreSQL: "
        "the one DATABASE_URL names), migrated to the code",
    )
    args = parser.parse_args()
    run(Options(
        database=args.database, dossiers=args.dossiers, out=args.out, seconds=args.seconds,
        lifecycle_seconds=args.lifecycle_seconds, web_workers=args.web_workers,
        processes=args.processes, reuse=args.reuse,
    ))  # fmt: skip


if __name__ == "__main__":
    main()
