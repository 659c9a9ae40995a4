"""Run the task worker (django-tasks' `db_worker`, same options) at the CPU priority
`settings.WORKER_NICE` gives it (decision 0017), drawing its PDFs in a thread at
`settings.WORKER_PDF_NICE` (decision 0018): `make run` starts it beside the web server."""

import os

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorker

from motcua import pdf


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
        pdf_nice = pdf.render_at_priority(settings.WORKER_PDF_NICE)
        self.stderr.write(
            f"motcua: task worker at CPU priority nice {nice}, its PDFs drawn at nice {pdf_nice}"
        )
        super().handle(*args, **options)
