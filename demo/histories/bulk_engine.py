"""The bulk engine: the service functions' moves made in memory and written in bulk."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import models
from django.db.models.base import ModelState
from django.utils import timezone

from catalog.models import Procedure, ProcessStep, ProcessTemplate
from demo.histories.bulk_moves import _BulkMoves
from demo.histories.bulk_rows import (
    _applicant_key,
    _defaults,
    _Ids,
    _insert,
    _insert_applicants_shared,
    _known_applicants,
    _merge_applicant,
    _SequenceIds,
    _Sim,
)
from demo.histories.caches import Catalog
from demo.histories.constants import HOURS
from demo.histories.plans import Plan
from dossiers import services
from dossiers.lifecycle import Move, Status, check_move
from dossiers.models import (
    ApologyLetter,
    Applicant,
    Consultation,
    Document,
    Dossier,
    Event,
    Pause,
    Result,
    StepRun,
    SupplementRequest,
)
from dossiers.models.dossier import Channel
from dossiers.models.work import Timeliness
from dossiers.services import Actor, ApplicantData
from dossiers.services.core import GENESIS_HASH, legal_unit, pause_unit, paused_amount
from dossiers.services.reception import dossier_code, reserve_numbers
from org.models import Agency, Official, Role
from workdays import clock


class PendingCode:
    """A dossier's code before its number is reserved (`BulkEngine.flush`); str() once it is."""

    __slots__ = ("agency", "day", "value")

    def __init__(self, agency: Agency, day: dt.date) -> None:
        self.agency, self.day, self.value = agency, day, ""

    @property
    def key(self) -> tuple[int, dt.date]:
        return (self.agency.pk, self.day)

    def __str__(self) -> str:
        return self.value


