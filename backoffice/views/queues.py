"""Work queues (B3): what waits for this official, sorted by due moment, with counts per tab.

Every tab is a filter on dossiers; the counts of all tabs come from one aggregate query and a
page of rows from one more, whatever its size (no query per row). Agency-wide tabs filter on
the processing agency and open statuses, which the partial index `dossier_open_by_due`
(processing_agency, due_at) serves; "mine" and "my unit" go through the open step run
(`steprun_open_by_assignee`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from access.decorators import official_required
from access.scope import may_process, reads_all
from backoffice.views.counter import dossier_url
from dossiers.deadlines import warning_horizon
from dossiers.lifecycle import CLOCK_STOPPED, OPEN, Status
from dossiers.models import Consultation, Dossier
from org.models import Official, Role

PAGE_SIZES = (10, 50)
RUNNING = sorted(OPEN - CLOCK_STOPPED)
# Open, or done and waiting at the counter to be handed back: a step run may still be open.
ACTIVE = sorted(OPEN | {Status.RESULT_READY})
PROCESSING = {Role.COUNTER_OFFICER, Role.SPECIALIST, Role.HEAD, Role.LEADER}
ANSWERING = {Role.SPECIALIST, Role.HEAD, Role.LEADER}
AGENCY_WIDE = {Role.COUNTER_OFFICER, Role.HEAD, Role.LEADER}


@dataclass(frozen=True)
class Viewer:
    """Whose queues, and the moments that split "due soon" from "overdue"."""

    official: Official
    now: dt.datetime
    horizon: dt.datetime

    @cached_property
    def roles(self) -> set[str]:
        return self.official.role_codes()

    @property
    def agency_id(self) -> int:
        return self.official.unit.agency_id

    def area(self) -> Q:
        """The dossiers whose deadlines concern this official: the agency's (and for counter
        officers, also those their agency received); for a specialist, the unit's."""
        q = Q(pk__in=[])
        if self.roles & AGENCY_WIDE:
            q |= Q(processing_agency_id=self.agency_id)
        if Role.COUNTER_OFFICER in self.roles:
            q |= Q(receiving_agency_id=self.agency_id)
        if Role.SPECIALIST in self.roles:
            q |= Q(processing_agency_id=self.agency_id, current_step__unit_id=self.official.unit_id)
        return q


def _open_step(**where) -> Q:
    return Q(status__in=ACTIVE, current_step__finished_at__isnull=True, **where)


def _consultations(v: Viewer) -> Q:
    asked = Consultation.objects.filter(
        dossier=OuterRef("pk"), agency_id=v.agency_id, answered_at__isnull=True
    )
    return Q(Exists(asked), status__in=sorted(OPEN))


@dataclass(frozen=True)
class Tab:
    key: str
    label: Promise
    roles: frozenset[str]
    where: Callable[[Viewer], Q]
    order: tuple = ("due_at",)


TABS = [
    Tab("cua-toi", _("Việc của tôi"), frozenset(PROCESSING),
        lambda v: _open_step(current_step__assignee=v.official)),
    Tab("don-vi", _("Việc của đơn vị"), frozenset({Role.HEAD, Role.LEADER}),
        lambda v: _open_step(current_step__unit_id=v.official.unit_id),
        ("unassigned_first", "due_at")),
    Tab("sap-den-han", _("Sắp đến hạn"), frozenset(PROCESSING),
        lambda v: v.area() & Q(status__in=RUNNING, due_at__gt=v.now, due_at__lte=v.horizon)),
    Tab("qua-han", _("Quá hạn"), frozenset(PROCESSING),
        lambda v: v.area() & Q(status__in=RUNNING, due_at__lte=v.now)),
    Tab("cho-bo-sung", _("Chờ bổ sung"), frozenset(PROCESSING),
        lambda v: v.area() & Q(status=Status.AWAITING_SUPPLEMENT)),
    Tab("tam-dung", _("Tạm dừng"), frozenset(PROCESSING),
        lambda v: v.area() & Q(status=Status.AWAITING_PAYMENT)),
    Tab("xin-y-kien", _("Xin ý kiến cần trả lời"), frozenset(ANSWERING),
        _consultations, ("consultation_due",)),
    Tab("nop-truc-tuyen", _("Nộp trực tuyến chờ kiểm tra"), frozenset({Role.COUNTER_OFFICER}),
        lambda v: Q(status=Status.SUBMITTED, receiving_agency_id=v.agency_id), ("submitted_at",)),
    Tab("tra-ket-qua", _("Có kết quả chờ trả"), frozenset({Role.COUNTER_OFFICER}),
        lambda v: Q(status=Status.RESULT_READY, receiving_agency_id=v.agency_id)),
]  # fmt: skip


