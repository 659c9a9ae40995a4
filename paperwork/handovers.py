"""The rows of the control sheet (Form 05): every time the dossier changed hands.

A hand-over is the end of one step run and the start of the next (the services close the run
and open the next one at the same moment), so the rows come from the step runs: who gave it
and from which unit, who received it and where, when, and whether the stage that ended was
early, on time or late (the run's `timeliness`, stamped by the services when it closed). The
last row is the result going back to the applicant, when it has.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from itertools import pairwise

from dossiers.models import Dossier, StepRun
from paperwork import text


@dataclass(frozen=True)
class HandOver:
    """One row of the control sheet."""

    number: int
    giver_unit: str
    receiver_unit: str
    at: dt.datetime
    giver: str
    receiver: str
    timeliness: str  # Timeliness code: early, on_time, late
    timeliness_label: str
    note: str

    @property
    def moment(self) -> str:
        return text.moment(self.at)


def _person(run: StepRun, nobody: str = "(chưa phân công)") -> str:
    return str(run.assignee) if run.assignee_id else nobody


def _note(run: StepRun) -> str:
    if run.outcome == StepRun.Outcome.SENT_BACK:
        return f"{run.get_outcome_display()}: {run.note}".rstrip(": ")
    return run.note


def _row(number: int, run: StepRun, receiver_unit: str, receiver: str, at, note: str):
    return HandOver(
        number=number,
        giver_unit=str(run.unit),
        receiver_unit=receiver_unit,
        at=at,
        giver=_person(run),
        receiver=receiver,
        timeliness=run.timeliness,
        timeliness_label=run.get_timeliness_display(),
        note=note,
    )


def _return_row(number: int, dossier: Dossier, last: StepRun) -> HandOver | None:
    """The result handed to the applicant closes the counter's last step."""
    if dossier.returned_at is None or last.outcome != StepRun.Outcome.FINISHED:
        return None
    how = dossier.get_return_channel_display()
    row = _row(
        number, last, "Người nộp hồ sơ", dossier.applicant.name, dossier.returned_at,
        f"Trả kết quả: {how}" if how else "Trả kết quả",
    )  # fmt: skip
    # An electronic result is handed back by the system, with no officer at the counter.
    return replace(row, giver=_person(last, nobody="(hệ thống)"))


def hand_overs(dossier: Dossier) -> list[HandOver]:
    """The control-sheet rows of a dossier, in order (one query for the runs)."""
    runs = list(
        dossier.steps.select_related("unit__agency", "assignee__user").order_by("arrived_at", "pk")
    )
    rows = [
        _row(n, run, str(following.unit), _person(following), following.arrived_at, _note(run))
        for n, (run, following) in enumerate(pairwise(runs), 1)
    ]
    if runs and (last := _return_row(len(rows) + 1, dossier, runs[-1])):
        rows.append(last)
    return rows
