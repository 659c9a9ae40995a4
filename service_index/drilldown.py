"""The dossiers (or procedures) behind each figure of the index, as querysets.

`behind(code, scope, period, part)` gives the rows counted in the figure's numerator or
denominator: their count equals the figure's number (the tests check it), so a page can list
them under the figure (for the average processing time, both parts are the dossiers resolved,
whose working minutes make the numerator). They read the dossiers and their timing rows
(stats.DossierTiming) directly, filtered to the scope's agencies (processing agency). Open
dossiers are judged at `Period.judged_moment(now)`, as the figures are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from catalog.models import Procedure
from dossiers.models import Document, Dossier, Result
from dossiers.models.dossier import Channel
from dossiers.models.work import Timeliness
from service_index.compute import Scope
from service_index.gathering import ONLINE_LEVELS, gather
from service_index.periods import Period

NUMERATOR, DENOMINATOR = "numerator", "denominator"


def _window(period: Period, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return period.start, period.judged_moment(now)


def _ended(start: dt.datetime, end: dt.datetime) -> Q:
    return Q(received_at__isnull=False, timing__ended_at__gte=start, timing__ended_at__lt=end)


def _received(start: dt.datetime, end: dt.datetime) -> Q:
    return Q(received_at__gte=start, received_at__lt=end)


def _on_time(start, end, part) -> Q:
    open_at_end = Q(received_at__lt=end) & (
        Q(timing__ended_at__isnull=True) | Q(timing__ended_at__gte=end)
    )
    if part == DENOMINATOR:
        return _ended(start, end) | open_at_end
    in_time = Q(timing__timeliness__in=[Timeliness.EARLY, Timeliness.ON_TIME])
    return (_ended(start, end) & in_time) | (open_at_end & ~Q(timing__overdue_at__lt=end))


def _resolved(start, end, part) -> Q:
    return _ended(start, end) & Q(result__isnull=False)


def _online_dossiers(start, end, part) -> Q:
    q = _received(start, end) & Q(procedure__online_level__in=ONLINE_LEVELS)
    return q & Q(channel=Channel.ONLINE) if part == NUMERATOR else q


def _approved(start, end) -> Q:
    return _ended(start, end) & Q(result__outcome=Result.Outcome.APPROVED)


def _e_result() -> Q:
    files = Document.objects.filter(
        dossier=OuterRef("pk"), role=Document.Role.RESULT, digitised=True
    )
    return Q(Exists(files))


def _e_results(start, end, part) -> Q:
    return _approved(start, end) & _e_result() if part == NUMERATOR else _approved(start, end)


def _digitised(start, end, part) -> Q:
    if part == DENOMINATOR:
        return _approved(start, end)
    papers = Document.objects.filter(dossier=OuterRef("pk")).exclude(role=Document.Role.RESULT)
    on_paper = papers.filter(digitised=False)
    return _approved(start, end) & _e_result() & Q(Exists(papers)) & ~Q(Exists(on_paper))


def _reuse(start, end, part) -> Q:
    if part == DENOMINATOR:
        return _received(start, end)
    reused = Document.objects.filter(
        dossier=OuterRef("pk"), role=Document.Role.COMPONENT, reused_from__isnull=False
    )
    return _received(start, end) & Q(Exists(reused))


DOSSIER_FIGURES: dict[str, Callable[[dt.datetime, dt.datetime, str], Q]] = {
    "progress.on_time": _on_time,
    "progress.average_time": _resolved,
    "online_service.online_dossiers": _online_dossiers,
    "digitisation.e_results": _e_results,
    "digitisation.digitised": _digitised,
    "digitisation.reuse": _reuse,
}
PROCEDURE_FIGURES = ("online_service.procedures_online", "online_service.services_used")


def behind(
    code: str, scope: Scope, period: Period, part: str = DENOMINATOR,
    now: dt.datetime | None = None,
) -> QuerySet:  # fmt: skip
    """The dossiers (procedures, for the catalogue figures) behind one number of a figure."""
    if part not in (NUMERATOR, DENOMINATOR):
        raise ValueError(f"part is {NUMERATOR!r} or {DENOMINATOR!r}")
    now = now or timezone.now()
    if code in PROCEDURE_FIGURES:
        return _procedures(code, scope, period, part, now)
    if code not in DOSSIER_FIGURES:
        raise LookupError(f"no list of dossiers behind {code!r} (not measured from dossiers)")
    if period.judged_day(timezone.localdate(now)) is None:
        return Dossier.objects.none()
    start, end = _window(period, now)
    condition = DOSSIER_FIGURES[code](start, end, part)
    dossiers = Dossier.objects.filter(processing_agency__in=scope.agency_ids)
    return dossiers.filter(condition).distinct()


def _procedures(code: str, scope: Scope, period: Period, part: str, now) -> QuerySet:
    gathered = gather(period, now)
    codes: set[str] = set()
    for pk in scope.agency_ids:
        inputs = gathered.get(pk)
        if inputs is None:
            continue
        if code == "online_service.procedures_online":
            codes |= inputs.online_procedures if part == NUMERATOR else inputs.procedures
        elif part == NUMERATOR:
            codes |= inputs.used_online_procedures
        else:
            codes |= inputs.online_procedures
    return Procedure.objects.current(period.last).filter(national_code__in=codes)
