"""Dossier tasks for the worker; they take ids or nothing, and call services."""

from __future__ import annotations

from django_tasks import task

from dossiers.deadlines import warn_due_soon


@task()
def warn_due_soon_task() -> int:
    return warn_due_soon()