def visible_tabs(v: Viewer) -> list[Tab]:
    return [tab for tab in TABS if tab.roles & v.roles]


def tab_counts(v: Viewer, tabs: list[Tab]) -> dict[str, int]:
    """Every tab's count, and the unassigned runs of the unit, in one aggregate query."""
    wheres = {tab.key: tab.where(v) for tab in tabs}
    if "don-vi" in wheres:
        wheres["chua-phan-cong"] = wheres["don-vi"] & Q(current_step__assignee__isnull=True)
    anywhere = Q(pk__in=[])
    for where in wheres.values():
        anywhere |= where
    aggregates = {key.replace("-", "_"): Count("pk", filter=where) for key, where in wheres.items()}
    counts = Dossier.objects.filter(anywhere).aggregate(**aggregates)
    return {key: counts[key.replace("-", "_")] or 0 for key in wheres}


def tab_rows(v: Viewer, tab: Tab) -> QuerySet[Dossier]:
    """The tab's dossiers with everything a row shows, in one query per page."""
    rows = Dossier.objects.filter(tab.where(v)).select_related(
        "procedure", "applicant", "current_step__step", "current_step__assignee__user",
        "current_step__unit",
    )  # fmt: skip
    if "consultation_due" in tab.order:
        due = Consultation.objects.filter(
            dossier=OuterRef("pk"), agency_id=v.agency_id, answered_at__isnull=True
        ).order_by("due_at")
        rows = rows.annotate(consultation_due=Subquery(due.values("due_at")[:1]))
    if "unassigned_first" in tab.order:
        unassigned = When(current_step__assignee__isnull=True, then=Value(0))
        rows = rows.annotate(
            unassigned_first=Case(unassigned, default=Value(1), output_field=IntegerField())
        )
    order = [F(key).asc(nulls_last=True) for key in tab.order]
    return rows.order_by(*order, "pk")


class CountedPaginator(Paginator):
    """A paginator told its count (already in the tab counts), so it asks the database once."""

    def __init__(self, object_list, per_page, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count


@dataclass(frozen=True)
class Row:
    """A queue line: the dossier and its marks, in words and colour (never colour alone)."""

    dossier: Dossier
    url: str
    due: dt.datetime | None
    mark: str
    step_late: bool


def _mark(d: Dossier, v: Viewer, due: dt.datetime | None) -> str:
    if d.status in CLOCK_STOPPED:
        return "paused"
    if due is None:
        return ""
    if due <= v.now:
        return "overdue"
    return "soon" if due <= v.horizon else ""


def _row(d: Dossier, v: Viewer, tab: Tab) -> Row:
    due = getattr(d, "consultation_due", None) or d.due_at
    url = dossier_url(d.code)
    if d.status == Status.SUBMITTED:
        url = reverse("backoffice:reception_check", args=[d.code])
    run = d.current_step
    step_late = bool(run and run.finished_at is None and run.due_at <= v.now)
    return Row(d, url, due, _mark(d, v, due), step_late)


def _per_page(request: HttpRequest) -> int:
    value = request.GET.get("per", "")
    return int(value) if value.isdigit() and int(value) in PAGE_SIZES else PAGE_SIZES[0]


def _refuse(request: HttpRequest) -> HttpResponse | None:
    official = request.official
    if may_process(official):
        return None
    if reads_all(official):
        return render(request, "backoffice/queue_overseer.html", {"bo_section": "queues"})
    return render(request, "access/not_an_official.html", status=403)


@official_required
def queue_list(request: HttpRequest) -> HttpResponse:
    """/can-bo/?tab=...&per=10|50&page=N: the official's queues."""
    if (refusal := _refuse(request)) is not None:
        return refusal
    now = timezone.now()
    viewer = Viewer(request.official, now, warning_horizon(now))
    tabs = visible_tabs(viewer)
    tab = next((t for t in tabs if t.key == request.GET.get("tab")), tabs[0])
    counts = tab_counts(viewer, tabs)
    per = _per_page(request)
    paginator = CountedPaginator(tab_rows(viewer, tab), per, counts[tab.key])
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "tabs": [(t, counts[t.key]) for t in tabs], "tab": tab, "page": page, "per": per,
        "rows": [_row(d, viewer, tab) for d in page.object_list],
        "page_sizes": PAGE_SIZES, "bo_section": "queues", "horizon": viewer.horizon,
        "unassigned": counts.get("chua-phan-cong", 0),
    }  # fmt: skip
    return render(request, "backoffice/queue.html", context)
