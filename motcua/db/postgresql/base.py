"""Django's PostgreSQL backend, whose health check of a kept connection is skipped while the
connection was handed back in good order moments ago (`MOTCUA_DB_CHECK_AFTER_MS`).

Why: with `CONN_HEALTH_CHECKS`, Django sends `SELECT 1` before the first query of every request
that reuses a connection, so that a database restarted since the last request is not an error
page. Under load that check was the most expensive part of a public tracking lookup after the
lookup itself (a sixth of a worker's time, py-spy under `wrk` at 200,000 dossiers): each round
trip waits for the database's process to be scheduled. A connection that the last request
used and handed back in good order a moment ago is almost surely still good, and connection
pools skip the check the same way (HikariCP's `aliveBypassWindowMs`, half a second by default).

What it risks: if the server restarts after a request's last query and less than that moment
after the request ended, the next request on that connection is an error page, as with no
check; Django then drops the connection at the end of that request. After an error, Django's
own end-of-request check decides whether a connection is kept; only a kept connection that
the request used is marked (decision 0013).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    # time.monotonic() when a request that used the connection handed it back in good order
    handed_back_at: float | None = None
    used = False  # a cursor was asked for since the connection was last handed back

    def close_if_health_check_failed(self) -> None:
        self.used = True
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

    def close_if_unusable_or_obsolete(self) -> None:
        """Django's check at the start and end of each request; a connection that the request
        used, and that this check keeps, is marked as handed back now. A request that did not
        use it (a static file, a page from the cache) leaves the mark as it was, and the start
        of a request never marks (nothing was used since the end of the last one)."""
        used, self.used = self.used, False
        super().close_if_unusable_or_obsolete()
        if used and self.connection is not None:
            self.handed_back_at = time.monotonic()

    def connect(self) -> None:
        self.handed_back_at = None
        super().connect()
