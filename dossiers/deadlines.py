"""Deadline warnings: one working day (setting) before a step or a dossier falls due, its
assignee and the head of the unit are told, once (the warned_at stamp makes it idempotent)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dossiers.lifecycle import CLOCK_STOPPED, OPEN
from dossiers.models import Dossier, StepRun
from motcua.indexed import one_of
from notifications.services import notify_officials
from org.models import Official, Role
from workdays.default import working_days_after


def warning_horizon(now: dt.datetime) -> dt.datetime:
    """`now` plus the warning lead in working days of the province's default calendar."""
    return working_days_after(now, settings.MOTCUA["WARN_WORKING_DAYS"])


def _recipients(run: StepRun | None) -> list[Official]:
    if run is None:
        return []
    people = {o.pk: o for o in Official.objects.filter(
        unit=run.unit, roles__role=Role.HEAD, is_active=True
    ).select_related("user")}  # fmt: skip
    if run.assignee_id:
        people[run.assignee_id] = run.assignee
    return list(people.values())


def _in_chunks(rows: QuerySet, size: int = 500) -> Iterator:
    """The rows of `rows`, read `size` at a time, each chunk read to its end before its first
    row is handed out, so that no read is left open while the caller writes.

    Why not `.iterator()`: on SQLite a read left open keeps its connection's snapshot, and
    once another connection has committed, a write transaction cannot begin from that stale
    snapshot ("database is locked"). The job failed so at 2,000,000 dossiers while the
    moves went on (tests/test_deadline_warnings_concurrent.py)."""
    ids = list(rows.values_list("pk", flat=True))
    for start in range(0, len(ids), size):
        yield from list(rows.filter(pk__in=ids[start : start + size]))


def warn_due_soon(now: dt.datetime | None = None) -> int:
    """Warn about open steps and dossiers due before the horizon; returns warnings sent."""
    now = now or timezone.now()
    horizon = warning_horizon(now)
    count = 0
    runs = (
        StepRun.objects.filter(
            finished_at__isnull=True, warned_at__isnull=True, due_at__lte=horizon
        )
        .exclude(dossier__status__in=sorted(CLOCK_STOPPED))
        .select_related(
            "dossier__procedure", "dossier__processing_agency", "unit", "assignee__user"
        )
    )
    for run in _in_chunks(runs):
        with transaction.atomic():
            # Re-check in the update: a move may have finished the step or moved its due moment
            # since the read (it resets warned_at when it does).
            fresh = StepRun.objects.filter(
                pk=run.pk, warned_at__isnull=True, finished_at__isnull=True,
                due_at=run.due_at,
            ).exclude(dossier__status__in=sorted(CLOCK_STOPPED))  # fmt: skip
            if fresh.update(warned_at=now):
                slot = f"step{run.pk}@{int(run.due_at.timestamp())}"
                notify_officials(run.dossier, _recipients(run), "due_soon", slot=slot)
                count += 1
    running = sorted(OPEN - CLOCK_STOPPED)
    dossiers = Dossier.objects.filter(
        one_of("status", sorted(OPEN)),  # the index of open dossiers by due moment
        status__in=running,
        warned_at__isnull=True,
        due_at__lte=horizon,
    ).select_related(
        "current_step__unit", "current_step__assignee__user", "procedure", "processing_agency"
    )
    for dossier in _in_chunks(dossiers):
        with transaction.atomic():
            fresh = Dossier.objects.filter(
                pk=dossier.pk, warned_at__isnull=True, status__in=running, due_at=dossier.due_at
            )
            if fresh.update(warned_at=now):
                recipients = _recipients(dossier.current_step)
                slot = f"dossier@{int(dossier.due_at.timestamp())}"
                notify_officials(dossier, recipients, "due_soon", slot=slot)
                count += 1
    return count
