"""Stats tasks for the worker (enqueued by notifications.scheduler)."""

from __future__ import annotations

from django_tasks import task

from stats.overdue import count_overdue


@task()
def count_overdue_task() -> int:
    return count_overdue()
