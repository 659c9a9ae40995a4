"""Cached reads of the catalogue and calendars, shared by the stories and the bulk engine."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from catalog.models import Procedure, ProcessStep, ProcessTemplate, RequiredDocument
from demo.histories.minutes import WorkingMinutes
from dossiers import services
from dossiers.services.reception import process_for, processing_agency_for
from org.models import Agency, OrgUnit
from workdays import clock


class Catalog:
    """Cached reads of the catalogue and calendars, shared by the stories and the bulk engine."""

    def __init__(self) -> None:
        self._clocks: dict[int, clock.WorkCalendar] = {}
        self._steps: dict[int, list[ProcessStep]] = {}
        self._process: dict[tuple[int, int | None], ProcessTemplate | None] = {}
        self._specific: dict[int, bool] = {}
        self._auto: dict[tuple[int, int], Agency] = {}
        self._units: dict[tuple[int, str], OrgUnit] = {}
        self._documents: dict[int, list[RequiredDocument]] = {}
        self._allotments: dict[int, tuple[Fraction, clock.Unit]] = {}
        self._minutes: dict[int, WorkingMinutes] = {}
        self.window: tuple[dt.date, dt.date] | None = None

    def minutes(self, agency: Agency) -> WorkingMinutes:
        """The stories' fast clock for the agency's calendar over the run's window."""
        if agency.calendar_id not in self._minutes:
            first, last = self.window
            self._minutes[agency.calendar_id] = WorkingMinutes(self.clock(agency), first, last)
        return self._minutes[agency.calendar_id]

    def clock(self, agency: Agency) -> clock.WorkCalendar:
        if agency.calendar_id not in self._clocks:
            self._clocks[agency.calendar_id] = agency.calendar.to_clock()
        return self._clocks[agency.calendar_id]

    def steps(self, template: ProcessTemplate | None) -> list[ProcessStep]:
        if template is None:
            return []
        if template.pk not in self._steps:
            self._steps[template.pk] = list(
                template.steps.select_related("acting_unit__agency").order_by("position")
            )
        return self._steps[template.pk]

    def process_for(self, procedure: Procedure, agency: Agency) -> ProcessTemplate | None:
        """reception.process_for, asked once per procedure unless some of its processes
        are meant for one agency only."""
        if procedure.pk not in self._specific:
            specific = procedure.processes.filter(agency__isnull=False).exists()
            self._specific[procedure.pk] = specific
        key = (procedure.pk, agency.pk if self._specific[procedure.pk] else None)
        if key not in self._process:
            self._process[key] = process_for(procedure, agency)
        return self._process[key]

    def auto_processing(self, procedure: Procedure, receiving: Agency) -> Agency:
        key = (procedure.pk, receiving.pk)
        if key not in self._auto:
            self._auto[key] = processing_agency_for(procedure, receiving, None)
        return self._auto[key]

    def allotment(self, step: ProcessStep) -> tuple[Fraction, clock.Unit]:
        """The step's allotment as an exact Fraction (the clock converts a Decimal to the same
        Fraction on every call otherwise)."""
        if step.pk not in self._allotments:
            self._allotments[step.pk] = (Fraction(step.allotment), clock.Unit(step.allotment_unit))
        return self._allotments[step.pk]

    def unit_for(self, step: ProcessStep, agency: Agency) -> OrgUnit:
        """steps._unit_for: the step's own unit, else the agency's first unit of that kind."""
        if step.acting_unit_id:
            return step.acting_unit
        key = (agency.pk, step.acting_unit_kind)
        if key not in self._units:
            unit = agency.units.filter(kind=step.acting_unit_kind).order_by("pk").first()
            if unit is None:
                raise services.RuleViolation(f"{agency.code} has no {step.acting_unit_kind}")
            unit.agency = agency
            self._units[key] = unit
        return self._units[key]

    def documents(self, procedure: Procedure) -> list[RequiredDocument]:
        if procedure.pk not in self._documents:
            self._documents[procedure.pk] = list(procedure.documents.all())
        return self._documents[procedure.pk]
