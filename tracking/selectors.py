"""What the public tracking page (P5) may show of a dossier: a projection of the internal state.

The page is open to anyone holding the code, and codes are sequential, so it shows only what a
stranger may see: the procedure, agencies, units and dates, the applicant's name masked
(`Applicant.masked_name`), never the ID number, phone, email, address, files, notes or officials'
names. A refusal is shown as "has a result" like an approval: its content is for the applicant.

Three queries for a found dossier (the dossier with its procedure, agencies and applicant's
name; its step runs; its public events), one for an unknown code; the page is benchmarked.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from dossiers.lifecycle import OPEN, Move, Status
from dossiers.models import Dossier, Event, StepRun
from motcua.text import unaccent

CODE_MAX_LENGTH = Dossier._meta.get_field("code").max_length
_CODE = re.compile(r"[A-Z0-9][A-Z0-9.\-/_]*")
_SPACES = re.compile(r"\s+")

# Moves the public sees on the timeline, with the move whose label they are shown under.
# Step hand-overs appear as the step runs themselves; consultations and assignments are internal.
PUBLIC_MOVES: dict[Move, Move] = {
    Move.SUBMIT: Move.SUBMIT,
    Move.RECEIVE: Move.RECEIVE,
    Move.GUIDE_SUPPLEMENT: Move.GUIDE_SUPPLEMENT,
    Move.REFUSE_RECEPTION: Move.REFUSE_RECEPTION,
    Move.REQUEST_SUPPLEMENT: Move.REQUEST_SUPPLEMENT,
    Move.SUPPLEMENT_PROVIDED: Move.SUPPLEMENT_PROVIDED,
    Move.PAUSE_FOR_PAYMENT: Move.PAUSE_FOR_PAYMENT,
    Move.RESUME_AFTER_PAYMENT: Move.RESUME_AFTER_PAYMENT,
    Move.TRANSFER: Move.TRANSFER,
    Move.APOLOGISE: Move.APOLOGISE,
    Move.RECORD_RESULT: Move.RECORD_RESULT,
    Move.REFUSE: Move.RECORD_RESULT,
    Move.STOP: Move.STOP,
    Move.WITHDRAW: Move.WITHDRAW,
    Move.RETURN_RESULT: Move.RETURN_RESULT,
}
PUBLIC_ACTIONS = {f"dossier.{move.value}": shown for move, shown in PUBLIC_MOVES.items()}
RESULT_STATUSES = frozenset({Status.RESULT_READY, Status.RETURNED})

_DOSSIER_FIELDS = (
    "code", "status", "submitted_at", "received_at", "due_at", "returned_at", "current_step_id",
    "procedure__name", "procedure__national_code", "receiving_agency__name",
    "processing_agency__name", "applicant__name",
)  # fmt: skip
_STEP_FIELDS = (
    "arrived_at", "finished_at", "due_at", "timeliness", "step__name", "step__position",
    "unit__name", "agency__name",
)  # fmt: skip


@dataclass(frozen=True)
class Stage:
    """One line of the timeline: a public move, or a step of the internal process."""

    at: dt.datetime
    label: str
    place: str = ""
    until: dt.datetime | None = None
    progress: str = ""
    is_step: bool = False


@dataclass(frozen=True)
class PublicDossier:
    code: str
    applicant: str
    procedure: str
    procedure_code: str
    receiving_agency: str
    processing_agency: str
    status: str
    status_label: str
    submitted_at: dt.datetime | None
    received_at: dt.datetime | None
    due_at: dt.datetime | None
    returned_at: dt.datetime | None
    current: Stage | None
    timeline: list[Stage] = field(default_factory=list)

    @property
    def result_ready(self) -> bool:
        return self.status in RESULT_STATUSES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def is_returned(self) -> bool:
        return self.status == Status.RETURNED


def normalise_code(raw: str) -> str:
    """' 000.00.12.h55-261102-0001 ' -> '000.00.12.H55-261102-0001': spaces dropped, accents
    a Vietnamese keyboard may add removed, upper case like the codes we issue."""
    return _SPACES.sub("", unaccent(raw or "")).upper()


def is_plausible_code(code: str) -> bool:
    """A code we could have issued: letters, digits and . - / _ (nothing else is looked up)."""
    return 0 < len(code) <= CODE_MAX_LENGTH and _CODE.fullmatch(code) is not None


def _step_stage(run: StepRun) -> Stage:
    progress = run.get_timeliness_display() if run.finished_at else _("Đang xử lý")
    return Stage(
        at=run.arrived_at,
        label=_("Bước %(n)s: %(name)s") % {"n": run.step.position, "name": run.step.name},
        place=f"{run.unit.name} · {run.agency.name}",
        until=run.finished_at, progress=progress, is_step=True,
    )  # fmt: skip


def _event_stage(event: Event) -> Stage:
    return Stage(at=event.at, label=str(PUBLIC_ACTIONS[event.action].label))


def _runs(dossier: Dossier) -> list[StepRun]:
    qs = StepRun.objects.filter(dossier=dossier).select_related("step", "unit", "agency")
    return list(qs.only(*_STEP_FIELDS).order_by("arrived_at", "id"))


def _events(dossier: Dossier) -> list[Event]:
    qs = Event.objects.filter(dossier=dossier, action__in=list(PUBLIC_ACTIONS))
    return list(qs.only("action", "at").order_by("seq"))


def public_dossier(code: str) -> PublicDossier | None:
    """The public view of the dossier with this (normalised) code, or None if there is none."""
    if not is_plausible_code(code):
        return None
    dossier = (
        Dossier.objects.select_related(
            "procedure", "receiving_agency", "processing_agency", "applicant"
        )
        .only(*_DOSSIER_FIELDS)
        .filter(code=code)
        .first()
    )
    if dossier is None:
        return None
    runs = _runs(dossier)
    stages = [_event_stage(e) for e in _events(dossier)] + [_step_stage(r) for r in runs]
    # Chronological; at the same moment the move comes before the step it opens.
    stages.sort(key=lambda s: (s.at, s.is_step))
    current = next((r for r in runs if r.pk == dossier.current_step_id), None)
    return PublicDossier(
        code=dossier.code,
        applicant=dossier.applicant.masked_name(),
        procedure=dossier.procedure.name,
        procedure_code=dossier.procedure.national_code,
        receiving_agency=dossier.receiving_agency.name,
        processing_agency=dossier.processing_agency.name,
        status=dossier.status,
        status_label=str(dossier.get_status_display()),
        submitted_at=dossier.submitted_at,
        received_at=dossier.received_at,
        due_at=dossier.due_at,
        returned_at=dossier.returned_at,
        current=_step_stage(current) if current and current.finished_at is None else None,
        timeline=stages,
    )
