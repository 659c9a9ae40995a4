"""Summary counts of dossier handling, kept by the same transactions that move dossiers, and
their rebuild (docs/statistics.md has every definition).

How the counts are kept
-----------------------
Every move of a dossier appends its event through `dossiers.services.core.append_event`, which
calls `stats.recording.on_event(dossier, event)` in the move's transaction. That updates the
dossier's timing row (`DossierTiming`: its legal due moment under the service-index rules, when
it became overdue, how it ended) and adds to two fact tables of integer counters with atomic
upserts (`INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n`, `stats.counting`):

- `DossierCount` per (local day, processing agency, procedure, channel): received, online
  submissions, supplement requests, pauses, apologies, endings on time and late, results,
  refusals, stops, withdrawals, e-results, digitised, returned, overdue moments, processing
  minutes, ratings;
- `OfficialCount` per (day, agency, procedure, channel, unit, official): who received, asked for
  a supplement, signed, returned..., and the steps each held with their timeliness and working
  minutes.

Field and level are read through the procedure and the agency. A move that fails counts
nothing (the transaction rolls back); two moves counting the same key both count (the upsert).

Open and overdue, which change with time
----------------------------------------
A dossier becomes overdue when its legal due moment passes, without a move. Its timing row
holds that moment in advance (`overdue_at`), so the live readers (who holds an agency's open
dossiers, `oversight.backlog.holders`, and the live lists of `oversight.lists`: open and
overdue now) compare it with the clock when read and are always right. The day counter
`became_overdue`, from which the backlog at the end of any past day is summed
(`stats.queries.backlog_at`), is added by the periodic job `stats.tasks.count_overdue_task`
(every 5 minutes, notifications.scheduler.JOBS) for moments that have passed, and by a move or
the end of the dossier if the job has not yet; a claim on `overdue_counted` lets only one of
them count it.

The rebuild
-----------
`manage.py stats_rebuild` (stats.rebuild) recomputes the three tables from the dossiers, their
rows and the event log with a few set-based statements; `manage.py demo --dossiers N` ends with
it, since the demo's bulk loader writes rows without the services. Run it after installing the
app on a database in use, after a bulk import, or after editing a calendar's days off (working
minutes and due moments of the past follow the calendar). A hypothesis test shows the rebuild
equals the counts the moves kept (tests/test_stats_rebuild.py).
"""
