"""The task worker's CPU priority (decision 0017): `manage.py run_worker` is django-tasks'
`db_worker` run at the nice value of `settings.WORKER_NICE`, 19 on PostgreSQL (the worker
yields the cores to pages and moves) and 0 on SQLite (a worker put aside while it holds the
database-wide write lock would stall every writer). Its PDFs (the receipts of the reception
emails) are drawn in a thread of their own at `settings.WORKER_PDF_NICE`, 19 on both databases:
that thread holds no lock (decision 0018)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django_tasks_db.models import DBTaskResult

from motcua import pdf
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
    code = "from django.conf import settings as s; print(s.WORKER_NICE, s.WORKER_PDF_NICE)"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("database_url", "expected"),
    [(None, "0 19"), ("postgresql://motcua@127.0.0.1:5432/motcua", "19 19")],
)
def test_the_default_priority_follows_the_database(tmp_path, database_url, expected):
    """Reading the settings opens no connection, so the PostgreSQL address need not answer.
    The PDFs' thread yields on both databases."""
    overrides = {"DATABASE_URL": database_url} if database_url else {}
    result = _worker_nice(tmp_path, **overrides)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [("MOTCUA_WORKER_NICE", "5", "5 19"), ("MOTCUA_WORKER_NICE", "0", "0 19"),
     ("MOTCUA_WORKER_PDF_NICE", "10", "19 10"), ("MOTCUA_WORKER_PDF_NICE", "0", "19 0")],
)  # fmt: skip
def test_the_priority_can_be_set(tmp_path, variable, value, expected):
    result = _worker_nice(
        tmp_path, DATABASE_URL="postgresql://motcua@127.0.0.1:5432/motcua", **{variable: value}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("variable", ["MOTCUA_WORKER_NICE", "MOTCUA_WORKER_PDF_NICE"])
@pytest.mark.parametrize(("value", "message"), [("20", "at most 19"), ("-5", "at least 0")])
def test_a_priority_out_of_range_stops_start_up(tmp_path, variable, value, message):
    """Raising a process's priority (a negative nice) needs privileges the worker has not."""
    result = _worker_nice(tmp_path, **{variable: value})
    assert result.returncode != 0
    assert f"{variable}={value}: must be {message}" in result.stderr


def _threads_nice() -> dict[int, int]:
    """The nice value of every thread of this process, as /proc gives them (field 19)."""
    tasks = Path("/proc/self/task")
    return {
        int(task.name): int((task / "stat").read_text().rsplit(")", 1)[1].split()[16])
        for task in tasks.iterdir()
    }


def test_pdfs_are_drawn_in_a_thread_of_their_own_at_the_lower_priority():
    """The caller keeps its priority; one thread of the process, at nice 19, draws the PDF."""
    caller = pdf.thread_nice()
    before = _threads_nice()
    try:
        assert pdf.render_at_priority(19) == 19
        document = pdf.html_to_pdf("<p>Giấy tiếp nhận hồ sơ</p>")
        assert document.startswith(b"%PDF-")
        new = {tid: nice for tid, nice in _threads_nice().items() if tid not in before}
        assert list(new.values()) == [19]
        assert pdf.thread_nice() == caller
        # Asked again, it keeps its one thread.
        assert pdf.render_at_priority(5) == 19
        assert len(_threads_nice()) == len(before) + 1
    finally:
        pdf.render_inline()
    assert pdf.html_to_pdf("<p>inline</p>").startswith(b"%PDF-")  # in the caller again


def test_without_per_thread_priorities_pdfs_stay_in_the_caller(monkeypatch):
    """A system that refuses a thread's nice value (not Linux) keeps drawing PDFs inline at the
    process's priority, and says so, rather than stopping the worker at start."""

    def refuse(*args):
        raise OSError(3, "No such process")

    monkeypatch.setattr(os, "setpriority", refuse)
    try:
        assert pdf.render_at_priority(19) == os.nice(0)
        assert pdf.html_to_pdf("<p>inline</p>").startswith(b"%PDF-")
    finally:
        pdf.render_inline()


def test_a_pdf_failure_reaches_the_caller():
    """A document WeasyPrint cannot draw fails in the caller, as it does when drawn inline, so
    a delivery that cannot attach its receipt is retried, not marked sent."""
    try:
        pdf.render_at_priority(19)
        with pytest.raises(TypeError):
            pdf.html_to_pdf(None)
    finally:
        pdf.render_inline()


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
    nice = max(7, os.nice(0))
    assert f"task worker at CPU priority nice {nice}, its PDFs drawn at nice 19" in done.stderr
    result = DBTaskResult.objects.get(pk=queued.id)
    assert result.status == "SUCCESSFUL"
