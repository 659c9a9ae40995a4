"""Every change to a dossier goes through one function of this package (one per move).

Each function, in one transaction: (1) locks the dossier row, (2) checks the move against the
lifecycle table, the actor's right and the rule, (3) writes only what changed, (4) appends the
hash-chained event, (5) queues side effects (notifications) in the same transaction.
Views, commands, the API and the worker call these and never set a status themselves.
"""

from dossiers.services.closing import (
    issue_apology,
    record_result,
    refuse_dossier,
    return_result,
    stop_processing,
    withdraw_dossier,
)
from dossiers.services.core import Actor, DossierError, PermissionDenied, RuleViolation
from dossiers.services.processing import (
    answer_consultation,
    assign_step,
    consult_agency,
    hand_over_step,
    pause_for_payment,
    provide_supplement,
    request_supplement,
    resume_after_payment,
    send_back_step,
    start_step,
    transfer_dossier,
)
from dossiers.services.reception import (
    ApplicantData,
    ComponentData,
    guide_supplement_at_reception,
    receive_dossier,
    receive_submitted,
    refuse_reception,
    submit_online,
)

__all__ = [
    "Actor",
    "ApplicantData",
    "ComponentData",
    "DossierError",
    "PermissionDenied",
    "RuleViolation",
    "answer_consultation",
    "assign_step",
    "consult_agency",
    "guide_supplement_at_reception",
    "hand_over_step",
    "issue_apology",
    "pause_for_payment",
    "provide_supplement",
    "receive_dossier",
    "receive_submitted",
    "record_result",
    "refuse_dossier",
    "refuse_reception",
    "request_supplement",
    "resume_after_payment",
    "return_result",
    "send_back_step",
    "start_step",
    "stop_processing",
    "submit_online",
    "transfer_dossier",
    "withdraw_dossier",
]
