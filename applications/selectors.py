"""Reads for the citizen's pages: which dossiers, files and log rows an account may see.

The one access function per object kind (style.md 7): a citizen sees a dossier they submitted
online, one submitted for a verified business they act for, or one whose applicant is themself
or such a business once the identity is verified (`citizens.selectors.applicants_acting_for`).
Everything else, existing or not, is the same 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import AccessLog
from applications.models import Draft, StagedFile
from catalog.models import OnlineLevel, Procedure, ProcedureChannel
from citizens.models import BusinessAccount, CitizenAccount
from citizens.selectors import applicants_acting_for, memberships_of
from dossiers.lifecycle import Move, Status
from dossiers.models import Document, Dossier, Event, StepRun
from org.models import Agency, Official, Role

# A result file is the citizen's once it has been handed back (on the portal, at the counter or
# by post); before that the dossier page says the result is ready.
RESULT_VISIBLE = frozenset({Status.RETURNED})


# ---------------------------------------------------------------- procedures


def offers_online(procedure: Procedure) -> bool:
    """The procedure is a public online service (Decree 42/2022: full or partial), as the
    catalogue says through its level or an online channel (prefetched `channels` are used)."""
    if procedure.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL):
        return True
    return any(c.channel == ProcedureChannel.Channel.ONLINE for c in procedure.channels.all())


def receiving_choices(procedure: Procedure) -> list[Agency]:
    """Where an online dossier can be sent: a public administration service centre (any centre
    may receive, Decree 118/2025) or an agency deciding the procedure, that has a counter
    officer to check it. Those in the territory of a deciding agency come first."""
    today = timezone.localdate()
    counters = Official.objects.filter(
        unit__agency=OuterRef("pk"), is_active=True, roles__role=Role.COUNTER_OFFICER
    )
    agencies = (
        Agency.objects.filter(Q(kind=Agency.Kind.SERVICE_CENTRE) | Q(procedures=procedure))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .filter(Exists(counters))
        .distinct()
    )
    local = set(procedure.agencies.values_list("territory_id", flat=True))
    return sorted(agencies, key=lambda a: (a.territory_id not in local, a.name))


# ---------------------------------------------------------------- dossiers


def acting_businesses(citizen: CitizenAccount) -> list[BusinessAccount]:
    """Verified businesses the citizen acts for (an unverified one applies for nothing yet)."""
    return [m.business for m in memberships_of(citizen) if m.business.verified_at]


def citizen_dossiers(citizen: CitizenAccount) -> QuerySet[Dossier]:
    """Every dossier the citizen may follow on the portal."""
    businesses = [b.pk for b in acting_businesses(citizen)]
    applicants = [a.pk for a in applicants_acting_for(citizen)]
    return Dossier.objects.filter(
        Q(online_submission__citizen=citizen)
        | Q(online_submission__business_id__in=businesses)
        | Q(applicant_id__in=applicants)
    )


def dossier_or_404(citizen: CitizenAccount, code: str) -> Dossier:
    dossier = (
        citizen_dossiers(citizen)
        .filter(code=code)
        .select_related(
            "procedure",
            "applicant",
            "receiving_agency",
            "processing_agency",
            "current_step__step",
            "current_step__agency",
            "current_step__unit",
        )
        .first()
    )
    if dossier is None:
        raise Http404("no such dossier")
    return dossier


def result_visible(dossier: Dossier) -> bool:
    return dossier.status in RESULT_VISIBLE


def document_or_404(dossier: Dossier, pk: int) -> Document:
    """A file of a dossier the citizen may see; a result only once it was handed back."""
    document = dossier.documents.filter(pk=pk).exclude(file="").first()
    if document is None:
        raise Http404("no such document")
    if document.role == Document.Role.RESULT and not result_visible(dossier):
        raise Http404("no such document")
    return document


# ---------------------------------------------------------------- the document store (P9)


def store_documents(citizen: CitizenAccount) -> list[Document]:
    """Kho giấy tờ: results handed back, and components of dossiers that a counter officer
    received (checked against the originals). The same file kept twice is listed once, newest
    first."""
    mine = citizen_dossiers(citizen)
    documents = (
        Document.objects.filter(dossier__in=mine)
        .exclude(file="")
        .filter(
            Q(role=Document.Role.RESULT, dossier__status__in=RESULT_VISIBLE)
            | Q(role=Document.Role.COMPONENT, dossier__received_at__isnull=False)
        )
        .select_related("dossier__procedure")
        .order_by("-uploaded_at", "-pk")
    )
    seen: set[str] = set()
    kept = []
    for document in documents:
        key = document.sha256 or f"pk{document.pk}"
        if key not in seen:
            seen.add(key)
            kept.append(document)
    return kept


# ---------------------------------------------------------------- drafts


def drafts_of(citizen: CitizenAccount) -> QuerySet[Draft]:
    return citizen.drafts.select_related("procedure", "business", "receiving_agency")


def draft_or_404(citizen: CitizenAccount, pk: int) -> Draft:
    draft = drafts_of(citizen).filter(pk=pk).first()
    if draft is None:
        raise Http404("no such draft")
    return draft


def staged_files(*, draft: Draft | None = None, dossier: Dossier | None = None) -> dict:
    """slot -> StagedFile of a draft, or of a dossier's online supplement."""
    owner = {"draft": draft} if draft is not None else {"dossier": dossier}
    rows = StagedFile.objects.filter(**owner).select_related("reused_from")
    return {row.slot: row for row in rows}


