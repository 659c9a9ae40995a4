"""The cache of the public statistics: fast when nothing changed, never stale after a move.

Why a key that includes the latest change rather than a TTL with explicit invalidation:
motcua runs several processes (gunicorn workers, the task worker) whose default cache is
local to each process, and dossiers change in all of them, also through bulk loaders and the
rebuild command; invalidating every cache from every writer would need a shared cache and a
hook in each writer. Instead the key holds what has changed since: the id of the latest dossier
event (every move appends one, in the transaction that changes the counts) and of the latest
rating, so any process sees a new key as soon as a move or a rating is committed, at the cost
of two index lookups (the maximum of a primary key) per request. The key also holds the
five-minute slot of the periodic job that counts overdue dossiers (`stats.tasks`,
notifications.scheduler), since the backlog behind the service index changes with time, not
only with moves; so an entry lives at most five minutes, which also bounds how long a
catalogue or calendar edit, or a `stats_rebuild`, takes to show.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import get_language

from dossiers.models import Event
from ratings.models import Rating

T = TypeVar("T")
SLOT_SECONDS = 300  # the interval of stats.tasks.count_overdue_task in notifications.scheduler
TTL_SECONDS = SLOT_SECONDS


def latest_change() -> tuple[int, int]:
    """(latest event id, latest rating id): changes with every committed move or rating."""
    event = Event.objects.aggregate(m=Max("pk"))["m"] or 0
    rating = Rating.objects.aggregate(m=Max("pk"))["m"] or 0
    return event, rating


def key_for(name: str, params: dict, change: tuple[int, int]) -> str:
    now = timezone.now()
    material = json.dumps(
        [
            name,
            params,
            get_language(),
            change,
            timezone.localdate(now).isoformat(),
            int(now.timestamp()) // SLOT_SECONDS,
        ],
        sort_keys=True,
        default=str,
    )
    return "oversight:public:" + hashlib.sha256(material.encode()).hexdigest()


def cached(
    name: str, params: dict, make: Callable[[], T], change: tuple[int, int] | None = None
) -> T:
    """`make()`'s value, from the cache when nothing changed since it was stored."""
    key = key_for(name, params, change if change is not None else latest_change())
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, TTL_SECONDS)
    return value
