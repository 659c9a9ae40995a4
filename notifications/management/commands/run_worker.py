"""Run the task worker (django-tasks' `db_worker`, same options) at the CPU priority
`settings.WORKER_NICE` gives it: `make run` starts it beside the web server (decision 0017)."""

import os

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker


def lower_priority(target: int) -> int:
    """Bring this process's nice value up to `target` (never down: that needs privileges,
    and a process already started lower keeps its place). Returns the value now in force."""
    current = os.nice(0)
    if target > current:
        current = os.nice(target - current)
    return current


class Command(DatabaseWorker):
    help = "Chạy tiến trình xử lý tác vụ / run the task worker at its CPU priority."

    def handle(self, *args, **options) -> None:
        nice = lower_priority(settings.WORKER_NICE)
        self.stderr.write(f"motcua: task worker at CPU priority nice {nice}")
        super().handle(*args, **options)
