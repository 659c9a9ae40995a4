"""Recompute every summary table from the dossiers, their rows and their events (set-based).

`manage.py stats_rebuild` (and `manage.py demo --dossiers N`, whose bulk loader writes rows
without the service functions) call `rebuild()`. One transaction:

1. Empty the three tables (TRUNCATE on PostgreSQL: moves wait for the rebuild to commit, so none
   is counted twice or lost).
2. Load a day line (working minutes before each day, the day's working intervals) for every
   calendar over the data's days: the SQL twin of stats.worktime.
3. Judge every dossier into DossierTiming with one INSERT ... SELECT: for most dossiers the
   legal due moment is a column already (the first due moment when it never waited; the
   stored due moment when it has no apology and every wait began before its first due
   moment); the others (an apology and a wait, or a wait begun late) are judged in Python
   with stats.judging, the functions the moves use.
4. Fill DossierCount and OfficialCount with one INSERT ... SELECT each, summing a UNION ALL of
   one SELECT per source (dossiers, supplement requests, pauses, apologies, results,
   documents, step runs, the event log for who did what), each summed per key first; then
   MonthCount from DossierCount once the ratings are in (`stats.months.fill`).

No per-dossier Python except step 3's few; the day line keeps working minutes in SQL. On
PostgreSQL the tables' unique keys and indexes are dropped during the load and built again
after it (`_BulkLoad`), and the tables have no foreign-key constraints (a trigger per row).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max, Min
from django.utils import timezone

from dossiers.models import Dossier, Pause
from dossiers.services.core import legal_unit, work_calendar
from org.models import Agency
from stats import generation, judging, months, worktime
from stats.counting import add
from stats.models import DossierCount, DossierTiming, MonthCount, OfficialCount, counter_names
from stats.recording import ACTS
from stats.sql import EPOCH, Dialect
from workdays.models import Calendar

# Sources the ratings app registers: each returns (model, key, counts) triples to add, the key
# in stats.counting order. Empty until the ratings app exists.
RATING_SOURCES: list[Callable[[], Iterable[tuple[type[models.Model], tuple, dict]]]] = []

TABLES = (DossierCount, MonthCount, OfficialCount, DossierTiming)
# Counter columns of 32 bits: a source's sum per key is cast back to it (Source.select).
INTEGER_TYPES = frozenset({"IntegerField", "PositiveIntegerField", "SmallIntegerField",
                           "PositiveSmallIntegerField"})  # fmt: skip
BATCH = 2000


@dataclass
class Report:
    dossiers: int = 0
    judged_in_python: int = 0
    dossier_rows: int = 0
    official_rows: int = 0
    seconds: float = 0.0


def rebuild(now: dt.datetime | None = None) -> Report:
    """Recompute the summary tables as of `now` (overdue moments up to `now` are counted)."""
    now = now or timezone.now()
    started = time.monotonic()
    report = Report()
    with transaction.atomic():
        _clear()
        bounds = Dossier.objects.aggregate(
            first=Min("received_at"), submitted=Min("submitted_at"), last=Max("received_at"),
            finished=Max("finished_at"), returned=Max("returned_at"), n=models.Count("pk"),
        )  # fmt: skip
        report.dossiers = bounds["n"]
        if bounds["n"]:
            dialect = _prepare(bounds, now)
            with _BulkLoad():
                report.judged_in_python = _judge_in_python()
                _insert_timings(dialect, now)
                _insert_counts(DossierCount, _dossier_sources(dialect), docs=True)
                _insert_counts(OfficialCount, _official_sources(dialect), docs=False)
            _drop_day_line()
            for source in RATING_SOURCES:
                for model, key, counts in source():
                    add(model, key, counts)
            months.fill()  # from the day rows, the ratings' included
        report.dossier_rows = DossierCount.objects.count()
        report.official_rows = OfficialCount.objects.count()
        # Commits with the new rows: pages cached under the old generation are never read again.
        generation.bump()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(m._meta.db_table for m in TABLES))
    report.seconds = time.monotonic() - started
    return report


class _BulkLoad:
    """On PostgreSQL, the secondary indexes and unique keys are dropped while the tables are
    filled and built again after (one sort each, much cheaper than millions of single index
    insertions), with the DDL Django generates from the models, in the same transaction."""

    def __enter__(self) -> _BulkLoad:
        self.active = connection.vendor == "postgresql"
        if self.active:
            with connection.schema_editor(atomic=False) as editor:
                for model in TABLES:
                    for constraint in model._meta.constraints:
                        editor.remove_constraint(model, constraint)
                    for index in model._meta.indexes:
                        editor.remove_index(model, index)
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if self.active and kind is None:
            with connection.schema_editor(atomic=False) as editor:
                for model in TABLES:
                    for constraint in model._meta.constraints:
                        editor.add_constraint(model, constraint)
                    for index in model._meta.indexes:
                        editor.add_index(model, index)


def _clear() -> None:
    tables = [m._meta.db_table for m in TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Memory for the big sorts and hashes of this transaction only.
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("TRUNCATE " + ", ".join(tables))
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


# ---------------------------------------------------------------- the day line


def _prepare(bounds: dict, now: dt.datetime) -> Dialect:
    zone = ZoneInfo(settings.TIME_ZONE)
    moments = [m for m in bounds.values() if isinstance(m, dt.datetime)] + [now]
    first = min(timezone.localdate(m) for m in moments) - dt.timedelta(days=3)
    last = max(timezone.localdate(m) for m in moments) + dt.timedelta(days=3)
    dialect = Dialect.connected(zone, first.year, last.year)
    _fill_day_line(zone, first, last)
    return dialect


def _fill_day_line(zone: ZoneInfo, first: dt.date, last: dt.date) -> None:
    """Working minutes before each day and the day's intervals, per calendar in use."""
    _drop_day_line()
    day_type = "date" if connection.vendor == "postgresql" else "text"
    rows = []
    used = Agency.objects.values_list("calendar_id", flat=True).distinct()
    for calendar in Calendar.objects.filter(pk__in=used):
        cal = calendar.to_clock()
        if cal.zone.key != zone.key:
            raise RuntimeError(
                f"calendar {calendar.code} counts in {cal.zone.key}, the days in {zone.key}"
            )
        day = first
        while day <= last:
            spans = [*worktime.day_intervals(cal, day), (0, 0), (0, 0)][:2]
            before = worktime.minutes_before(cal, day)
            rows.append((calendar.pk, day, (day - EPOCH).days, before, *spans[0], *spans[1]))
            day += dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE stats_dayline (calendar_id bigint, day {day_type}, "
            "dayno integer, mins bigint, s1 integer, e1 integer, s2 integer, e2 integer, "
            "PRIMARY KEY (calendar_id, day))"
        )
        cursor.execute(
            "CREATE UNIQUE INDEX stats_dayline_dayno ON stats_dayline (calendar_id, dayno)"
        )
        cursor.executemany(
            "INSERT INTO stats_dayline VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE stats_dayline")


