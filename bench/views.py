"""The floors every benchmark figure is divided by, and a thin online-submission view.

The floors run through the same server, middleware and database connection handling as the
pages they are compared with, so a ratio measures what the page adds and not the machine:

- F0 `trivial`: no database, no template; what one request costs at all.
- F1 `one_row`: one dossier row read by primary key (a new connection per request, as served).
- F2 `summary_row`: one precomputed summary row read by its unique key. The per-agency, per-day
  dossier counter is such a row (a count kept by the transactions that receive dossiers); the
  dashboards read rows of the same shape from the summary tables.

`submit` calls the real `submit_online` service with one small file, standing in for the
online application page until that page exists (bench/README.md, "online submission").
Everything here is served only with MOTCUA_BENCH=1 and only to loopback addresses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from catalog.models import Procedure
from dossiers.models import Applicant, Document, Dossier, DossierCounter
from dossiers.services import Actor, ApplicantData, ComponentData, DossierError, submit_online
from org.models import Agency

LOOPBACK = {"127.0.0.1", "::1"}


def loopback_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A second guard besides the setting: the bench views answer the local machine only."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.META.get("REMOTE_ADDR") not in LOOPBACK:
            return HttpResponseForbidden("bench views answer loopback only")
        return view(request, *args, **kwargs)

    return guarded


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, content_type="text/plain; charset=utf-8", status=status)


@loopback_only
def trivial(request: HttpRequest) -> HttpResponse:
    """F0."""
    return _text("ok")


@loopback_only
def one_row(request: HttpRequest, pk: int) -> HttpResponse:
    """F1: no personal data, only the status and the length of the event chain."""
    row = get_object_or_404(Dossier.objects.values_list("status", "last_event_seq"), pk=pk)
    return _text(f"{row[0]} {row[1]}")


@loopback_only
def summary_row(request: HttpRequest, agency: int, day: str) -> HttpResponse:
    """F2: `day` is YYYY-MM-DD."""
    try:
        when = dt.date.fromisoformat(day)
    except ValueError:
        return _text("bad day", status=400)
    last = get_object_or_404(
        DossierCounter.objects.values_list("last", flat=True), agency_id=agency, day=when
    )
    return _text(str(last))


def _components(procedure: Procedure, upload) -> list[ComponentData]:
    """The unconditional mandatory components (else the first published one); the first one
    carries the file, so every submission stores exactly one file."""
    published = list(procedure.documents.all())
    mandatory = [d for d in published if d.mandatory and not d.condition] or published[:1]
    kinds = set(Document.Kind.values)
    return [
        ComponentData(
            name=d.name,
            kind=d.kind if d.kind in kinds else Document.Kind.COPY,
            count=d.count or 1,
            required_document_id=d.pk,
            file=upload if i == 0 else None,
        )
        for i, d in enumerate(mandatory)
    ]


@csrf_exempt
@require_POST
@loopback_only
def submit(request: HttpRequest) -> HttpResponse:
    """POST procedure, agency, name, personal_id, email and one file: 201 with the code."""
    procedure = get_object_or_404(Procedure, pk=request.POST.get("procedure"))
    agency = get_object_or_404(Agency, pk=request.POST.get("agency"))
    applicant = ApplicantData(
        kind=Applicant.Kind.PERSON, name=request.POST.get("name", ""),
        personal_id=request.POST.get("personal_id", ""), email=request.POST.get("email", ""),
    )  # fmt: skip
    try:
        dossier = submit_online(
            actor=Actor.applicant(applicant.name), procedure=procedure, applicant=applicant,
            receiving_agency=agency, components=_components(procedure, request.FILES.get("file")),
        )  # fmt: skip
    except (DossierError, ValidationError) as exc:
        return _text(f"refused: {exc}", status=400)
    return _text(dossier.code, status=201)
