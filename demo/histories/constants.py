"""Settings shared by the demo histories: seed, chunk sizes, the time window, working hours."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from dossiers.lifecycle import Status
from org.models import Role
from workdays import clock

DEFAULT_SEED = 2026
# Dossiers per transaction: the bulk path's writes are cheap, fewer commits save time; the
# services hold SQLite's write lock for a whole chunk, so theirs stay short.
CHUNK = {"bulk": 1000, "services": 50}
WINDOW = dt.timedelta(days=365)
HORIZON = dt.timedelta(days=400)  # how far past `now` a story may look before it stops
DAY_HOURS = Fraction(15, 2)  # a default working day (07:30-11:30, 13:30-17:00)
RECENT_HOURS = 20 * DAY_HOURS  # the last four working weeks: where open dossiers gather
HOURS = clock.Unit.WORKING_HOURS
RUNNING = frozenset({Status.RECEIVED, Status.PROCESSING})
# The shape of a demo internal process (demo.procedures.STEP_PLAN): the stories follow it.
PROCESS_ROLES = (
    Role.COUNTER_OFFICER, Role.SPECIALIST, Role.HEAD, Role.LEADER, Role.COUNTER_OFFICER
)  # fmt: skip
