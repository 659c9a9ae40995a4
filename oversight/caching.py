"""The cache of the oversight and public statistics: fast when nothing changed, never stale
after a change.

Why a key that holds what has changed rather than a TTL with explicit invalidation: motcua
runs several processes (gunicorn workers, the task worker) whose default cache is local to
each process, and the figures change in all of them; invalidating every process's cache from
every writer would need a shared cache and a hook in each writer. Instead the key holds three
numbers read in one query (three index lookups, whatever the number of dossiers):

- the id of the latest dossier event: every move appends one, in the transaction that adds
  to the summary tables (stats.recording), so a committed move gives a new key;
- the id of the latest rating (ratings add to the same tables and are read directly);
- the summary generation (stats.generation), bumped in the same transaction by what changes
  the figures without an event or a rating: the periodic job that counts the overdue moments
  that passed (stats.overdue), and edits of agencies, levels, fields and procedures
  (oversight.invalidation).

The local day is in the key too (the default period and "today" follow it). So an entry is
read only while none of what it was computed from has changed, and lives until then (the
TTL only frees memory). What the key does not see by itself: `stats_rebuild` rewrites the
tables in place, so it must call `stats.generation.bump()` in its transaction (until it does,
a running server shows a rebuild's figures after the next move; a rebuild normally runs with
the servers stopped, and each process's cache starts empty). A calendar edit changes no
stored figure (due moments and working minutes are fixed when the moves are counted), and
the live due-soon list is not cached.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from dossiers.models import Event
from ratings.models import Rating
from stats.models import SummaryGeneration

T = TypeVar("T")
TTL_SECONDS = 24 * 3600  # frees memory; entries are never stale (see above)
Change = tuple[int, int, int]


def latest_change() -> Change:
    """(latest event id, latest rating id, summary generation): changes with every committed
    move, rating, overdue count or edit the figures depend on."""
    q = connection.ops.quote_name
    tables = [q(m._meta.db_table) for m in (Event, Rating, SummaryGeneration)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT MAX(id) FROM {tables[0]}), (SELECT MAX(id) FROM {tables[1]}), "
            f"(SELECT MAX(n) FROM {tables[2]})"
        )
        event, rating, generation = cursor.fetchone()
    return event or 0, rating or 0, generation or 0


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