def _drop_day_line() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS stats_dayline")


# ---------------------------------------------------------------- judging every dossier

# Per dossier: its waits, and its first apology (the due moment it replaced).
WAITS = """
    LEFT JOIN (SELECT dossier_id, COUNT(*) AS n, MIN(started_at) AS first_start,
                      MAX(started_at) AS last_start, MAX(ended_at) AS last_end,
                      SUM(CASE WHEN ended_at IS NULL THEN 1 ELSE 0 END) AS open_n,
                      MAX(CASE WHEN ended_at IS NULL THEN started_at END) AS open_start
               FROM dossiers_pause GROUP BY dossier_id) pz ON pz.dossier_id = d.id
    LEFT JOIN (SELECT dossier_id, MIN(id) AS first_id FROM dossiers_apologyletter
               GROUP BY dossier_id) ap ON ap.dossier_id = d.id
    LEFT JOIN dossiers_apologyletter a1 ON a1.id = ap.first_id"""
# Where the legal due moment is a column already (stats.judging.legal_due, case by case):
# no wait; every wait begun after the first due moment (none moves it); every wait begun before
# it and no apology (the stored due moment has them all); every wait begun before it and ended
# strictly before the first apology (the due moment that apology replaced has them all). A wait
# that ends the very moment the apology is issued may have ended after it (an apology issued
# during the wait, the supplement provided the same minute): the replaced due moment then
# lacks that wait, so such a dossier is walked in Python.
LEGAL_IN_SQL = [
    ("pz.n IS NULL", "d.original_due_at"),
    ("pz.first_start > d.original_due_at", "d.original_due_at"),
    ("pz.last_start <= d.original_due_at AND ap.first_id IS NULL", "d.due_at"),
    ("pz.last_start <= d.original_due_at AND pz.open_n = 0 AND pz.last_end < a1.issued_at",
     "a1.old_due_at"),
]  # fmt: skip
# (NULL-safe: a condition on a missing apology is false, not unknown.)
IN_PYTHON = " AND ".join(f"NOT COALESCE(({c}), FALSE)" for c, _value in LEGAL_IN_SQL)


