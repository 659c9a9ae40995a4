"""What the public tracking page (P5) may show of a dossier: a projection of the internal state.

The page is open to anyone holding the code, and codes are sequential, so it shows only what a
stranger may see: the procedure, agencies, units and dates, the applicant's name masked
(`Applicant.masked_name`), never the ID number, phone, email, address, files, notes or officials'
names. A refusal is shown as "has a result" like an approval: its content is for the applicant.

Two queries for a found dossier (the dossier with its procedure, agencies and applicant's
name, and the numbers that say whether it changed; its step runs and public events), one for
an unknown code and for a dossier whose page is cached (`tracking.rendered`). The page is
benchmarked, so each query is compiled by the ORM once per process and then run with new values
(`motcua.compiled_sql.Prepared`): compiling costs about ten times what SQLite takes to answer
these indexed reads. The dossier's row is read fresh at every request, and the cached page is
used only while that row is unchanged: a move shows at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import CharField, DateTimeField, IntegerField, QuerySet, Subquery, Value

from dossiers.lifecycle import OPEN, Move, Status
from dossiers.models import Applicant, Dossier, Event, StepRun
from motcua.compiled_sql import Prepared, moment
from motcua.text import unaccent
from stats.generation import NAMES
from stats.models import SummaryGeneration
from tracking import texts

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
    "id", "code", "status", "submitted_at", "received_at", "due_at", "returned_at",
    "current_step_id", "procedure__name", "procedure__national_code", "receiving_agency__name",
    "processing_agency__name", "applicant__name",
)  # fmt: skip
_STEP_FIELDS = (
    "id", "arrived_at", "finished_at", "timeliness", "step__position", "step__name",
    "unit__name", "agency__name",
)  # fmt: skip
# Stand for the values in a compiled query (motcua.compiled_sql): no code or id equals them.
CODE_MARK, ID_MARK = "\x00tracking-code\x00", -770_077


def _dossier_query(code: str) -> QuerySet:
    """The public fields, then what says whether anything shown changed: the number of the
    dossier's latest event and the names' number (see `tracking.rendered`)."""
    generation = SummaryGeneration.objects.filter(pk=NAMES).values("n")
    found = Dossier.objects.filter(code=code).annotate(generation=Subquery(generation))
    return found.values_list(*_DOSSIER_FIELDS, "last_event_seq", "generation")


DOSSIER_ROW = Prepared("tracking.dossier", _dossier_query, code=CODE_MARK)


def _timeline_query(dossier_id: int) -> QuerySet:
    """The step runs and the public events of a dossier in one query (UNION ALL), each row
    (kind, order, at, finished_at, timeliness or action, step position, step, unit, agency):
    kind 0 for an event (ordered by its sequence number), 1 for a step run (by its id)."""
    steps = StepRun.objects.filter(dossier_id=dossier_id).order_by().values_list(
        Value(1, IntegerField()), "id", "arrived_at", "finished_at", "timeliness",
        "step__position", "step__name", "unit__name", "agency__name",
    )  # fmt: skip
    events = Event.objects.filter(dossier_id=dossier_id, action__in=list(PUBLIC_ACTIONS))
    events = events.order_by().values_list(
        Value(0, IntegerField()), "seq", "at", Value(None, DateTimeField()), "action",
        Value(None, IntegerField()), *[Value(None, CharField())] * 3,
    )  # fmt: skip
    return steps.union(events, all=True)


TIMELINE_ROWS = Prepared("tracking.timeline", _timeline_query, dossier_id=ID_MARK)


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


def _step_stage(row: tuple, t: dict[str, str], timeliness: dict[str, str]) -> Stage:
    _kind, _id, arrived_at, finished_at, done, position, name, unit, agency = row
    # Once finished, what `get_timeliness_display()` shows.
    progress = t["Đang xử lý"] if finished_at is None else timeliness.get(done, done)
    return Stage(
        at=moment(arrived_at), label=t["Bước %(n)s: %(name)s"] % {"n": position, "name": name},
        place=f"{unit} · {agency}", until=moment(finished_at), progress=progress, is_step=True,
    )  # fmt: skip


def _stages(rows: list[tuple]) -> list[Stage]:
    """Chronological; at the same moment the move comes before the step it opens; moves in
    the order they were recorded, step runs in the order they were created."""
    tables = texts.tables()
    rows.sort(key=lambda row: (row[2], row[0], row[1]))
    return [
        _step_stage(row, tables.texts, tables.timeliness) if row[0] else
        Stage(at=moment(row[2]), label=tables.moves[PUBLIC_ACTIONS[row[4]]])
        for row in rows
    ]  # fmt: skip


def dossier_row(code: str) -> tuple | None:
    """The dossier's row (its public fields, latest event number and the names' number),
    or None if no dossier has this (normalised) code."""
    if not is_plausible_code(code):
        return None
    found = DOSSIER_ROW.rows(code=code)
    return found[0] if found else None


def from_row(row: tuple) -> PublicDossier:
    """The public view of a dossier read by `dossier_row`: its timeline is read now."""
    (pk, code, status, submitted, received, due, returned, current_id, *names, _seq, _gen) = row
    procedure, procedure_code, receiving, processing, applicant = names
    rows = TIMELINE_ROWS.rows(dossier_id=pk)
    current = next((r for r in rows if r[0] and r[1] == current_id and r[3] is None), None)
    tables = texts.tables()
    return PublicDossier(
        code=code, applicant=Applicant(name=applicant).masked_name(), procedure=procedure,
        procedure_code=procedure_code, receiving_agency=receiving, processing_agency=processing,
        status=status, status_label=tables.statuses.get(status, status),
        submitted_at=moment(submitted), received_at=moment(received), due_at=moment(due),
        returned_at=moment(returned),
        current=_step_stage(current, tables.texts, {}) if current else None,
        timeline=_stages(rows),
    )  # fmt: skip
