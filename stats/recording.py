"""Keeping the summary tables in step with the dossiers, inside each move's transaction.

`dossiers.services.core.append_event` calls `on_event(dossier, event)` for every move, after the
move has set the dossier's new fields in memory (they are saved just after) and written its
other rows (step runs, pauses, results, documents). So what a move counts commits or rolls
back with the move itself. Per move, in order:

1. The dossier's timing row (`DossierTiming`): its legal due moment starts with the clock, is
   moved when a wait that began in time ends, and is judged when the dossier ends.
2. The step run the counts knew to be open, if this move closed it: one step done, its
   timeliness and its working minutes, for the unit and official who held it.
3. The overdue moment, if it has passed and is not counted yet (the periodic job counts those
   of dossiers that see no move; see `stats.overdue`).
4. The act itself for the official who made it (receptions, signatures...).
5. The counters, one upsert per key.

A dossier the counts have never seen (written before this app, or by a bulk loader) gets a
timing row guessed from its current state; `manage.py stats_rebuild` puts everything right.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Count, Q
from django.utils import timezone

from dossiers.lifecycle import Move
from dossiers.models import Document, Dossier, Event, Pause, StepRun
from dossiers.models.work import Timeliness
from dossiers.services import steps
from dossiers.services.core import legal_unit, work_calendar
from motcua.compiled_sql import Prepared, PreparedInstances, save_fields
from stats import judging, worktime
from stats.counting import Tally
from stats.models import DossierTiming


def action_of(move: Move) -> str:
    """The event action of a move."""
    return f"dossier.{move.value}"


# The act of each move, counted for the official who made it (OfficialCount columns).
ACTS = {
    action_of(Move.RECEIVE): "receptions",
    action_of(Move.GUIDE_SUPPLEMENT): "guidances",
    action_of(Move.REFUSE_RECEPTION): "reception_refusals",
    action_of(Move.REQUEST_SUPPLEMENT): "supplement_requests",
    action_of(Move.PAUSE_FOR_PAYMENT): "payment_pauses",
    action_of(Move.REFUSE): "refusals",
    action_of(Move.RECORD_RESULT): "results",
    action_of(Move.STOP): "stops",
    action_of(Move.WITHDRAW): "withdrawals",
    action_of(Move.APOLOGISE): "apologies",
    action_of(Move.RETURN_RESULT): "returns",
    action_of(Move.TRANSFER): "transfers",  # on the dossier handed on, not on the one it creates
}
STEP_COLUMNS = {
    Timeliness.EARLY: "steps_early",
    Timeliness.ON_TIME: "steps_on_time",
    Timeliness.LATE: "steps_late",
}


# Compiled once per process (motcua.compiled_sql): every move with a clock reads them.
WAITS = Prepared(
    "stats.waits",
    lambda dossier_id: Pause.objects.filter(dossier_id=dossier_id).values_list(
        "started_at", "ended_at"
    ),
    typed=True,
    dossier_id=-7_000_041,
)


class Counting:
    """What one move needs while it is counted: the dossier, its event and timing, the tally."""

    def __init__(self, dossier: Dossier, event: Event, timing: DossierTiming) -> None:
        self.dossier, self.event, self.timing = dossier, event, timing
        self.at: dt.datetime = event.at
        self.tally = Tally()
        self.base = (dossier.processing_agency_id, dossier.procedure_id, dossier.channel)
        self._waits: list[tuple[dt.datetime, dt.datetime | None]] | None = None

    def count(self, at: dt.datetime | None = None, **counts: int) -> None:
        self.tally.for_dossier(timezone.localdate(at or self.at), self.base).update(counts)

    def count_for(self, at: dt.datetime, unit_id: int, official_id: int, **counts: int) -> None:
        day = timezone.localdate(at)
        self.tally.for_official(day, self.base, unit_id, official_id).update(counts)

    def clock(self):
        return work_calendar(self.dossier.processing_agency), legal_unit(self.dossier)

    def waits(self) -> list[tuple[dt.datetime, dt.datetime | None]]:
        """The dossier's waits, read once per move: the move wrote its pauses before the
        counts run, and nothing in the counting writes any."""
        if self._waits is None:
            self._waits = WAITS.rows(dossier_id=self.dossier.pk)
        return self._waits


COMPONENT, RESULT = Document.Role.COMPONENT, Document.Role.RESULT
# The dossier's documents counted for reception and results (the counts of
# stats.rebuild.DOCS, for one dossier), compiled once per process (motcua.compiled_sql).
DOCUMENT_COUNTS = {
    "components": Count("pk", filter=Q(role=COMPONENT)),
    "component_files": Count("pk", filter=Q(role=COMPONENT, digitised=True)),
    "reused": Count("pk", filter=Q(role=COMPONENT, reused_from__isnull=False)),
    "e_results": Count("pk", filter=Q(role=RESULT, digitised=True)),
    "papers": Count("pk", filter=~Q(role=RESULT)),
    "paper_files": Count("pk", filter=~Q(role=RESULT) & Q(digitised=True)),
}
DOCUMENT_TALLY = Prepared(
    "stats.document_tally",
    lambda dossier_id: (
        Document.objects.filter(dossier_id=dossier_id)
        .order_by()
        .values("dossier_id")
        .annotate(**DOCUMENT_COUNTS)
        .values_list(*DOCUMENT_COUNTS)
    ),
    dossier_id=-7_000_046,
)


def _documents(dossier: Dossier) -> dict[str, int]:
    """The dossier's `DOCUMENT_COUNTS` (all zero when it has no document)."""
    rows = DOCUMENT_TALLY.rows(dossier_id=dossier.pk)
    return dict(zip(DOCUMENT_COUNTS, rows[0] if rows else [0] * len(DOCUMENT_COUNTS), strict=True))