def _judge_in_python() -> int:
    """Step 3's other dossiers: their legal due moment walked in Python, into a temporary
    table the INSERT joins (`stats.judging.legal_due`, as the moves do)."""
    dt_type = "timestamp with time zone" if connection.vendor == "postgresql" else "text"
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE stats_judged (dossier_id bigint PRIMARY KEY, "
            f"legal {dt_type}, paused {dt_type})"
        )
        cursor.execute(
            f"SELECT d.id FROM dossiers_dossier d {WAITS} "
            f"WHERE d.received_at IS NOT NULL AND {IN_PYTHON}"
        )
        ids = [row[0] for row in cursor.fetchall()]
    for begin in range(0, len(ids), BATCH):
        rows += _judge_batch(ids[begin : begin + BATCH])
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO stats_judged VALUES (%s, %s, %s)",
            [(pk, adapt(due), adapt(paused)) for pk, due, paused in rows],
        )
    return len(ids)


def _judge_batch(ids: list[int]) -> list[tuple]:
    waits: dict[int, list] = {}
    pauses = Pause.objects.filter(dossier_id__in=ids)
    for dossier_id, start, end in pauses.values_list("dossier_id", "started_at", "ended_at"):
        waits.setdefault(dossier_id, []).append((start, end))
    dossiers = Dossier.objects.filter(pk__in=ids).select_related(
        "procedure", "processing_agency__calendar"
    )
    rows = []
    for dossier in dossiers.only(
        "original_due_at", "procedure__legal_time_unit", "processing_agency__calendar"
    ):
        cal, unit = work_calendar(dossier.processing_agency), legal_unit(dossier)
        due = judging.legal_due(cal, unit, dossier.original_due_at, waits.get(dossier.pk, []))
        rows.append((dossier.pk, due.due, due.paused_since))
    return rows


