"""Who may see and act on which dossier: the one access function per object kind (X4).

- Officials of an agency (counter officers, heads, leaders) see the dossiers their agency
  received, processes, holds a step of, or was consulted on, and act on them.
- Specialists see only dossiers with a step in their own unit, or a consultation to their agency.
- Overseers (Department of Home Affairs) read every dossier and act on none.
- Admins configure the system and do not process: no dossier is visible to them.

Unknown and forbidden objects get the same 404, so a code or number reveals nothing. Every view
that shows an applicant's personal data calls `log_personal_read`.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpRequest

from access import identity
from access.models import AccessLog
from dossiers.models import Consultation, Document, Dossier, StepRun
from motcua.compiled_sql import Prepared
from org.models import Official, OfficialRole, Role

PROCESSING_ROLES = {Role.COUNTER_OFFICER, Role.SPECIALIST, Role.HEAD, Role.LEADER}
AGENCY_WIDE_ROLES = {Role.COUNTER_OFFICER, Role.HEAD, Role.LEADER}


def official_of(user) -> Official | None:
    """The active official behind a signed-in user, with roles, unit and agency loaded, or
    None. Every back-office request asks. A user signed in through `access.backends` already
    carries it (`access.identity`: one read for user, official and devices); any other user
    costs two reads compiled once per process (`motcua.compiled_sql`), the instances built as
    the ORM builds them: its own select_related and prefetch_related cost four times what the
    database takes."""
    if not getattr(user, "is_authenticated", False):
        return None
    if hasattr(user, identity.OFFICIAL_ATTRIBUTE):
        return getattr(user, identity.OFFICIAL_ATTRIBUTE)
    found = OFFICIAL_ROW.rows(user_id=user.pk)
    if not found:
        return None
    official, unit, agency = identity.official_parts(found[0])
    roles = [
        OfficialRole.from_db(connection.alias, identity.ROLE_FIELDS, row)
        for row in ROLE_ROWS.rows(official_id=official.pk)
    ]
    return identity.assemble(official, unit, agency, roles, user)


OFFICIAL_ROW = Prepared(
    "access.official",
    lambda user_id: Official.objects.filter(user_id=user_id, is_active=True).values_list(
        *identity.OFFICIAL_PATHS
    ),
    typed=True,
    user_id=-7_000_011,
)
ROLE_ROWS = Prepared(
    "access.roles",
    lambda official_id: (
        OfficialRole.objects.filter(official_id=official_id)
        .order_by("pk")
        .values_list(*identity.ROLE_FIELDS)
    ),
    typed=True,
    official_id=-7_000_012,
)


def reads_all(official: Official) -> bool:
    return Role.OVERSEER in official.role_codes()


def may_process(official: Official) -> bool:
    """Holds a role that processes dossiers (admins and overseers alone do not)."""
    return bool(official.role_codes() & PROCESSING_ROLES)


def _acting_filter(official: Official) -> Q:
    """Dossiers this official may act on (and so also read)."""
    roles = official.role_codes()
    agency_id = official.unit.agency_id
    consulted = Exists(Consultation.objects.filter(dossier=OuterRef("pk"), agency_id=agency_id))
    if roles & AGENCY_WIDE_ROLES:
        stepped = Exists(StepRun.objects.filter(dossier=OuterRef("pk"), agency_id=agency_id))
        return (
            Q(receiving_agency_id=agency_id)
            | Q(processing_agency_id=agency_id)
            | Q(stepped)
            | Q(consulted)
        )
    if Role.SPECIALIST in roles:
        in_unit = Exists(StepRun.objects.filter(dossier=OuterRef("pk"), unit_id=official.unit_id))
        return Q(in_unit) | Q(consulted)
    return Q(pk__in=[])


def readable_dossiers(official: Official | None) -> QuerySet[Dossier]:
    """Every dossier `official` may read."""
    if official is None:
        return Dossier.objects.none()
    if reads_all(official):
        return Dossier.objects.all()
    return Dossier.objects.filter(_acting_filter(official))


def actionable_dossiers(official: Official | None) -> QuerySet[Dossier]:
    """Every dossier `official` may act on (overseers and admins: none)."""
    if official is None or not may_process(official):
        return Dossier.objects.none()
    return Dossier.objects.filter(_acting_filter(official))


def dossier_or_404(official: Official | None, code: str) -> Dossier:
    """The dossier with this code if `official` may read it; else the same 404 as unknown."""
    dossier = readable_dossiers(official).filter(code=code).first()
    if dossier is None:
        raise Http404("no such dossier")
    return dossier


def may_act_on(official: Official | None, dossier: Dossier) -> bool:
    return actionable_dossiers(official).filter(pk=dossier.pk).exists()


def document_or_404(official: Official | None, pk: int) -> Document:
    """A dossier component, visible exactly when its dossier is."""
    document = (
        Document.objects.filter(pk=pk, dossier__in=readable_dossiers(official))
        .select_related("dossier__applicant")
        .first()
    )
    if document is None:
        raise Http404("no such document")
    return document


def log_personal_read(request: HttpRequest, dossier: Dossier, what: str) -> AccessLog:
    """Record that the signed-in user read the applicant's personal data on `dossier`."""
    official = getattr(request, "official", None)
    agency = official.unit.agency.name if official is not None else ""
    return AccessLog.objects.create(
        user=request.user, official=official, agency_name=agency, dossier=dossier,
        applicant_id=dossier.applicant_id, what=what,
    )  # fmt: skip
