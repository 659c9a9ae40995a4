"""The one hook into dossiers: each status change of a dossier that came from upstream is
recorded as a `StatusUpdate`, to be pushed back to its system (the sync comes later).

A `post_save` receiver on `dossiers.Event` (connected in `IntakeConfig.ready`), so the dossier
services stay unaware of intake and the row is written in the move's own transaction: it commits
or rolls back with the status change. Events written in bulk (the demo's bulk engine) send no
signal; their dossiers never come from upstream.
"""

from __future__ import annotations

from dossiers.lifecycle import NATIONAL_CODES, Status
from dossiers.models import Event
from intake.models import StatusUpdate, UpstreamSubmission
from motcua.compiled_sql import Prepared

# The dossier's upstream submission, if any: compiled once per process (motcua.compiled_sql),
# as every change of status of every dossier asks.
UPSTREAM_OF = Prepared(
    "intake.upstream_of",
    lambda dossier_id: (
        UpstreamSubmission.objects.filter(dossier_id=dossier_id)
        .order_by("pk")
        .values_list("pk")[:1]
    ),
    dossier_id=-7_000_043,
)


def record_status_change(sender, instance: Event, created: bool, raw: bool = False, **kwargs):
    """Only changes of status (the upstream system learns the first one, "submitted", from our
    answer to its push); one indexed lookup per event for dossiers of other channels."""
    if not created or raw or not instance.status_before:
        return
    if instance.status_before == instance.status_after:
        return
    found = UPSTREAM_OF.rows(dossier_id=instance.dossier_id)
    if not found:
        return
    StatusUpdate.objects.create(
        submission_id=found[0][0],
        event=instance,
        status=instance.status_after,
        national_code=NATIONAL_CODES.get(Status(instance.status_after)),
        at=instance.at,
    )