# ---------------------------------------------------------------- the dossier's clock


def _start_clock(m: Counting) -> None:
    """Reception (or a transfer received): the legal due moment is the first due moment."""
    m.timing.legal_due_at = m.dossier.due_at
    m.timing.overdue_at = m.dossier.due_at
    m.timing.paused_since = None
    papers = _documents(m.dossier)
    n = papers["components"]
    m.count(
        received=1,
        received_digitised=int(n > 0 and papers["component_files"] == n),
        received_reusing=int(papers["reused"] > 0),
    )


def _wait_begins(m: Counting) -> None:
    """A wait stops the clock only if the dossier is not late yet."""
    t = m.timing
    if t.legal_due_at is not None and t.paused_since is None and m.at <= t.legal_due_at:
        t.paused_since, t.overdue_at = m.at, None


def _wait_ends(m: Counting) -> None:
    t = m.timing
    if t.paused_since is None:
        return
    cal, unit = m.clock()
    t.legal_due_at = judging.extend_for_wait(cal, unit, t.legal_due_at, t.paused_since, m.at)
    t.paused_since, t.overdue_at = None, t.legal_due_at


def _end(m: Counting) -> str:
    """The dossier ends now: judge it, if its clock ever started."""
    t = m.timing
    _wait_ends(m)
    t.ended_at = m.at
    if t.legal_due_at is None:
        return ""
    t.timeliness = judging.judge_end(t.legal_due_at, m.at, t.supplements)
    t.overdue_at = judging.overdue_moment(t.legal_due_at, None, m.at, t.timeliness)
    late = t.timeliness == Timeliness.LATE
    m.count(ended_on_time=int(not late), ended_late=int(late))
    return t.timeliness


def _resolve(m: Counting) -> None:
    """A result or a reasoned refusal: timeliness and working time from clock start."""
    verdict = _end(m)
    cal, _unit = m.clock()
    spent = worktime.worked_minutes(cal, m.dossier.clock_start, m.at, m.waits())
    m.count(**{f"resolved_{verdict}": 1}, processing_minutes=spent)


# ---------------------------------------------------------------- the moves


