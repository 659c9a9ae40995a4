"""The task worker's CPU priority (decision 0017): `manage.py run_worker` is django-tasks'
`db_worker` run at the nice value of `settings.WORKER_NICE`, 19 on PostgreSQL (the worker
yields the cores to pages and moves) and 0 on SQLite (a worker put aside while it holds the
database-wide write lock would stall every writer)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django_tasks_db.models import DBTaskResult

from notifications.tasks import sweep_outbox
from tests.test_settings_env import GOOD_SECRET
from tests.test_worker_killed import _database_url

ROOT = Path(__file__).resolve().parent.parent


def _worker_nice(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess:
    """settings.WORKER_NICE as a fresh process reads it from a clean environment."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    environ.pop("DATABASE_URL", None)
    environ.update(
        MOTCUA_SECRET_KEY=GOOD_SECRET, MOTCUA_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="motcua.settings", **overrides,
    )  # fmt: skip
    code = "from django.conf import settings; print(settings.WORKER_NICE)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [(None, "0"), ("postgresql://motcua@127.0.0.1:5432/motcua", "19")],
)
def test_the_default_priority_follows_the_database(tmp_path, database_url, expected):
    """Reading the settings opens no connection, so the PostgreSQL address need not answer."""
    overrides = {"DATABASE_URL": database_url} if database_url else {}
    result = _worker_nice(tmp_path, **overrides)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(("value", "expected"), [("5", "5"), ("0", "0")])
def test_the_priority_can_be_set(tmp_path, value, expected):
    result = _worker_nice(
        tmp_path, MOTCUA_WORKER_NICE=value,
        DATABASE_URL="postgresql://motcua@127.0.0.1:5432/motcua",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(("value", "message"), [("20", "at most 19"), ("-5", "at least 0")])
def test_a_priority_out_of_range_stops_start_up(tmp_path, value, message):
    """Raising a process's priority (a negative nice) needs privileges the worker has not."""
    result = _worker_nice(tmp_path, MOTCUA_WORKER_NICE=value)
    assert result.returncode != 0
    assert f"MOTCUA_WORKER_NICE={value}: must be {message}" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_run_worker_runs_the_queued_tasks_at_its_priority(tmp_path):
    """The real command in its own process: it reports the nice value the kernel now gives it
    (never below the one it was started with) and still runs what is queued."""
    queued = sweep_outbox.enqueue()
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "DATABASE_URL": _database_url(), "MOTCUA_WORKER_NICE": "7",
    }  # fmt: skip
    worker = [sys.executable, "manage.py", "run_worker", "--batch", "--queue-name", "*"]
    worker += ["--no-startup-delay", "--no-reload"]
    done = subprocess.run(
        worker, cwd=django_settings.BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert f"task worker at CPU priority nice {max(7, os.nice(0))}" in done.stderr
    result = DBTaskResult.objects.get(pk=queued.id)
    assert result.status == "SUCCESSFUL"
