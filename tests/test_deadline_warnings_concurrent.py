"""The due-soon warnings while other connections write (found at 2,000,000 dossiers on SQLite,
where the five-minute job failed with "database is locked" during the bench's loads).

The job reads its candidates, then warns each in its own transaction. On SQLite a read left
open across those transactions holds its connection's snapshot: once another connection has
committed, the next transaction cannot take the write lock from that stale snapshot, and the
job fails after the lock's timeout. The test commits from another connection between two
warnings, as the moves of a working province do."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction
from django.db.models.signals import post_save

from dossiers.deadlines import warn_due_soon
from notifications.models import Notification, PeriodicRun
from tests.test_deadline_warnings import STEP_DUE, _step_warning_moment, at_specialist_dossier

pytestmark = pytest.mark.django_db(transaction=True)
MANY = 502  # the job reads its candidates 500 at a time
ELSEWHERE = 3  # warnings after which another connection commits


def _commit_elsewhere(slot: str) -> None:
    """A write committed by another connection (another thread), as a move would."""

    def write() -> None:
        try:
            PeriodicRun.objects.create(job="tests.elsewhere", slot=slot)
        finally:
            connections.close_all()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=60)


def test_every_step_is_warned_while_other_connections_commit(province):
    """More steps due soon than the job reads at once (500: a read that fetched everything
    would be over before the first warning); after the first warnings another connection
    commits a write. Every step is warned, once, and the job does not fail."""
    dossiers = [at_specialist_dossier(province) for _ in range(MANY)]
    assert {d.current_step.due_at for d in dossiers} == {STEP_DUE}
    written = []

    def after_warning(sender, instance, created, **kwargs) -> None:
        first = len(written) < ELSEWHERE and instance.dossier_id not in written
        if created and instance.kind == "due_soon" and first:
            written.append(instance.dossier_id)
            # Once the warning's transaction has committed, before the next one begins.
            transaction.on_commit(lambda: _commit_elsewhere(f"after-{instance.dossier_id}"))

    post_save.connect(after_warning, sender=Notification, weak=False)
    try:
        assert warn_due_soon(_step_warning_moment()) == MANY
    finally:
        post_save.disconnect(after_warning, sender=Notification)
    assert len(written) == ELSEWHERE
    assert PeriodicRun.objects.filter(job="tests.elsewhere").count() == ELSEWHERE
    warned = Notification.objects.filter(kind="due_soon").values_list("dossier_id", flat=True)
    assert set(warned) == {d.pk for d in dossiers}
