"""Step runs along the internal process: who holds the dossier now, until when (Form 05 rows).

Helpers for the move functions; they never commit on their own and never set a status.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from catalog.models import ProcessStep
from dossiers.models import Dossier, StepRun
from dossiers.services.core import RuleViolation, pause_unit, timeliness, work_calendar
from motcua.compiled_sql import PreparedInstances, insert_row, save_fields
from org.models import Agency, Official, OrgUnit, Role
from workdays import clock

# Reads every move makes, compiled once per process (motcua.compiled_sql).
PROCESS_STEPS = PreparedInstances(
    "steps.of_process",
    lambda template_id: (
        ProcessStep.objects.filter(template_id=template_id)
        .order_by("position")
        .select_related("acting_unit")
    ),
    template_id=-7_000_044,
)
CURRENT_RUN = PreparedInstances(  # read after the lock on PostgreSQL (core.lock says why)
    "steps.current_run",
    lambda pk: StepRun.objects.select_related("step").filter(pk=pk).order_by(),
    pk=-7_000_053,
)


def _unit_of_kind(agency_id: int, kind: str) -> QuerySet[OrgUnit]:
    return OrgUnit.objects.filter(agency_id=agency_id, kind=kind).order_by("pk")[:1]


UNIT_OF_KIND = PreparedInstances(
    "steps.unit_of_kind", _unit_of_kind, agency_id=-7_000_045, kind="\x00no-kind\x00"
)


def _move_cache(dossier: Dossier) -> dict:
    """Rows one move looks up more than once (the process's steps, the acting units).

    Kept on the dossier instance, which lives for one move (every move re-reads the dossier
    under its row lock, `core.lock`) or one request of a page: nothing here outlives the
    transaction or request that read it, so an admin's edit to a process or a unit is seen
    by the next move."""
    return dossier.__dict__.setdefault("_move_cache", {})


def _unit_for(step: ProcessStep, agency: Agency, cache: dict | None = None) -> OrgUnit:
    if step.acting_unit_id:
        return step.acting_unit
    key = ("unit", agency.pk, step.acting_unit_kind)
    if cache is not None and key in cache:
        unit = cache[key]
    else:
        unit = UNIT_OF_KIND.first(agency_id=agency.pk, kind=step.acting_unit_kind)
        if unit is not None:
            unit.agency = agency  # its name is shown with the agency's: no second query
        if cache is not None:
            cache[key] = unit
    if unit is None:
        raise RuleViolation(
            _("%(agency)s chưa có đơn vị loại “%(kind)s” cho bước “%(step)s”.")
            % {"agency": agency.name, "kind": step.get_acting_unit_kind_display(), "step": step}
        )
    return unit


def _agency_for(dossier: Dossier, step: ProcessStep) -> Agency:
    """Counter steps happen where the dossier was received; the others at the processing agency."""
    if step.role == Role.COUNTER_OFFICER:
        return dossier.receiving_agency
    return dossier.processing_agency


def _steps(dossier: Dossier) -> list[ProcessStep]:
    """The process's steps in order: one query per move, however often a move asks."""
    if dossier.process_id is None:
        return []
    cache = _move_cache(dossier)
    key = ("steps", dossier.process_id)
    if key not in cache:
        cache[key] = PROCESS_STEPS.fetch(template_id=dossier.process_id)
    return cache[key]


def current_run(dossier: Dossier) -> StepRun | None:
    """The dossier's current step run with its step, in one query instead of two."""
    if dossier.current_step_id is None:
        return None
    if "current_step" in dossier._state.fields_cache:
        return dossier.current_step
    run = CURRENT_RUN.first(pk=dossier.current_step_id)
    if run is None:
        raise StepRun.DoesNotExist(f"no step run {dossier.current_step_id}")
    dossier.current_step = run
    return run


def open_step(
    dossier: Dossier, step: ProcessStep, at: dt.datetime, assignee: Official | None = None
) -> StepRun:
    """A step run arrives at its unit now; due after the step's allotment of working time."""
    agency = _agency_for(dossier, step)
    cal = work_calendar(dossier.processing_agency)
    start = clock.add_working(cal, at, 0, clock.Unit.WORKING_HOURS)
    due = clock.add_working(cal, start, step.allotment, clock.Unit(step.allotment_unit))
    run = StepRun(
        dossier=dossier, step=step, agency=agency,
        unit=_unit_for(step, agency, _move_cache(dossier)),
        assignee=assignee, arrived_at=at, assigned_at=at if assignee else None,
        started_at=at if assignee else None, due_at=due,
    )  # fmt: skip
    insert_row(run)
    dossier.current_step = run
    return run


def open_first_step(dossier: Dossier, officer: Official | None, at: dt.datetime) -> None:
    steps = _steps(dossier)
    if not steps:
        dossier.current_step = None
        return
    first = steps[0]
    assignee = officer if officer and first.role == Role.COUNTER_OFFICER else None
    open_step(dossier, first, at, assignee)


def close_run(
    run: StepRun, at: dt.datetime, outcome: str, note: str = "", dossier: Dossier | None = None,
    also: tuple[str, ...] = (),
) -> None:  # fmt: skip
    """Finish a step run, saving with it the fields in `also` the caller just set (one UPDATE);
    with `dossier`, the move's counts (stats) find the closed run without a query."""
    if dossier is not None:
        _move_cache(dossier)[("closed_run", run.pk)] = run
    run.finished_at = at
    run.outcome = outcome
    run.timeliness = timeliness(at, run.due_at)
    run.note = note
    save_fields(run, ["finished_at", "outcome", "timeliness", "note", *also])


def step_after(dossier: Dossier, run: StepRun, offset: int) -> ProcessStep | None:
    position = run.step.position + offset
    for step in _steps(dossier):
        if step.position == position:
            return step
    return None


def return_step(dossier: Dossier) -> ProcessStep | None:
    """The final counter step that hands the result back, if the process has one."""
    steps = _steps(dossier)
    if steps and steps[-1].role == Role.COUNTER_OFFICER:
        return steps[-1]
    return None


def last_assignee(dossier: Dossier, step: ProcessStep) -> Official | None:
    runs = dossier.steps.filter(step=step).exclude(assignee=None)
    run = runs.order_by("-arrived_at", "-pk").first()
    return run.assignee if run else None


def unit_of_step(dossier: Dossier, step: ProcessStep) -> OrgUnit:
    return _unit_for(step, _agency_for(dossier, step), _move_cache(dossier))


def check_can_take(official: Official, step: ProcessStep, unit: OrgUnit) -> None:
    """Who may hold a step: an active official of the step's unit with the step's role."""
    roles = official.role_codes()
    if official.unit_id != unit.pk or step.role not in roles or not official.is_active:
        raise RuleViolation(
            _(
                "Người nhận bước “%(step)s” phải thuộc đơn vị xử lý bước này (%(unit)s) và có "
                "vai trò “%(role)s”; %(person)s không đáp ứng."
            )
            % {"person": official, "unit": unit, "role": Role(step.role).label, "step": step}
        )


def closed_in_move(dossier: Dossier, run_id: int) -> StepRun | None:
    """The step run with this id if the current move closed it (see `close_run`)."""
    return _move_cache(dossier).get(("closed_run", run_id))


def require_current(dossier: Dossier) -> StepRun:
    run = current_run(dossier)
    if run is None or run.finished_at is not None:
        raise RuleViolation(_("Hồ sơ không có bước xử lý đang mở."))
    return run


def shift_current_step(dossier: Dossier, amount, unit: clock.Unit) -> None:
    """After a pause, the open step's due moment moves by the paused working time."""
    run = dossier.current_step
    if run is None or run.finished_at is not None or amount == 0:
        return
    cal = work_calendar(dossier.processing_agency)
    run.due_at = clock.add_working(cal, run.due_at, amount, pause_unit(unit))
    run.warned_at = None
    run.save(update_fields=["due_at", "warned_at"])
