"""The cache of the oversight and public statistics: fast when nothing changed, never stale
after a change.

Why a key that holds what has changed rather than a TTL with explicit invalidation: motcua
runs several processes (gunicorn workers, the task worker) whose default cache is local to
each process, and the figures change in all of them; invalidating every process's cache from
every writer would need a shared cache and a hook in each writer. Instead the key holds three
values read in one query (four index lookups, whatever the number of dossiers):

- the id of the latest dossier event: every move appends one, in the transaction that adds
  to the summary tables (stats.recording), so a committed move gives a new key;
- the id of the latest rating (ratings add to the same tables and are read directly);
- the summary generation (stats.generation), bumped in the same transaction by what changes
  the figures without an event or a rating: the periodic job that counts the overdue moments
  that passed (stats.overdue), and edits of agencies, levels, fields and procedures
  (oversight.invalidation);
- the revision of the province's default calendar (`workdays.models.Calendar.revision`, new at
  every edit of the calendar or of one of its days): the due-soon list's horizon counts its
  working days, and the dashboard takes the calendar's clock by this revision instead of
  reading the calendar again.

The local day is in the key too (the default period and "today" follow it). So an entry is
read only while none of what it was computed from has changed, and lives until then (the
TTL only frees memory). What the key does not see by itself: `stats_rebuild` rewrites the
tables in place, so it must call `stats.generation.bump()` in its transaction (until it does,
a running server shows a rebuild's figures after the next move; a rebuild normally runs with
the servers stopped, and each process's cache starts empty). A calendar edit changes no
stored figure (due moments and working minutes are fixed when the moves are counted); it
changes the due-soon horizon, hence the revision in the key.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from dossiers.models import Event
from motcua import compiled_sql
from ratings.models import Rating
from stats.models import SummaryGeneration
from workdays.models import Calendar

T = TypeVar("T")
TTL_SECONDS = 24 * 3600  # frees memory; entries are never stale (see above)


class Change(NamedTuple):
    """What the cached figures were computed from (see above)."""

    event: int
    rating: int
    generation: int
    calendar: str  # the default calendar's revision (hex), "" without one


def latest_change() -> Change:
    """The latest event id, rating id, summary generation and calendar revision: changes with
    every committed move, rating, overdue count or edit the figures depend on. Every oversight
    and statistics page reads it, so its statement is written once per process and run
    prepared (`motcua.compiled_sql`)."""
    statement = compiled_sql.cached(("oversight.latest_change",), _latest_statement)
    code = settings.MOTCUA["DEFAULT_CALENDAR"]
    event, rating, generation, revision = statement.rows({"code": code})[0]
    calendar = uuid.UUID(str(revision)).hex if revision else ""
    return Change(event or 0, rating or 0, generation or 0, calendar)


def _latest_statement() -> compiled_sql.CompiledSQL:
    q = connection.ops.quote_name
    event, rating, generation, calendar = (
        q(m._meta.db_table) for m in (Event, Rating, SummaryGeneration, Calendar)
    )
    sql = (
        f"SELECT (SELECT MAX(id) FROM {event}), (SELECT MAX(id) FROM {rating}), "
        f"(SELECT MAX(n) FROM {generation}), "
        f"(SELECT revision FROM {calendar} WHERE code = %s ORDER BY id LIMIT 1)"
    )
    return compiled_sql.CompiledSQL(sql=sql, params=("",), slots=((0, "code"),))


def key_for(name: str, params: dict, change: Change) -> str:
    material = json.dumps(
        [name, params, get_language(), change, timezone.localdate().isoformat()],
        sort_keys=True,
        default=str,
    )
    return "oversight:public:" + hashlib.sha256(material.encode()).hexdigest()


def cached(name: str, params: dict, make: Callable[[], T], change: Change | None = None) -> T:
    """`make()`'s value, from the cache when nothing changed since it was stored."""
    key = key_for(name, params, change if change is not None else latest_change())
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, TTL_SECONDS)
    return value
