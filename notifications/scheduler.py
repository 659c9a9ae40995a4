"""Periodic jobs: a small scheduler that enqueues tasks for the worker to run.

Each job has an interval; its time slot is recorded in PeriodicRun under a unique constraint
before the task is enqueued, so two schedulers (or a restart) never enqueue one slot twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from notifications.models import PeriodicRun


@dataclass(frozen=True)
class Job:
    task_path: str
    every_seconds: int


JOBS = [
    Job("notifications.tasks.sweep_outbox", 60),
    Job("dossiers.tasks.warn_due_soon_task", 300),
    Job("workdays.tasks.seed_upcoming_years", 24 * 3600),
    Job("stats.tasks.count_overdue_task", 300),
]


def slot_of(job: Job, now: dt.datetime) -> str:
    return str(int(now.timestamp()) // job.every_seconds)


def tick(now: dt.datetime | None = None, jobs: list[Job] = JOBS) -> list[str]:
    """Enqueue every job whose current slot has not been enqueued yet; returns their paths."""
    now = now or timezone.now()
    enqueued = []
    for job in jobs:
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(job=job.task_path, slot=slot_of(job, now))
                import_string(job.task_path).enqueue()
        except IntegrityError:
            continue
        enqueued.append(job.task_path)
    return enqueued