def _insert_timings(d: Dialect, now: dt.datetime) -> None:
    """Step 3: the legal due moment from a column or from Python's table, then the judgement
    (stats.judging.judge_end, overdue_moment, is_counted_overdue in SQL)."""
    legal = " ".join(f"WHEN {condition} THEN {value}" for condition, value in LEGAL_IN_SQL)
    sql = f"""
    INSERT INTO stats_dossiertiming (dossier_id, legal_due_at, paused_since, overdue_at,
        supplements, ended_at, timeliness, overdue_counted, run_id)
    SELECT id, legal, paused,
        CASE WHEN legal IS NULL THEN NULL
             WHEN finished_at IS NULL THEN (CASE WHEN paused IS NULL THEN legal END)
             WHEN late = 1 THEN {d.least("legal", "finished_at")} END,
        supplements, finished_at,
        CASE WHEN legal IS NULL OR finished_at IS NULL THEN ''
             WHEN late = 1 THEN 'late'
             WHEN {d.day("finished_at")} < {d.day("legal")} THEN 'early'
             ELSE 'on_time' END,
        CASE WHEN late = 1 OR (legal IS NOT NULL AND finished_at IS NULL AND paused IS NULL
                               AND legal < %s) THEN TRUE ELSE FALSE END,
        run
    FROM (
        SELECT base.*, CASE WHEN finished_at IS NOT NULL AND legal IS NOT NULL
                            AND (supplements > 1 OR finished_at > legal) THEN 1 ELSE 0 END AS late
        FROM (
            SELECT d.id, d.finished_at,
                CASE WHEN d.received_at IS NULL THEN NULL
                     WHEN j.dossier_id IS NOT NULL THEN j.legal
                     {legal} END AS legal,
                CASE WHEN d.received_at IS NULL THEN NULL
                     WHEN j.dossier_id IS NOT NULL THEN j.paused
                     WHEN pz.last_start <= d.original_due_at AND ap.first_id IS NULL
                          THEN pz.open_start END AS paused,
                COALESCE(sr.n, 0) AS supplements,
                CASE WHEN r.id IS NOT NULL THEN r.id ELSE 0 END AS run
            FROM dossiers_dossier d {WAITS}
            LEFT JOIN stats_judged j ON j.dossier_id = d.id
            LEFT JOIN (SELECT dossier_id, COUNT(*) AS n FROM dossiers_supplementrequest
                       GROUP BY dossier_id) sr ON sr.dossier_id = d.id
            LEFT JOIN (SELECT id FROM dossiers_steprun WHERE finished_at IS NULL) r
                   ON r.id = d.current_step_id
        ) base
    ) judged
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now)])
        cursor.execute("DROP TABLE stats_judged")


# ---------------------------------------------------------------- the counters


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


DOSSIER_KEY = ("d.processing_agency_id", "d.procedure_id", "d.channel")


@dataclass(frozen=True)
class Source:
    """One SELECT of the union: a local day, the rest of the key, counter expressions, FROM."""

    day: str
    counts: dict[str, str]
    body: str
    key: tuple[str, ...] = DOSSIER_KEY

    def select(
        self, keys: list[str], counters: tuple[str, ...], narrow: frozenset[str] = frozenset()
    ) -> str:
        """Summed per key already (fewer rows for the union), with every counter column.

        The `narrow` counters (integer columns) are cast back to integer: PostgreSQL sums an
        integer into a bigint, and a bigint into a numeric, whose arithmetic made the outer
        sum of the union several times slower than the sources themselves."""
        key = ", ".join(
            f"{expr} AS {name}" for expr, name in zip((self.day, *self.key), keys, strict=True)
        )
        own = ", ".join(
            f"CAST(SUM({expr}) AS integer) AS {name}"
            if name in narrow
            else f"SUM({expr}) AS {name}"
            for name, expr in self.counts.items()
        )
        positions = ", ".join(str(n) for n in range(1, len(keys) + 1))
        inner = f"SELECT {key}, {own} {self.body} GROUP BY {positions}"
        values = ", ".join(name if name in self.counts else f"0 AS {name}" for name in counters)
        return f"SELECT {', '.join(keys)}, {values} FROM ({inner}) s"


DOCS = """docs AS (
    SELECT dossier_id,
        SUM(CASE WHEN role = 'component' THEN 1 ELSE 0 END) AS components,
        SUM(CASE WHEN role = 'component' AND digitised THEN 1 ELSE 0 END) AS component_files,
        SUM(CASE WHEN role = 'component' AND reused_from_id IS NOT NULL THEN 1 ELSE 0 END)
            AS reused,
        SUM(CASE WHEN role <> 'result' THEN 1 ELSE 0 END) AS papers,
        SUM(CASE WHEN role <> 'result' AND digitised THEN 1 ELSE 0 END) AS paper_files,
        SUM(CASE WHEN role = 'result' AND digitised THEN 1 ELSE 0 END) AS result_files
    FROM dossiers_document GROUP BY dossier_id)"""
DOSSIER = "JOIN dossiers_dossier d ON d.id = {}.dossier_id"
AGENCY = "JOIN org_agency ag ON ag.id = d.processing_agency_id"


def _dossier_sources(d: Dialect) -> list[Source]:
    return [
        Source(d.day("d.submitted_at"), {"submitted": "1"},
               "FROM dossiers_dossier d WHERE d.submitted_at IS NOT NULL"),
        Source(d.day("d.received_at"), {
            "received": "1",
            "received_digitised": _flag("g.components > 0 AND g.component_files = g.components"),
            "received_reusing": _flag("g.reused > 0"),
        }, "FROM dossiers_dossier d LEFT JOIN docs g ON g.dossier_id = d.id "
           "WHERE d.received_at IS NOT NULL"),
        Source(d.day("s.requested_at"), {
            "guided": _flag("s.stage = 'reception'"),
            "supplement_requests": _flag("s.stage = 'processing'"),
        }, f"FROM dossiers_supplementrequest s {DOSSIER.format('s')}"),
        Source(d.day("p.started_at"), {"payment_pauses": "1"},
               f"FROM dossiers_pause p {DOSSIER.format('p')} WHERE p.kind = 'payment'"),
        Source(d.day("a.issued_at"), {"apologies": "1"},
               f"FROM dossiers_apologyletter a {DOSSIER.format('a')}"),
        Source(d.day("c.received_at"), {"transferred": "1"},
               "FROM dossiers_dossier c JOIN dossiers_dossier d ON d.id = c.transferred_from_id"),
        *_ending_sources(d),
        Source(d.day("d.returned_at"), {"returned": "1"},
               "FROM dossiers_dossier d WHERE d.returned_at IS NOT NULL"),
        Source(d.day("t.overdue_at"), {"became_overdue": "1"},
               f"FROM stats_dossiertiming t {DOSSIER.format('t')} WHERE t.overdue_counted"),
    ]  # fmt: skip


def _ending_sources(d: Dialect) -> list[Source]:
    approved = "r.outcome = 'approved'"
    e_result = f"{approved} AND g.result_files > 0"
    ended = {
        "ended_on_time": _flag("t.timeliness IN ('early', 'on_time')"),
        "ended_late": _flag("t.timeliness = 'late'"),
        "resolved_early": _flag("r.dossier_id IS NOT NULL AND t.timeliness = 'early'"),
        "resolved_on_time": _flag("r.dossier_id IS NOT NULL AND t.timeliness = 'on_time'"),
        "resolved_late": _flag("r.dossier_id IS NOT NULL AND t.timeliness = 'late'"),
        "results": _flag(approved),
        "refusals": _flag("r.outcome = 'refused'"),
        "e_results": _flag(e_result),
        "digitised": _flag(f"{e_result} AND g.papers > 0 AND g.paper_files = g.papers"),
        "stops": _flag("d.status = 'stopped'"),
        "withdrawals": _flag("d.status = 'withdrawn'"),
        "reception_refusals": _flag("d.status = 'not_received'"),
    }
    end, start = d.position("d.finished_at", "lf"), d.position("d.clock_start", "lc")
    wait_start = d.position("p.started_at", "ls")
    wait_end = d.position("COALESCE(p.ended_at, d.finished_at)", "le")
    overlap = f"{d.least(end, wait_end)} - {d.greatest(start, wait_start)}"
    resolved = f"FROM dossiers_result r {DOSSIER.format('r')} {AGENCY}"
    return [
        Source(d.day("t.ended_at"), ended,
               f"FROM stats_dossiertiming t {DOSSIER.format('t')} "
               "LEFT JOIN dossiers_result r ON r.dossier_id = d.id "
               "LEFT JOIN docs g ON g.dossier_id = d.id WHERE t.ended_at IS NOT NULL"),
        Source(d.day("d.finished_at"), {"processing_minutes": f"{end} - {start}"},
               f"{resolved} {d.join_line('d.finished_at', 'lf', 'ag.calendar_id')} "
               f"{d.join_line('d.clock_start', 'lc', 'ag.calendar_id')}"),
        Source(d.day("d.finished_at"), {"processing_minutes": f"-{d.greatest(overlap, '0')}"},
               f"{resolved} JOIN dossiers_pause p ON p.dossier_id = d.id "
               f"{d.join_line('d.finished_at', 'lf', 'ag.calendar_id')} "
               f"{d.join_line('d.clock_start', 'lc', 'ag.calendar_id')} "
               f"{d.join_line('p.started_at', 'ls', 'ag.calendar_id')} "
               f"{d.join_line('COALESCE(p.ended_at, d.finished_at)', 'le', 'ag.calendar_id')}"),
    ]  # fmt: skip


def _official_sources(d: Dialect) -> list[Source]:
    acts = {
        column: _flag(f"e.action = '{action}'")
        for action, column in ACTS.items()
        if column != "transfers"
    }
    acts["transfers"] = _flag("e.action = 'dossier.transferred' AND e.status_before <> ''")
    wanted = ", ".join(f"'{action}'" for action in ACTS)
    arrived, finished = d.position("r.arrived_at", "la"), d.position("r.finished_at", "lf")
    wait_start = d.position("p.started_at", "ls")
    wait_end = d.position("COALESCE(p.ended_at, r.finished_at)", "le")
    overlap = f"{d.least(finished, wait_end)} - {d.greatest(arrived, wait_start)}"
    runs = (
        f"FROM dossiers_steprun r {DOSSIER.format('r')} {AGENCY} "
        f"{d.join_line('r.arrived_at', 'la', 'ag.calendar_id')} "
        f"{d.join_line('r.finished_at', 'lf', 'ag.calendar_id')}"
    )
    holder = (*DOSSIER_KEY, "r.unit_id", "COALESCE(r.assignee_id, 0)")
    return [
        Source(d.day("e.at"), acts,
               f"FROM dossiers_event e {DOSSIER.format('e')} "
               "JOIN org_official o ON o.id = e.actor_id "
               f"WHERE e.action IN ({wanted}) "
               "AND NOT (e.action = 'dossier.transferred' AND e.status_before = '')",
               key=(*DOSSIER_KEY, "COALESCE(e.actor_unit_id, o.unit_id)", "e.actor_id")),
        Source(d.day("r.finished_at"), {
            "steps_done": "1",
            "steps_early": _flag("r.timeliness = 'early'"),
            "steps_on_time": _flag("r.timeliness = 'on_time'"),
            "steps_late": _flag("r.timeliness = 'late'"),
            "step_minutes": f"{finished} - {arrived}",
        }, f"{runs} WHERE r.finished_at IS NOT NULL", key=holder),
        Source(d.day("r.finished_at"), {"step_minutes": f"-{d.greatest(overlap, '0')}"},
               f"{runs} JOIN dossiers_pause p ON p.dossier_id = r.dossier_id "
               "AND p.started_at < r.finished_at "
               "AND (p.ended_at IS NULL OR p.ended_at > r.arrived_at) "
               f"{d.join_line('p.started_at', 'ls', 'ag.calendar_id')} "
               f"{d.join_line('COALESCE(p.ended_at, r.finished_at)', 'le', 'ag.calendar_id')} "
               "WHERE r.finished_at IS NOT NULL", key=holder),
    ]  # fmt: skip


def _insert_counts(model: type[models.Model], sources: list[Source], docs: bool) -> None:
    """One INSERT ... SELECT: the sum, per key, of every source's rows."""
    counters = counter_names(model)
    keys = ["day", "agency_id", "procedure_id", "channel"]
    if model is OfficialCount:
        keys += ["unit_id", "official_id"]
    narrow = frozenset(
        f.attname
        for f in model._meta.concrete_fields
        if f.attname in counters and f.get_internal_type() in INTEGER_TYPES
    )
    union = " UNION ALL ".join(source.select(keys, counters, narrow) for source in sources)
    sums = ", ".join(f"SUM({name})" for name in counters)
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(keys)}, {', '.join(counters)}) "
        f"SELECT {', '.join(keys)}, {sums} FROM ({union}) u GROUP BY {', '.join(keys)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {DOCS} {sql}" if docs else sql)
