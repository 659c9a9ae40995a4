"""A worker killed in the middle of a delivery: every notification still goes out, once.

Real processes (`manage.py db_worker`, `manage.py run_scheduler --once`) share the test
database and send to a real SMTP server on loopback. The server holds the first message
without answering; the worker sending it is killed (SIGKILL) during that wait, so the server
never accepts that copy, the outbox row stays claimed (SENDING) and its task stays RUNNING for
ever. A second worker delivers the rest, and the sweep re-claims the stale row and sends it.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dossiers.services import receive_dossier
from notifications import services
from notifications.models import Notification
from tests.personas import actor, applicant, components, local
from tests.smtp_server import RecordingHandler, smtp_server

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
STALE_SECONDS = 2
DOSSIERS = 4
# In 2027, so that no step falls due soon now and the deadline job queues nothing extra.
RECEIVED_AT = local(2027, 3, 1, 9, 0)
WORKER = ["db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay"]
WORKER += ["--interval", "0.1", "--verbosity", "2"]
Status = Notification.Status


def _database_url() -> str:
    """The test database, for processes started by the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgresql://{auth}@{db['HOST'] or 'localhost'}{port}/{db['NAME']}"


def _env(smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "motcua.settings",
        "DATABASE_URL": _database_url(),
        "MOTCUA_EMAIL_BACKEND": SMTP_BACKEND,
        "MOTCUA_EMAIL_HOST": "127.0.0.1",
        "MOTCUA_EMAIL_PORT": str(smtp_port),
        "MOTCUA_EMAIL_TIMEOUT": "1",  # must stay below the stale limit (settings check)
        "MOTCUA_OUTBOX_STALE_SECONDS": str(STALE_SECONDS),
    }


class Processes:
    """manage.py commands run for one test; every one is stopped at the end, whatever happens."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "manage.py", *args], cwd=django_settings.BASE_DIR,
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self.started.append((proc, log))
        return proc

    def run(self, name: str, *args: str, timeout: float = 60) -> None:
        proc = self.start(name, *args)
        try:
            code = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name} did not finish in {timeout} s\n{self.tails()}")
        assert code == 0, f"{name} exited with {code}\n{self.tails()}"

    def tails(self) -> str:
        return "\n".join(
            f"--- {log.name} (exit {proc.poll()}):\n{log.read_text(errors='replace')[-3000:]}"
            for proc, log in self.started
        )

    def stop_all(self) -> None:
        for proc, _log in self.started:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)


@contextmanager
def processes(env: dict[str, str], logs: Path) -> Iterator[Processes]:
    group = Processes(env, logs)
    try:
        yield group
    finally:
        group.stop_all()


def wait_until(check: Callable[[], bool], what: str, group: Processes, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}\n{group.tails()}")
        time.sleep(0.1)


def _receive_several(province) -> list[Notification]:
    for n in range(1, DOSSIERS + 1):
        receive_dossier(
            actor=actor(province.officer), procedure=province.procedure,
            applicant=applicant(n, email=f"dan{n}@example.test"),
            components=components(province), at=RECEIVED_AT,
        )  # fmt: skip
    rows = list(Notification.objects.order_by("pk"))
    assert [r.kind for r in rows] == ["dossier.received"] * DOSSIERS
    return rows


def _count(status: str) -> int:
    return Notification.objects.filter(status=status).count()


def _only_the_doomed_task_left() -> bool:
    return DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count() == 1


def _kill_during_first_delivery(group: Processes, handler: RecordingHandler) -> Notification:
    """Start a worker, SIGKILL it while the server holds its first message; the held row."""
    doomed = group.start("doomed-worker", *WORKER, "--worker-id", "doomed")
    wait_until(handler.held.is_set, "the first message to reach the SMTP server", group)
    doomed.kill()
    doomed.wait(10)
    assert handler.abandoned.wait(10), "the server should see the sender vanish"
    held = Notification.objects.get(status=Status.SENDING)
    assert (_count(Status.PENDING), handler.received()) == (DOSSIERS - 1, [])
    stuck = DBTaskResult.objects.get(status="RUNNING")
    assert stuck.worker_ids == ["doomed"] and stuck.args_kwargs["args"] == [held.pk]
    return held


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_loses_nothing_and_sends_nothing_twice(province, tmp_path):
    handler = RecordingHandler(hold_first=1, hold_seconds=60)
    rows = _receive_several(province)
    with smtp_server(handler) as port, processes(_env(port), tmp_path) as group:
        held = _kill_during_first_delivery(group, handler)
        group.start("second-worker", *WORKER, "--worker-id", "second")
        # The queued tasks of the other rows run although the doomed task is still RUNNING.
        wait_until(lambda: _count(Status.SENT) == DOSSIERS - 1, "the other deliveries", group)
        held.refresh_from_db()
        assert held.status == Status.SENDING, "a fresh claim is not taken over"
        stale_at = held.claimed_at + dt.timedelta(seconds=STALE_SECONDS + 0.5)
        time.sleep(max(0.0, (stale_at - timezone.now()).total_seconds()))
        group.run("scheduler", "run_scheduler", "--once")
        wait_until(lambda: _count(Status.SENT) == DOSSIERS, "the sweep to resend", group)
        wait_until(_only_the_doomed_task_left, "the queue to drain", group)
    messages = handler.received()
    assert Counter(m.message_id for m in messages).most_common(1)[0][1] == 1
    assert sorted((m.recipients, m.subject) for m in messages) == sorted(
        ((r.recipient,), r.subject) for r in rows
    )
    held.refresh_from_db()
    assert held.attempts == 2 and held.sent_at is not None
    assert DBTaskResult.objects.get(status="RUNNING").worker_ids == ["doomed"]


@pytest.fixture
def smtp(settings) -> Iterator[RecordingHandler]:
    """A recording SMTP server, with this process's mail settings pointed at it."""
    handler = RecordingHandler()
    with smtp_server(handler) as port:
        settings.EMAIL_BACKEND = SMTP_BACKEND
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        yield handler


def test_delivering_one_row_twice_sends_one_message(province, smtp):
    row = _receive_several(province)[0]
    assert [services.deliver(row.pk), services.deliver(row.pk)] == ["sent", "skipped"]
    [message] = smtp.received()
    assert message.recipients == (row.recipient,) and message.subject == row.subject
    assert f"Mã hồ sơ: {row.dossier.code}" in message.body


@pytest.mark.django_db(transaction=True)
def test_deliveries_racing_for_one_row_send_one_message(province, smtp):
    row = _receive_several(province)[0]
    racers = 4
    barrier, results, lock = threading.Barrier(racers), [], threading.Lock()

    def race() -> None:
        try:
            barrier.wait(10)
            outcome = services.deliver(row.pk)
        except Exception as exc:  # reported by the assertion below
            outcome = repr(exc)
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=race) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["sent"] + ["skipped"] * (racers - 1)
    assert len(smtp.received()) == 1
