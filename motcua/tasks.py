"""Database housekeeping for the worker (enqueued daily by notifications.scheduler)."""

from __future__ import annotations

from django_tasks import task

from motcua.database import refresh_planner_statistics as refresh


@task()
def refresh_planner_statistics() -> bool:
    return refresh()
