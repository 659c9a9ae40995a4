"""Django's PostgreSQL backend, whose health check of a kept connection is skipped while the
connection was handed back in good order moments ago (`MOTCUA_DB_CHECK_AFTER_MS`).

Why: with `CONN_HEALTH_CHECKS`, Django sends `SELECT 1` before the first query of every request
that reuses a connection, so that a database restarted since the last request is not an error
page. Under load that check was the most expensive part of a public tracking lookup after the
lookup itself (a sixth of a worker's time, py-spy under `wrk` at 200,000 dossiers): each round
trip waits for the database's process to be scheduled. A connection whose last request ended
without error a moment ago is almost surely still good, and connection pools skip the check
the same way (HikariCP's `aliveBypassWindowMs`, half a second by default).

What it risks: a server restart inside that moment shows one error page per worker, as it
would with no check. After an error, Django's own check at the end of the request decides
whether the connection is kept, and only a kept connection is marked.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.signals import request_finished
from django.db import connections
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    # time.monotonic() when the last request handed the connection back in good order
    handed_back_at: float | None = None

    def close_if_health_check_failed(self) -> None:
        recent = settings.MOTCUA["DB_CHECK_AFTER_MS"] / 1000
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.handed_back_at is not None
            and time.monotonic() - self.handed_back_at < recent
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def connect(self) -> None:
        self.handed_back_at = None
        super().connect()


def _handed_back(**_kwargs: object) -> None:
    """After Django's own end-of-request check (connected before this), mark the connections
    it kept and that saw no error."""
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if (
            isinstance(connection, DatabaseWrapper)
            and connection.connection is not None
            and not connection.errors_occurred
            and not connection.in_atomic_block
        ):
            connection.handed_back_at = now


request_finished.connect(_handed_back, dispatch_uid="motcua.db.postgresql.handed_back")
