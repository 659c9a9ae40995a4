"""Routes: where a dossier of a procedure is received and which agency decides it."""

from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Procedure, ProcessTemplate, RequiredDocument
from demo.histories.caches import Catalog
from demo.histories.constants import PROCESS_ROLES
from org.models import Agency


@dataclass(frozen=True)
class Route:
    """Where a dossier of a procedure is received and who decides it.

    A procedure linked to a commune service centre is received there and decided by the
    People's Committee of the same commune (the centre has no specialist division); one linked
    to a department is received at the service centre of the department's territory. `auto`:
    the services pick the same processing agency by themselves, which online submission and
    reception guidance need (they take no processing agency)."""

    procedure: Procedure
    receiving: Agency
    processing: Agency
    auto_processing: Agency
    documents: tuple[RequiredDocument, ...]

    @property
    def auto(self) -> bool:
        return self.auto_processing.pk == self.processing.pk

    @property
    def is_commune(self) -> bool:
        return self.processing.kind == Agency.Kind.PEOPLES_COMMITTEE


def _demo_shaped(catalog: Catalog, template: ProcessTemplate | None) -> bool:
    if template is None or not template.is_demo:
        return False
    return tuple(step.role for step in catalog.steps(template)) == PROCESS_ROLES


def _by_territory(kind: str) -> dict[int, Agency]:
    agencies = Agency.objects.filter(kind=kind, is_demo=True).order_by("code")
    found: dict[int, Agency] = {}
    for agency in agencies.select_related("calendar", "territory"):
        found.setdefault(agency.territory_id, agency)
    return found


def load_routes(catalog: Catalog) -> list[Route]:
    """Every (procedure, receiving centre, processing agency) the demo can use: procedures with
    a demo internal process of the demo shape, linked to demo agencies."""
    centres = _by_territory(Agency.Kind.SERVICE_CENTRE)
    committees = _by_territory(Agency.Kind.PEOPLES_COMMITTEE)
    procedures = (
        Procedure.objects.filter(processes__is_demo=True)
        .distinct()
        .select_related("field")
        .prefetch_related("agencies__calendar", "documents")
        .order_by("national_code", "version")
    )
    routes = []
    for procedure in procedures:
        for linked in procedure.agencies.all():
            route = _route(procedure, linked, centres, committees)
            if route and _demo_shaped(catalog, catalog.process_for(procedure, route.processing)):
                routes.append(route)
    return routes


def _route(procedure: Procedure, linked: Agency, centres, committees) -> Route | None:
    if not linked.is_demo:
        return None
    if linked.kind == Agency.Kind.SERVICE_CENTRE:
        receiving, processing = linked, committees.get(linked.territory_id)
    else:
        receiving, processing = centres.get(linked.territory_id), linked
    if receiving is None or processing is None:
        return None
    # What reception.processing_agency_for answers; a linked centre is its own answer.
    auto = receiving if receiving is linked else _processing_agency_for(procedure, receiving)
    return Route(
        procedure=procedure,
        receiving=receiving,
        processing=processing,
        auto_processing=auto,
        documents=tuple(procedure.documents.all()),
    )


def _processing_agency_for(procedure: Procedure, receiving: Agency) -> Agency:
    """reception.processing_agency_for(procedure, receiving, None) by primary keys: the
    service's `receiving in handlers` compares model instances one by one, which over the
    catalogue's thousands of links was most of the time of `prepare`. Same answer."""
    handlers = list(procedure.agencies.all())  # prefetched by load_routes
    if not handlers or receiving.id in {a.id for a in handlers}:
        return receiving
    territory = receiving.territory_id
    return next((a for a in handlers if a.territory_id == territory), handlers[0])
