"""Run the periodic-job scheduler until stopped (make run starts it beside the worker)."""

import signal
import time

from django.core.management.base import BaseCommand

from notifications.scheduler import tick


class Command(BaseCommand):
    help = "Lập lịch các tác vụ định kỳ / enqueue periodic jobs for the worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=10.0)
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, interval: float, once: bool, **options) -> None:
        running = True

        def stop(*_args) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while running:
            for path in tick():
                self.stdout.write(f"enqueued {path}")
            if once:
                return
            time.sleep(interval)
