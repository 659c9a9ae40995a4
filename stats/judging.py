"""The service-index rules for judging a dossier against its legal time (pure functions).

Decision 766 (domain-rules.md, "Service index"): the time spent waiting for a supplement is
excluded (and, under Decree 61, a wait for a financial obligation stops the clock too); more
than one supplement request makes a dossier late; the end is the first of done, returned,
stopped, refused, withdrawn; an open dossier is judged at the end of the period.

Why a legal due moment of our own rather than `Dossier.due_at`: an apology (Form 04) moves
`due_at` to the new date it promises, but a dossier that needed an apology is still late; and
a wait that begins after the due moment has passed cannot make a late dossier on time again
(the working time already spent exceeds the legal time). So the legal due moment is the first
due moment plus the working time of the waits that began while the dossier was not yet late.
That makes "overdue" monotone: once overdue, a dossier stays overdue until it ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from dossiers.models.work import Timeliness
from dossiers.services.core import pause_unit, timeliness
from workdays import clock

Wait = tuple[dt.datetime, dt.datetime | None]


def extend_for_wait(
    cal: clock.WorkCalendar, unit: clock.Unit, due: dt.datetime, start: dt.datetime,
    end: dt.datetime,
) -> dt.datetime:  # fmt: skip
    """The due moment moved by the working time of one closed wait (as core.compute_due does)."""
    amount = clock.elapsed_working(cal, start, end, unit=pause_unit(unit))
    if amount == 0:
        return due
    return clock.add_working(cal, due, amount, pause_unit(unit))


@dataclass(frozen=True)
class LegalDue:
    """The legal due moment, and the start of an open wait that stops the clock (if any)."""

    due: dt.datetime
    paused_since: dt.datetime | None = None


def legal_due(
    cal: clock.WorkCalendar, unit: clock.Unit, first_due: dt.datetime, waits: Iterable[Wait]
) -> LegalDue:
    """Walk the waits in order: one that begins by the current due moment moves it (by its
    working time); one that begins later changes nothing, the dossier being late already."""
    due, paused_since = first_due, None
    for start, end in sorted(waits, key=lambda wait: wait[0]):
        if start > due:
            continue
        if end is None:
            paused_since = start
            continue
        due = extend_for_wait(cal, unit, due, start, end)
    return LegalDue(due, paused_since)


def judge_end(due: dt.datetime, ended_at: dt.datetime, supplements: int) -> str:
    """Early (an earlier day than the due day), on time, or late (after the due moment, or
    after more than one supplement request)."""
    if supplements > 1:
        return Timeliness.LATE
    return timeliness(ended_at, due)


def overdue_moment(
    due: dt.datetime | None, paused_since: dt.datetime | None, ended_at: dt.datetime | None,
    verdict: str,
) -> dt.datetime | None:  # fmt: skip
    """When the dossier became (or, still open, will become) overdue; None if it never does.

    Open: its due moment, unless a wait that began in time stops the clock. Ended late: its
    due moment, or its end if it is late for another reason (two supplement requests)."""
    if due is None:
        return None
    if ended_at is None:
        return None if paused_since is not None else due
    if verdict != Timeliness.LATE:
        return None
    return min(due, ended_at)


def is_counted_overdue(
    overdue_at: dt.datetime | None, ended_at: dt.datetime | None, now: dt.datetime
) -> bool:
    """Whether `became_overdue` holds the dossier at `now`: its overdue moment has passed
    (an ended dossier is counted when it ends)."""
    if overdue_at is None:
        return False
    return ended_at is not None or overdue_at < now