class BulkEngine(_BulkMoves):
    """The same moves as the service functions, made in memory and written in bulk.

    Each method mirrors the service function of the same name for the cases the stories use:
    the same lifecycle check, the same fields, the same event action, note and data (including
    how each moment is written in the data: values the service reads back from the database
    are in UTC, values it has just computed are in the calendar's zone). It assumes nobody else
    receives dossiers at the demo agencies while it runs (a demo loader).

    Codes and the events' hash chain are settled when a chunk is written (`flush`): the
    numbers of each (agency, day) are reserved then, with the services' atomic upsert, for all
    the chunk's dossiers at once, in the order the services would have taken them; the events
    that quote a code are hashed after. So several engines in several processes
    (`shared=True`, PostgreSQL) can write at once without two dossiers sharing a code.
    When a service function changes what it writes, this mirror must follow: the row-by-row
    comparison in tests/test_demo_histories.py fails until it does.
    """

    INSERT_ORDER = (
        Applicant, Dossier, StepRun, Document, SupplementRequest, Pause, ApologyLetter,
        Consultation, Result, Event,
    )  # fmt: skip

    def __init__(self, catalog: Catalog, *, shared: bool = False) -> None:
        self.catalog = catalog
        self.shared = shared  # other processes write at the same time (PostgreSQL)
        with_ids = [Applicant, Dossier, StepRun, Consultation]
        self.ids = _SequenceIds(with_ids) if shared else _Ids(with_ids)
        self.sims: dict[int, _Sim] = {}
        self.rows: dict[type[models.Model], list[models.Model]] = defaultdict(list)
        self.codes: list[PendingCode] = []
        self.applicants: dict[tuple[str, str], Applicant] = {}
        self.new_applicants: set[int] = set()
        self.changed_applicants: dict[int, Applicant] = {}
        self.defaults: dict[type[models.Model], dict] = {}
        self.zone = timezone.get_current_timezone()

    # -- chunk life cycle

    def begin_chunk(self) -> None:
        self.ids.reset()
        self.sims.clear()
        self.applicants.clear()
        self.new_applicants.clear()

    def prepare(self, plans: list[Plan]) -> None:
        """Read the applicants the chunk will meet (one query)."""
        for applicant in _known_applicants([p.applicant for p in plans]):
            self.applicants[_applicant_key(applicant)] = applicant

    def _add(self, model: type[models.Model], cache: dict | None = None, /, **values):
        """A row to insert, built without Model.__init__ (it dominated the run time); `cache`
        holds related objects the engine reads back (as a fetched instance would)."""
        defaults = self.defaults.get(model)
        if defaults is None:
            defaults = self.defaults[model] = _defaults(model)
        obj = model.__new__(model)
        obj.__dict__.update(defaults)
        obj.__dict__.update(values)
        obj._state = ModelState()
        if cache:
            obj._state.fields_cache.update(cache)
        self.rows[model].append(obj)
        return obj

    def flush(self) -> None:
        dossiers = self.rows.get(Dossier, [])
        self._settle_codes()
        for dossier in dossiers:
            dossier.code = str(dossier.code)
            dossier.copy_current_step()  # as save_changed does after each move
        self._hash_events()
        if self.shared:
            moved = _insert_applicants_shared(self.rows.pop(Applicant, []))
            for dossier in dossiers:
                dossier.applicant_id = moved.get(dossier.applicant_id, dossier.applicant_id)
        for model in self.INSERT_ORDER:
            _insert(model, self.rows.pop(model, []), with_pk=model in self.ids.models)
        if self.changed_applicants:
            fields = [f.name for f in Applicant._meta.concrete_fields if not f.primary_key]
            changed = sorted(self.changed_applicants.values(), key=lambda a: a.pk)
            Applicant.objects.bulk_update(changed, fields)
            self.changed_applicants.clear()
        self.ids.sync_sequences()

    def _settle_codes(self) -> None:
        """Reserve the chunk's code numbers (one upsert) and give them out in creation order."""
        counts: dict[tuple[int, dt.date], int] = defaultdict(int)
        for code in self.codes:
            counts[code.key] += 1
        number = reserve_numbers(counts)
        for code in self.codes:
            code.value = dossier_code(code.agency, code.day, number[code.key])
            number[code.key] += 1
        self.codes.clear()

    def _hash_events(self) -> None:
        """append_event's hash chain, link by link in the order the moves made them, once the
        codes the events quote are known."""
        last: dict[int, str] = {}
        for event in self.rows.get(Event, []):
            if any(isinstance(v, PendingCode) for v in event.data.values()):
                event.data = {k: str(v) if isinstance(v, PendingCode) else v
                              for k, v in event.data.items()}  # fmt: skip
            dossier = self.sims[event.dossier_id].dossier
            event.prev_hash = last.get(event.dossier_id) or dossier.last_event_hash or GENESIS_HASH
            event.hash = last[event.dossier_id] = event.compute_hash()
        for pk, value in last.items():
            self.sims[pk].dossier.last_event_hash = value

    def do(self, move: str, **kwargs):
        return getattr(self, move)(**kwargs)

    def state(self, pk: int) -> tuple[str, dt.datetime | None]:
        dossier = self.sims[pk].dossier
        return dossier.status, dossier.due_at

    # -- shared helpers (mirrors of dossiers.services.core, reception and steps)

    def _next_code(self, agency: Agency, day: dt.date) -> PendingCode:
        """reception.next_code, its number reserved when the chunk is written."""
        code = PendingCode(agency, day)
        self.codes.append(code)
        return code

    def _applicant(self, data: ApplicantData | Applicant) -> Applicant:
        """find_or_create_applicant: by personal ID or tax code; the latest details win."""
        if isinstance(data, Applicant):
            return data
        candidate = Applicant(**data.__dict__)
        key = _applicant_key(candidate)
        existing = self.applicants.get(key)
        if existing is None:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
            candidate.pk = self.ids.take(Applicant)
            self.new_applicants.add(candidate.pk)
            self.rows[Applicant].append(candidate)
            self.applicants[key] = candidate
            return candidate
        if _merge_applicant(existing, candidate) and existing.pk not in self.new_applicants:
            self.changed_applicants[existing.pk] = existing
        return existing

    def _sim(self, pk: int, move: Move) -> tuple[_Sim, str]:
        """Take the dossier and check the move against the lifecycle table."""
        sim = self.sims[pk]
        before = sim.dossier.status
        sim.dossier.status = check_move(before or None, move)
        return sim, before

    def _new_dossier(
        self, *, route_procedure: Procedure, applicant, receiving: Agency, processing: Agency,
        channel: str, delivery: str, delivery_address: str, status: Status, at: dt.datetime,
    ) -> _Sim:  # fmt: skip
        person = self._applicant(applicant)
        template = self.catalog.process_for(route_procedure, processing)
        dossier = self._dossier(
            code=self._next_code(receiving, self._localdate(at)), procedure=route_procedure,
            process=template, receiving_agency=receiving, processing_agency=processing,
            applicant=person, channel=channel, delivery=delivery,
            delivery_address=delivery_address, status=status,
            submitted_at=at if channel == Channel.ONLINE else None,
            fee_amount=route_procedure.fee_amount,
        )  # fmt: skip
        return self._register(dossier, template)

    def _dossier(self, **values) -> Dossier:
        """A new Dossier row: related objects are given as objects, kept for reading back."""
        related = {
            name: values.pop(name)
            for name in ("procedure", "process", "receiving_agency", "processing_agency",
                         "applicant", "transferred_from")
            if name in values
        }  # fmt: skip
        ids = {f"{name}_id": obj.pk if obj else None for name, obj in related.items()}
        return self._add(Dossier, related, id=self.ids.take(Dossier), **ids, **values)

    def _register(self, dossier: Dossier, template: ProcessTemplate | None) -> _Sim:
        sim = _Sim(
            dossier=dossier,
            cal=self.catalog.clock(dossier.processing_agency),
            steps=self.catalog.steps(template),
        )
        self.sims[dossier.pk] = sim
        return sim

    def _documents(
        self, sim: _Sim, components, role: str, by: Official | None, at: dt.datetime
    ) -> None:
        for c in components:
            self._add(
                Document, dossier_id=sim.dossier.pk, role=role,
                required_document_id=c.required_document_id, name=c.name[:500], kind=c.kind,
                count=c.count, reused_from_id=c.reused_from_id,
                digitised=c.file is not None or c.reused_from_id is not None,
                uploaded_by_id=by.pk if by else None, uploaded_at=at,
            )  # fmt: skip

    def _event(
        self, sim: _Sim, move: Move, actor: Actor, at: dt.datetime, before: str,
        on_behalf_of: Official | None = None, note: str = "", data: dict | None = None,
    ) -> None:  # fmt: skip
        """append_event: the next link of the dossier's chain (hashed in `flush`)."""
        dossier = sim.dossier
        event = self._add(
            Event, dossier_id=dossier.pk, seq=dossier.last_event_seq + 1,
            action=f"dossier.{move.value}", actor_id=actor.official.pk if actor.official else None,
            actor_unit_id=actor.official.unit_id if actor.official else None,
            actor_label=actor.label, on_behalf_of_id=on_behalf_of.pk if on_behalf_of else None,
            role=actor.role, at=at, status_before=before or "", status_after=dossier.status,
            note=note, data=data or {},
        )  # fmt: skip
        dossier.last_event_seq = event.seq

    def _compute_due(self, sim: _Sim) -> dt.datetime:
        """core.compute_due: from the clock start (or the last apology), legal time, pauses."""
        dossier, cal = sim.dossier, sim.cal
        unit = legal_unit(dossier)
        if sim.apologies:
            # order_by("-issued_at", "-pk").first(): the latest made wins a tie.
            apology = max(reversed(sim.apologies), key=lambda a: a.issued_at)
            # Read back from the database by the service: in UTC.
            base, since = apology.new_due_at.astimezone(dt.UTC), apology.issued_at
        else:
            amount = dossier.procedure.legal_time_amount or 0
            base, since = clock.add_working(cal, dossier.clock_start, amount, unit), None
        extra = paused_amount(cal, sim.pauses, unit, since)
        if extra == 0:
            return base
        return clock.add_working(cal, base, extra, pause_unit(unit))

    def _start_clock(self, sim: _Sim, officer: Official | None, at: dt.datetime) -> None:
        dossier = sim.dossier
        dossier.received_at = at
        dossier.clock_start = clock.normalise_reception(sim.cal, at)
        dossier.due_at = dossier.original_due_at = self._compute_due(sim)
        self._open_first_step(sim, officer, at)

    def _open_first_step(self, sim: _Sim, officer: Official | None, at: dt.datetime) -> None:
        if not sim.steps:
            sim.dossier.current_step = None
            return
        first = sim.steps[0]
        assignee = officer if officer and first.role == Role.COUNTER_OFFICER else None
        self._open_step(sim, first, at, assignee)

    def _open_step(
        self, sim: _Sim, step: ProcessStep, at: dt.datetime, assignee: Official | None = None
    ) -> StepRun:
        dossier = sim.dossier
        agency = (
            dossier.receiving_agency
            if step.role == Role.COUNTER_OFFICER
            else dossier.processing_agency
        )
        # steps.open_step first snaps `at` to a working moment; that moment has the same
        # position on the working timeline, so adding from `at` gives the same due moment.
        due = self._step_due(sim, step, at)
        org_unit = self.catalog.unit_for(step, agency)
        run = self._add(
            StepRun, {"step": step, "unit": org_unit, "assignee": assignee},
            id=self.ids.take(StepRun), dossier_id=dossier.pk, step_id=step.pk,
            agency_id=agency.pk, unit_id=org_unit.pk, assignee_id=assignee.pk if assignee else None,
            arrived_at=at, assigned_at=at if assignee else None,
            started_at=at if assignee else None, due_at=due,
        )  # fmt: skip
        sim.runs.append(run)
        dossier.current_step = run
        return run

    def _step_due(self, sim: _Sim, step: ProcessStep, at: dt.datetime) -> dt.datetime:
        """add_working(at, allotment); a whole number of working minutes (the demo allots
        quarter hours) goes through the stories' table, which answers as the clock does."""
        allotment, unit = self.catalog.allotment(step)
        minutes = allotment * 60
        if unit is HOURS and minutes.denominator == 1:
            return self.catalog.minutes(sim.dossier.processing_agency).add(at, int(minutes))
        return clock.add_working(sim.cal, at, allotment, unit)

    def _localdate(self, moment: dt.datetime) -> dt.date:
        """timezone.localdate without its per-call look-up of the active zone."""
        return moment.astimezone(self.zone).date()

    def _close_run(self, run: StepRun, at: dt.datetime, outcome: str, note: str = "") -> None:
        """steps.close_run, with core.timeliness: early when finished on an earlier day than
        the due day, late when after the due moment."""
        run.finished_at, run.outcome, run.note = at, outcome, note
        if at > run.due_at:
            run.timeliness = Timeliness.LATE
        elif self._localdate(at) < self._localdate(run.due_at):
            run.timeliness = Timeliness.EARLY
        else:
            run.timeliness = Timeliness.ON_TIME

    @staticmethod
    def _current(sim: _Sim) -> StepRun:
        run = sim.dossier.current_step
        if run is None or run.finished_at is not None:
            raise services.RuleViolation("no open step")
        return run

    def _step_at(self, sim: _Sim, run: StepRun, offset: int) -> ProcessStep | None:
        position = run.step.position + offset
        return next((s for s in sim.steps if s.position == position), None)