def _received(m: Counting) -> None:
    _start_clock(m)


def _transferred(m: Counting) -> None:
    if m.event.status_before:
        m.count(transferred=1)
    else:  # the dossier the transfer creates: received by the other agency
        _start_clock(m)


def _guided(m: Counting) -> None:
    m.timing.supplements += 1
    m.count(guided=1)


def _supplement_requested(m: Counting) -> None:
    m.timing.supplements += 1
    _wait_begins(m)
    m.count(supplement_requests=1)


def _payment_requested(m: Counting) -> None:
    _wait_begins(m)
    m.count(payment_pauses=1)


def _reception_refused(m: Counting) -> None:
    _end(m)
    m.count(reception_refusals=1)


def _refused(m: Counting) -> None:
    _resolve(m)
    m.count(refusals=1)


def _result_recorded(m: Counting) -> None:
    _resolve(m)
    docs = _documents(m.dossier)
    e_result = docs["e_results"] > 0
    digitised = e_result and docs["papers"] > 0 and docs["paper_files"] == docs["papers"]
    m.count(results=1, e_results=int(e_result), digitised=int(digitised))


def _stopped(m: Counting) -> None:
    _end(m)
    m.count(stops=1)


def _withdrawn(m: Counting) -> None:
    _end(m)
    m.count(withdrawals=1)


HANDLERS: dict[str, Callable[[Counting], None]] = {
    action_of(Move.SUBMIT): lambda m: m.count(submitted=1),
    action_of(Move.RECEIVE): _received,
    action_of(Move.TRANSFER): _transferred,
    action_of(Move.GUIDE_SUPPLEMENT): _guided,
    action_of(Move.REFUSE_RECEPTION): _reception_refused,
    action_of(Move.REQUEST_SUPPLEMENT): _supplement_requested,
    action_of(Move.PAUSE_FOR_PAYMENT): _payment_requested,
    action_of(Move.SUPPLEMENT_PROVIDED): _wait_ends,
    action_of(Move.RESUME_AFTER_PAYMENT): _wait_ends,
    action_of(Move.REFUSE): _refused,
    action_of(Move.RECORD_RESULT): _result_recorded,
    action_of(Move.STOP): _stopped,
    action_of(Move.WITHDRAW): _withdrawn,
    action_of(Move.APOLOGISE): lambda m: m.count(apologies=1),
    action_of(Move.RETURN_RESULT): lambda m: m.count(returned=1),
}


# ---------------------------------------------------------------- steps, overdue, acts


def _open_run_id(dossier: Dossier) -> int:
    if dossier.current_step_id is None:
        return 0
    run = dossier.current_step
    return run.pk if run.finished_at is None else 0


def _count_closed_run(m: Counting) -> None:
    """The run the counts knew to be open is no longer: count it for whoever held it."""
    known, now_open = m.timing.run_id, _open_run_id(m.dossier)
    m.timing.run_id = now_open
    if not known or known == now_open:
        return
    run = closed_run(m.dossier, known)
    if run is None:
        return
    cal, _unit = m.clock()
    spent = worktime.worked_minutes(cal, run.arrived_at, run.finished_at, m.waits())
    columns = {"steps_done": 1, "step_minutes": spent}
    if run.timeliness in STEP_COLUMNS:
        columns[STEP_COLUMNS[run.timeliness]] = 1
    m.count_for(run.finished_at, run.unit_id, run.assignee_id or 0, **columns)


def closed_run(dossier: Dossier, run_id: int) -> StepRun | None:
    """The finished step run `run_id`: the one the move closed, held in memory by
    `steps.close_run`, else read (a run closed by another path, e.g. a transfer)."""
    run = steps.closed_in_move(dossier, run_id)
    if run is not None and run.finished_at is not None:
        return run
    return StepRun.objects.filter(pk=run_id, finished_at__isnull=False).first()


