"""One leg of the bench: one database at one size. Prepares the database with the demo
generator (timed), starts the servers as `make run` does, measures the floors and every goal,
and writes one JSON file that bench.report turns into the table."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.machine import busy_share, describe
from bench.servers import ROOT

GENERATED = re.compile(
    r"Hồ sơ mẫu: (\d+) hồ sơ .*?, (\d+) sự kiện, ([\d.]+) s, CPU ([\d.]+) s", re.DOTALL
)


@dataclass(frozen=True)
class Options:
    database: str  # "sqlite" or "postgresql" (DATABASE_URL given by scripts/with-postgres)
    dossiers: int
    out: Path
    seconds: int = 5  # each wrk measurement
    lifecycle_seconds: int = 10
    web_workers: int = 2
    processes: int = 2  # lifecycle worker processes
    reuse: bool = False  # keep the database an earlier run prepared (SQLite: of this leg)

    @property
    def name(self) -> str:
        return f"{self.database}-{self.dossiers}"

    @property
    def folder(self) -> Path:
        return self.out / self.name


def environment(opts: Options) -> dict:
    """The settings of every process of the leg: bench views on, DEBUG off, its own var dir."""
    var = opts.folder / "var"
    var.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ, "MOTCUA_BENCH": "1", "MOTCUA_DEBUG": "0", "MOTCUA_VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "motcua.settings", "PYTHONPATH": str(ROOT),
        "MOTCUA_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # wrk sends everything from one address: the per-address tracking limit would turn the
        # load into 429 answers. The bench measures the page, not the limiter.
        "MOTCUA_TRACKING_LOOKUPS_PER_MINUTE": "1000000000",
    }  # fmt: skip
    env.setdefault("MOTCUA_SECRET_KEY", secrets.token_urlsafe(50))
    if opts.database == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{var / 'motcua.sqlite3'}"
    elif not env.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("bench: the postgresql leg runs under scripts/with-postgres")
    return env


def manage(env: dict, *args: str) -> tuple[str, float]:
    """Run a manage.py command; (its stdout, wall seconds). Progress bars go to the terminal."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        text=True, check=True,
    )  # fmt: skip
    return done.stdout, time.monotonic() - started


def prepare_database(env: dict, dossiers: int) -> dict:
    """migrate, the demo province and `demo --dossiers N` (its own timing is the figure)."""
    _, migrate_s = manage(env, "migrate", "--no-input", "-v", "0")
    out, demo_s = manage(env, "demo", "--dossiers", str(dossiers), "-v", "1")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    found = GENERATED.search(out)
    generation = {"migrate_s": round(migrate_s, 1), "demo_wall_s": round(demo_s, 1)}
    if found:
        made, events, seconds, cpu = found.groups()
        generation.update(dossiers=int(made), events=int(events), seconds=float(seconds),
                          cpu_seconds=float(cpu))  # fmt: skip
    return generation


def run(opts: Options) -> dict:
    """The whole leg; returns (and writes) the results."""
    result = {"database": opts.database, "dossiers": opts.dossiers, "started": time.time()}
    result["busy_before"] = round(busy_share(), 3)
    result["loadavg_before"] = os.getloadavg()
    env = environment(opts)
    os.environ.update(env)
    print(f"bench {opts.name}: preparing the database", file=sys.stderr, flush=True)
    sqlite_file = opts.folder / "var" / "motcua.sqlite3"
    reusable = sqlite_file.exists() if opts.database == "sqlite" else True
    if opts.reuse and reusable:
        # The code may be newer than the database: its migrations, then the static files.
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        result["generation"] = {"reused": True}
    else:
        result["generation"] = prepare_database(env, opts.dossiers)
    import django

    django.setup()
    from bench import measure  # imports models: only after setup, with the leg's environment
    from bench.schema import missing_indexes, undelivered

    result["missing_indexes"] = missing_indexes()
    if result["missing_indexes"]:
        print(f"bench {opts.name}: WARNING: the database lacks indexes its migrations create: "
              f"{', '.join(result['missing_indexes'])}", file=sys.stderr, flush=True)  # fmt: skip
    result["undelivered_before"] = undelivered()
    if result["undelivered_before"]:
        print(f"bench {opts.name}: WARNING: the database holds {result['undelivered_before']} "
              "undelivered notifications: the task worker will deliver them during the leg",
              file=sys.stderr, flush=True)  # fmt: skip
    result.update(measure.everything(opts, env))
    result["machine"] = describe()
    result["finished"] = time.time()
    path = opts.out / f"{opts.name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"bench {opts.name}: results in {path}", file=sys.stderr, flush=True)
    return result
