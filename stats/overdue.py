"""Overdue moments that pass without a move: the periodic job that counts them.

A dossier becomes overdue when its legal due moment passes, usually with no move at that
moment. `DossierTiming.overdue_at` holds the moment in advance, so the live figures (open and
overdue now) are always right when read from the timing rows; the day counter
`DossierCount.became_overdue`, which gives the overdue backlog at the end of any past day, is
added here for the moments that have passed, every five minutes (notifications.scheduler). A
move on the dossier, or its end, counts it too if the job has not yet; the claim on
`overdue_counted` (a conditional UPDATE) makes sure only one of them does.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection, transaction
from django.utils import timezone

from dossiers.models import Dossier
from stats import generation
from stats.counting import add_dossier_rows

BATCH = 5000


def _aware(moment: dt.datetime | str) -> dt.datetime:
    """SQLite hands RETURNING values back as UTC text or naive datetimes."""
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=dt.UTC)


def count_overdue(now: dt.datetime | None = None) -> int:
    """Count every overdue moment before `now` not counted yet; returns how many."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        # The condition of the index of the rows to count (`stats_timing_to_count`) as the
        # index states it: SQLite matches a partial index's terms as written, and read
        # `overdue_counted = FALSE` by scanning every dossier's row, with the write lock held.
        cursor.execute(
            "UPDATE stats_dossiertiming SET overdue_counted = TRUE "
            "WHERE overdue_at IS NOT NULL AND NOT overdue_counted AND overdue_at < %s "
            "RETURNING dossier_id, overdue_at",
            [connection.ops.adapt_datetimefield_value(now)],
        )
        claimed = dict(cursor.fetchall())
        per_key: Counter = Counter()
        ids = list(claimed)
        for begin in range(0, len(ids), BATCH):
            rows = Dossier.objects.filter(pk__in=ids[begin : begin + BATCH]).values_list(
                "pk", "processing_agency_id", "procedure_id", "channel"
            )
            for pk, *base in rows:
                per_key[(timezone.localdate(_aware(claimed[pk])), *base)] += 1
        if claimed:  # the backlog figures changed without a move: cached pages must see it
            # First, as a catalogue edit bumps it before it locks the month rows (one order).
            generation.bump()
        add_dossier_rows({key: {"became_overdue": n} for key, n in per_key.items()})
    return len(claimed)