def _count_overdue(m: Counting) -> None:
    """Count the overdue moment once: when it has passed (or the dossier ended late)."""
    t = m.timing
    if not judging.is_counted_overdue(t.overdue_at, t.ended_at, m.at):
        return
    claimed = DossierTiming.objects.filter(pk=t.pk, overdue_counted=False).update(
        overdue_counted=True
    )
    if claimed:
        t.overdue_counted = True
        m.count(at=t.overdue_at, became_overdue=1)


def _count_act(m: Counting) -> None:
    column = ACTS.get(m.event.action)
    official = m.event.actor
    if column is None or official is None:
        return
    if m.event.action == action_of(Move.TRANSFER) and not m.event.status_before:
        return
    m.count_for(m.at, m.event.actor_unit_id, official.pk, **{column: 1})


# ---------------------------------------------------------------- the hook


# The timing row of a move's dossier on PostgreSQL (SQLite joins it to the lock's read),
# compiled once per process (motcua.compiled_sql).
TIMING_OF = PreparedInstances(
    "stats.timing_of",
    lambda dossier_id: DossierTiming.objects.filter(pk=dossier_id).order_by(),
    dossier_id=-7_000_052,
)
TIMING_FIELDS = ["legal_due_at", "paused_since", "overdue_at", "supplements", "ended_at",
                 "timeliness", "run_id"]  # fmt: skip


def _timing(dossier: Dossier, event: Event) -> tuple[DossierTiming, bool]:
    """The dossier's timing row; a dossier never seen gets one guessed from its state.

    Read once per move: the row `core.lock` joined (SQLite), or the one an earlier event of
    the same move left on the dossier, else one query. The first event of a dossier is
    written in the transaction that created the dossier, so no row can exist yet."""
    cache = Dossier.timing.related
    if cache.is_cached(dossier):
        timing = cache.get_cached_value(dossier)
    elif event.seq > 1:
        timing = TIMING_OF.first(dossier_id=dossier.pk)
    else:
        timing = None
    if timing is not None:
        return timing, False
    timing = DossierTiming(dossier_id=dossier.pk)
    if event.seq > 1:  # older than the counts: best guess, until a rebuild
        timing.legal_due_at = timing.overdue_at = dossier.due_at
        timing.run_id = _open_run_id(dossier)
    return timing, True


def on_event(dossier: Dossier, event: Event) -> None:
    """Update the summary tables for one move (see the module docstring for the steps)."""
    timing, new = _timing(dossier, event)
    before = [getattr(timing, name) for name in TIMING_FIELDS]
    m = Counting(dossier, event, timing)
    handler = HANDLERS.get(event.action)
    if handler is not None:
        handler(m)
    _count_closed_run(m)
    if new:
        timing.save(force_insert=True)
    elif [getattr(timing, name) for name in TIMING_FIELDS] != before:
        save_fields(timing, TIMING_FIELDS)
    Dossier.timing.related.set_cached_value(dossier, timing)  # as saved, for a next event
    _count_overdue(m)
    _count_act(m)
    m.tally.write()


# ---------------------------------------------------------------- ratings (ratings app)

RATING_COLUMNS = {
    "very_satisfied": "rated_very_satisfied",
    "satisfied": "rated_satisfied",
    "dissatisfied": "rated_dissatisfied",
}


def on_rating(
    dossier: Dossier, level: str, at: dt.datetime, official_id: int | None = None,
    unit_id: int | None = None,
) -> None:  # fmt: skip
    """The hook for the ratings app (P6), to call inside the transaction that stores a
    rating: `level` is one of RATING_COLUMNS (map the app's scale onto these three). The app
    must also register a source for the rebuild (`stats.rebuild.RATING_SOURCES`)."""
    column = RATING_COLUMNS[level]
    tally = Tally()
    base = (dossier.processing_agency_id, dossier.procedure_id, dossier.channel)
    tally.for_dossier(timezone.localdate(at), base)[column] += 1
    if official_id:
        tally.for_official(timezone.localdate(at), base, unit_id or 0, official_id)[column] += 1
    tally.write()


__all__ = ["on_event", "on_rating"]