def staged_file_or_404(citizen: CitizenAccount, pk: int, **owner) -> StagedFile:
    """A staged file of the citizen's draft, or of a dossier's supplement (which the caller has
    checked the citizen may see: a colleague acting for the same business may have added it)."""
    mine = {} if "dossier" in owner else {"citizen": citizen}
    staged = StagedFile.objects.filter(pk=pk, **mine, **owner).exclude(file="").first()
    if staged is None:
        raise Http404("no such file")
    return staged


# ---------------------------------------------------------------- the access log


def access_log_of(citizen: CitizenAccount) -> QuerySet[AccessLog]:
    """Who in the agencies read the personal data on the citizen's dossiers, newest first."""
    return (
        AccessLog.objects.filter(dossier__in=citizen_dossiers(citizen))
        .select_related("dossier", "official__user", "user")
        .order_by("-at", "-pk")
    )


# ---------------------------------------------------------------- the dossier's timeline

# Moves the applicant sees on their timeline (assignments, consultations and send-backs are the
# agency's internal work), and those whose note is addressed to the applicant.
APPLICANT_MOVES = frozenset({
    Move.SUBMIT, Move.RECEIVE, Move.GUIDE_SUPPLEMENT, Move.REFUSE_RECEPTION,
    Move.REQUEST_SUPPLEMENT, Move.SUPPLEMENT_PROVIDED, Move.PAUSE_FOR_PAYMENT,
    Move.RESUME_AFTER_PAYMENT, Move.TRANSFER, Move.APOLOGISE, Move.RECORD_RESULT, Move.REFUSE,
    Move.STOP, Move.WITHDRAW, Move.RETURN_RESULT,
})  # fmt: skip
NOTE_FOR_APPLICANT = frozenset({
    Move.GUIDE_SUPPLEMENT, Move.REFUSE_RECEPTION, Move.REQUEST_SUPPLEMENT,
    Move.PAUSE_FOR_PAYMENT, Move.APOLOGISE, Move.REFUSE, Move.STOP, Move.WITHDRAW,
})  # fmt: skip


@dataclass(frozen=True)
class Stage:
    """One line of the timeline: a move of the dossier, or a step of the internal process."""

    at: dt.datetime
    label: str
    place: str = ""
    note: str = ""
    until: dt.datetime | None = None
    progress: str = ""
    is_step: bool = False


def _move_stage(event: Event) -> Stage:
    move = Move(event.action.removeprefix("dossier."))
    note = event.note if move in NOTE_FOR_APPLICANT else ""
    return Stage(at=event.at, label=str(move.label), note=note)


def _step_stage(run: StepRun) -> Stage:
    progress = run.get_timeliness_display() if run.finished_at else _("Đang xử lý")
    return Stage(
        at=run.arrived_at,
        label=_("Bước %(n)s: %(name)s") % {"n": run.step.position, "name": run.step.name},
        place=f"{run.unit.name} · {run.agency.name}", until=run.finished_at,
        progress=str(progress), is_step=True,
    )  # fmt: skip


def timeline(dossier: Dossier) -> list[Stage]:
    """Moves and steps in time order (at the same moment, the move before the step it opens)."""
    actions = [f"dossier.{m.value}" for m in APPLICANT_MOVES]
    events = dossier.events.filter(action__in=actions).only("action", "at", "note")
    runs = dossier.steps.select_related("step", "unit", "agency")
    stages = [_move_stage(e) for e in events] + [_step_stage(r) for r in runs]
    stages.sort(key=lambda s: (s.at, s.is_step))
    return stages
