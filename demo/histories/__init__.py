"""Demo dossier histories: `manage.py demo --dossiers N` fills the demo province with N dossiers
received over the past twelve months, each with a realistic history that keeps the rules.

Why: dashboards, the service index, queues, deadline warnings and load tests need a year of
dossiers in every state (on time and late, supplements, pauses, apologies, refusals, withdrawals,
stops, transfers, consultations, open and finished), and nobody can type them by hand.

One *story* per dossier decides what happens and when, move by move, from the dossier's current
status and due moment; it drives an *engine* that makes the moves:

- `ServiceEngine` calls the real service functions of `dossiers.services` (the reference path:
  every rule and right is checked by the code the application uses);
- `BulkEngine` makes the same moves in memory and writes the rows with one bulk insert per table
  and chunk. It mirrors the service functions field by field (codes, due moments, step runs,
  pauses, events with their hash chain), so it is fast enough for 100,000 dossiers; the tests
  generate the same histories through both engines and compare every row.

Everything generated is demo data: applicants are invented (common Vietnamese names, personal ID
numbers of valid structure, "Địa chỉ mẫu" addresses, no phone or email, so no notification is
ever queued), and the officials it adds are `demo.<agency code>.<slot>` accounts without a
usable password. The same seed and the same `now` give the same histories.
"""

from demo.histories.constants import DEFAULT_SEED
from demo.histories.minutes import WorkingMinutes
from demo.histories.run import GenerationFailed, Report, generate, iter_statuses, prepare
from demo.histories.staff import ensure_staff, staff_needs

__all__ = [
    "DEFAULT_SEED",
    "GenerationFailed",
    "Report",
    "WorkingMinutes",
    "ensure_staff",
    "generate",
    "iter_statuses",
    "prepare",
    "staff_needs",
]
