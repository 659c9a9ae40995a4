"""Work queues (B3): what waits for this official, sorted by due moment, with counts per tab.

Every tab is a filter on dossiers; the counts of all tabs come from one aggregate query and a
page of rows from one more, whatever its size (no query per row). Agency-wide tabs filter on
the processing agency and open statuses, which the partial index `dossier_open_by_due`
(processing_agency, due_at) serves; "mine" and "my unit" filter on the dossier's copy of its
open step's assignee and unit (`Dossier.step_assignee`, `Dossier.step_unit`, with their own
partial indexes), so no tab joins the step runs to count or sort.

Speed (issue 6, section 4): the SQL of both queries is compiled once per shape and process
(`motcua.compiled_sql`), the page's bounds included (`of_page`); a page's ids are sorted first
and only its rows joined with what a row shows (`page_ids`); rows are read as tuples and
formatted in Python (`RowHTML`), so a page of 50 costs the same queries as a page of 10 and
little more time.

Sessions stay in the database (not `django.contrib.sessions.backends.cached_db`), on purpose:
the only cache configured is Django's default per-process LocMemCache, and `make run` serves
with several gunicorn workers. With cached_db, signing out in one worker deletes the session
row and that worker's cached copy only; every other worker would keep accepting the cookie from
its own cache until the session's expiry (up to MOTCUA_SESSION_SECONDS, 8 h), so a sign-out, or
a session ended by an administrator, would not end the session. cached_db is right only with a
cache shared by all web processes (memcached, Redis); switch SESSION_ENGINE when one is
configured, and the per-request session query goes with it.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, reduce
from html import escape as html_escape

from django.contrib import messages
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    Func,
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
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from access.decorators import official_required
from access.scope import may_process, reads_all
from backoffice.views.counter import dossier_url
from dossiers.deadlines import warning_horizon
from dossiers.lifecycle import CLOCK_STOPPED, HELD, OPEN, Status
from dossiers.models import Consultation, Dossier
from motcua import compiled_sql
from motcua.compiled_sql import moment
from motcua.paging import page_with_message
from motcua.params import number
from org.models import Official, Role

PAGE_SIZES = (10, 50)
RUNNING = sorted(OPEN - CLOCK_STOPPED)
# Open, or done and waiting at the counter to be handed back: a step run may still be open.
ACTIVE = sorted(HELD)
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
    def official_id(self) -> int:
        return self.official.pk

    @property
    def unit_id(self) -> int:
        return self.official.unit_id

    @property
    def agency_id(self) -> int:
        return self.official.unit.agency_id

    def values(self) -> dict[str, object]:
        """What the compiled queue SQL takes from this viewer (see PLACEHOLDERS)."""
        return {
            "official_id": self.official_id, "unit_id": self.unit_id,
            "agency_id": self.agency_id, "now": self.now, "horizon": self.horizon,
        }  # fmt: skip

    def area(self) -> Q:
        """The dossiers whose deadlines concern this official: the agency's (and for counter
        officers, also those their agency received); for a specialist, the unit's."""
        q = Q(pk__in=[])
        if self.roles & AGENCY_WIDE:
            q |= Q(processing_agency_id=self.agency_id)
        if Role.COUNTER_OFFICER in self.roles:
            q |= Q(receiving_agency_id=self.agency_id)
        if Role.SPECIALIST in self.roles:
            q |= Q(processing_agency_id=self.agency_id, step_unit_id=self.unit_id)
        return q


def _open_step(**where) -> Q:
    """Dossiers held whose open step matches `where` (on the dossier's copy of the step's
    unit and assignee, which is empty once the step is closed)."""
    return Q(status__in=ACTIVE, **where)


def _consultations(v: Viewer) -> Q:
    """Open dossiers on which the agency's opinion is awaited. An `IN` over the agency's
    unanswered consultations (read once, through their agency index) rather than a correlated
    `EXISTS`, which SQLite tested on every open dossier of the province (110 ms at 200,000)."""
    asked = Consultation.objects.filter(agency_id=v.agency_id, answered_at__isnull=True)
    return Q(pk__in=asked.values("dossier_id"), status__in=sorted(OPEN))


@dataclass(frozen=True)
class Tab:
    key: str
    label: Promise
    roles: frozenset[str]
    where: Callable[[Viewer], Q]
    order: tuple = ("due_at",)


TABS = [
    Tab("cua-toi", _("Việc của tôi"), frozenset(PROCESSING),
        lambda v: _open_step(step_assignee_id=v.official_id)),
    Tab("don-vi", _("Việc của đơn vị"), frozenset({Role.HEAD, Role.LEADER}),
        lambda v: _open_step(step_unit_id=v.unit_id),
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
    compiled = compiled_sql.cached(("counts", frozenset(v.roles)), lambda: _compile_counts(v, tabs))
    if compiled is None:
        return _orm_counts(v, tabs)
    names, rows = compiled.run(v.values())
    counts = dict(zip(names, rows[0], strict=True))
    return {key: counts[key.replace("-", "_")] or 0 for key in _count_keys(tabs)}


def _count_keys(tabs: list[Tab]) -> list[str]:
    keys = [tab.key for tab in tabs]
    return [*keys, "chua-phan-cong"] if "don-vi" in keys else keys


def candidates(v: Viewer) -> Q:
    """Dossiers that may be in one of the viewer's tabs: an OR of index-served conditions.

    Why: an OR of the tabs' own filters fits no index, so the database read every open
    dossier of the province to count the tabs. Every tab's filter implies one of these parts
    (an open dossier of the agency, an open step of the viewer or of the unit, a dossier the
    agency received and still holds, a consultation to answer), so adding them changes no
    count; each part is a condition on the dossier's own columns with its own index, which
    PostgreSQL combines as a bitmap OR and SQLite as a union of index reads, each dossier
    read once, with no other table joined.
    """
    parts = [
        Q(processing_agency_id=v.agency_id, status__in=sorted(OPEN)),
        Q(step_assignee_id=v.official_id),
    ]
    if v.roles & {Role.HEAD, Role.LEADER}:
        parts.append(Q(step_unit_id=v.unit_id))
    if Role.COUNTER_OFFICER in v.roles:
        parts.append(Q(receiving_agency_id=v.agency_id, status__in=ACTIVE))
    if v.roles & ANSWERING:
        asked = Consultation.objects.filter(agency_id=v.agency_id, answered_at__isnull=True)
        parts.append(_among(asked.values("dossier_id")))
    return reduce(operator.or_, parts)


def _orm_counts(v: Viewer, tabs: list[Tab]) -> dict[str, int]:
    """Each tab's count over the candidates. No outer filter by "any tab": the FILTER clauses
    count the same without it, and with it PostgreSQL planned the OR of every tab's terms as a
    bitmap scan of every open dossier of the province (48 ms against 14 at 200,000)."""
    wheres = {tab.key: tab.where(v) for tab in tabs}
    if "don-vi" in wheres:
        wheres["chua-phan-cong"] = wheres["don-vi"] & Q(step_assignee__isnull=True)
    aggregates = {key.replace("-", "_"): Count("pk", filter=where) for key, where in wheres.items()}
    counts = Dossier.objects.filter(candidates(v)).aggregate(**aggregates)
    return {key: counts[key.replace("-", "_")] or 0 for key in wheres}


# Values no viewer can have (ids are positive, no dossier is due in 1901): each shape of the
# queue's SQL is compiled once with them, then run with the viewer's values (decision 0007).
PLACEHOLDERS = {
    "official_id": -7_000_001, "unit_id": -7_000_002, "agency_id": -7_000_003,
    "now": dt.datetime(1901, 1, 1, 1, 1, 1, 1, tzinfo=dt.UTC),
    "horizon": dt.datetime(1901, 2, 2, 2, 2, 2, 2, tzinfo=dt.UTC),
}  # fmt: skip


@dataclass(frozen=True)
class _Placeholder(Viewer):
    """A viewer with the given roles and values no real one has: compiles a query's shape."""

    role_set: frozenset[str] = frozenset()

    @property
    def roles(self) -> set[str]:  # type: ignore[override]
        return set(self.role_set)

    @property
    def official_id(self) -> int:
        return PLACEHOLDERS["official_id"]

    @property
    def unit_id(self) -> int:
        return PLACEHOLDERS["unit_id"]

    @property
    def agency_id(self) -> int:
        return PLACEHOLDERS["agency_id"]


def _placeholder(v: Viewer) -> _Placeholder:
    return _Placeholder(None, PLACEHOLDERS["now"], PLACEHOLDERS["horizon"], frozenset(v.roles))


def _compile_counts(v: Viewer, tabs: list[Tab]) -> compiled_sql.CompiledSQL | None:
    placeholder = _placeholder(v)
    seen = compiled_sql.captured(lambda: _orm_counts(placeholder, visible_tabs(placeholder)))
    return compiled_sql.compile_sql(*seen, PLACEHOLDERS) if seen else None


def _ordered(v: Viewer, tab: Tab, rows: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """The tab's order (with the annotations it sorts by), then the dossier's id."""
    if "consultation_due" in tab.order:
        due = Consultation.objects.filter(
            dossier=OuterRef("pk"), agency_id=v.agency_id, answered_at__isnull=True
        ).order_by("due_at")
        rows = rows.annotate(consultation_due=Subquery(due.values("due_at")[:1]))
    if "unassigned_first" in tab.order:
        unassigned = When(step_assignee__isnull=True, then=Value(0))
        rows = rows.annotate(
            unassigned_first=Case(unassigned, default=Value(1), output_field=IntegerField())
        )
    return rows.order_by(*_order_by(tab))


def _order_by(tab: Tab) -> list:
    return [*(F(key).asc(nulls_last=True) for key in tab.order), F("pk").asc()]


def page_ids(v: Viewer, tab: Tab, start: int, stop: int) -> QuerySet[Dossier]:
    """The ids of the tab's dossiers from `start` to `stop` (a slice) in the tab's order.

    Why an inner query of ids: sorting the tab joined with everything a row shows made the
    database join those tables for every dossier of the tab before keeping fifty (a specialist
    with 1,599 open steps at 2,000,000 dossiers: 63 ms). Sorting the ids, then joining the
    page's rows, costs the sort of the ids.
    """
    return _ordered(v, tab, Dossier.objects.filter(tab.where(v))).values("pk")[start:stop]


def _among(ids: QuerySet) -> Q:
    """The dossiers of `ids` (a page, or the consultations to answer). On PostgreSQL as
    `= ANY(ARRAY(...))`, which it reads first, once, then fetches the rows by their key: an
    `IN (...)` is joined after the seven tables a row shows (past the planner's
    join_collapse_limit of 8), so it joined them for every dossier of the province before
    keeping the page (5 s at 2,000,000); and inside an OR (`candidates`) it cannot be combined
    with the other parts' indexes, so every open dossier would be filtered by it."""
    if connection.vendor != "postgresql":
        return Q(pk__in=ids)
    from django.contrib.postgres.expressions import ArraySubquery

    return Q(_AnyOf(F("pk"), ArraySubquery(ids)))


class _AnyOf(Func):
    """`value = ANY(array)`: true where the array holds the value (PostgreSQL)."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra) -> tuple[str, tuple]:
        value, value_params = compiler.compile(self.source_expressions[0])
        array, array_params = compiler.compile(self.source_expressions[1])
        return f"{value} = ANY({array})", (*value_params, *array_params)


def tab_rows(v: Viewer, tab: Tab, start: int, stop: int) -> QuerySet[Dossier]:
    """One page of the tab with everything a row shows, in one query."""
    rows = Dossier.objects.filter(_among(page_ids(v, tab, start, stop))).select_related(
        "procedure", "applicant", "current_step__step", "current_step__assignee__user",
        "current_step__unit",
    )  # fmt: skip
    return _ordered(v, tab, rows)


# What a row shows, read as plain values (no model instances: a page of 50 rows is 50 tuples).
ROW_COLUMNS = (
    "code", "status", "submitted_at", "due_at", "current_step_id", "current_step__finished_at",
    "current_step__due_at", "current_step__step__position", "current_step__step__name",
    "current_step__unit__name", "current_step__assignee_id",
    "current_step__assignee__user__first_name", "current_step__assignee__user__last_name",
    "current_step__assignee__user__username", "procedure__name", "applicant__name",
)  # fmt: skip


def _row_columns(tab: Tab) -> tuple[str, ...]:
    return (*ROW_COLUMNS, "consultation_due") if "consultation_due" in tab.order else ROW_COLUMNS


def _compile_rows(v: Viewer, tab: Tab) -> compiled_sql.CompiledSQL | None:
    columns, placeholder = _row_columns(tab), _placeholder(v)
    return compiled_sql.of_page(
        lambda start, stop: tab_rows(placeholder, tab, start, stop).values_list(*columns),
        PLACEHOLDERS,
    )


def page_rows(v: Viewer, tab: Tab, offset: int, per: int) -> list[dict]:
    """One page of the tab as dicts of ROW_COLUMNS (plus "consultation_due" where shown)."""
    columns = _row_columns(tab)
    shape = ("rows", frozenset(v.roles), tab.key)
    compiled = compiled_sql.cached(shape, lambda: _compile_rows(v, tab))
    if compiled is None:
        found = list(tab_rows(v, tab, offset, offset + per).values_list(*columns))
    else:
        found = compiled.rows({**v.values(), "offset": offset, "limit": per})
    return [dict(zip(columns, values, strict=True)) for values in found]


def _mark(status: str, v: Viewer, due: dt.datetime | None) -> str:
    if status in CLOCK_STOPPED:
        return "paused"
    if due is None:
        return ""
    if due <= v.now:
        return "overdue"
    return "soon" if due <= v.horizon else ""


def _local(moment: dt.datetime | None, fmt: str) -> str:
    """As the template filter `date` would show it, in the current time zone ("" for None)."""
    return timezone.localtime(moment).strftime(fmt) if moment is not None else ""


@dataclass(frozen=True)
class RowHTML:
    """The words of a row that are the same on every row, translated once per page.

    Why: rendering a row through the template language cost a template variable lookup or a
    `{% translate %}` per cell, about 0.1 ms a row; `format_html` then cost 0.2 ms a row (10 ms
    of a 40 ms page of 50 at 200,000 dossiers). Plain f-strings, with every value escaped by
    `_esc` (the same escaping), give the same markup, byte for byte, for a fraction of that.
    """

    tab: Tab
    viewer: Viewer
    dossier_url: str
    check_url: str
    labels: dict[str, str]

    @classmethod
    def for_page(cls, tab: Tab, viewer: Viewer) -> RowHTML:
        placeholder = "CODE-PLACEHOLDER"
        words = {
            "code": _("Mã hồ sơ"), "procedure": _("Thủ tục"), "applicant": _("Người nộp"),
            "step": _("Bước hiện tại"), "assignee": _("Người xử lý"),
            "when": _("Nộp lúc") if tab.key == "nop-truc-tuyen" else _("Hạn xử lý"),
            "step_due": _("hạn bước"), "step_late": _("bước quá hạn"),
            "unassigned": _("Chưa phân công"), "overdue": _("Quá hạn"),
            "soon": _("Sắp đến hạn"), "paused": _("Đang dừng tính hạn"),
        }  # fmt: skip
        return cls(
            tab, viewer, dossier_url(placeholder),
            reverse("backoffice:reception_check", args=[placeholder]),
            {key: str(word) for key, word in words.items()},
        )  # fmt: skip

    def url(self, row: dict) -> str:
        template = self.check_url if row["status"] == Status.SUBMITTED else self.dossier_url
        return template.replace("CODE-PLACEHOLDER", row["code"])

    def step(self, row: dict) -> str:
        if row["current_step_id"] is None:
            return _esc(Status(row["status"]).label)
        run_due = moment(row["current_step__due_at"])
        late = ""
        if row["current_step__finished_at"] is None and run_due <= self.viewer.now:
            late = f' · <strong class="bo-mark overdue">{_esc(self.labels["step_late"])}</strong>'
        return (
            f"{_esc(row['current_step__step__position'])}. {_esc(row['current_step__step__name'])}"
            f'<span class="meta">{_esc(row["current_step__unit__name"])} · '
            f"{_esc(self.labels['step_due'])} {_esc(_local(run_due, '%H:%M %d/%m'))}{late}</span>"
        )

    def assignee(self, row: dict) -> str:
        if row["current_step__assignee_id"] is not None:
            first = row["current_step__assignee__user__first_name"]
            full = f"{first} {row['current_step__assignee__user__last_name']}".strip()
            return _esc(full or row["current_step__assignee__user__username"])
        if row["current_step_id"] is not None:
            return f'<strong class="bo-mark unassigned">{_esc(self.labels["unassigned"])}</strong>'
        return "—"

    def when(self, row: dict, due: dt.datetime | None, mark: str) -> str:
        if self.tab.key == "nop-truc-tuyen":
            shown = _local(moment(row["submitted_at"]), "%H:%M %d/%m/%Y")
        else:
            shown = _local(due, "%H:%M %d/%m/%Y") or "—"
        badge = _MARKS[mark].format(_esc(self.labels[mark])) if mark else ""
        return f"\n    {_esc(shown)}\n    {badge}\n  "

    def render(self, row: dict) -> SafeString:
        """One row; every value from the database or a translation is escaped by `_esc`."""
        due = moment(row.get("consultation_due")) or moment(row["due_at"])
        mark = _mark(row["status"], self.viewer, due)
        cells = [
            ("code", f'<a href="{_esc(self.url(row))}">{_esc(row["code"])}</a>'),
            ("procedure", _esc(row["procedure__name"])),
            ("applicant", _esc(row["applicant__name"])),
            ("step", self.step(row)), ("assignee", self.assignee(row)),
            ("when", self.when(row, due, mark)),
        ]  # fmt: skip
        tds = "\n  ".join(
            f'<td data-label="{_esc(self.labels[key])}">{value}</td>' for key, value in cells
        )
        css = f"mark-{mark}" if mark else ""
        return mark_safe(f'<tr class="{css}">\n  {tds}\n</tr>')  # every value escaped above


_MARKS = {
    "overdue": '<strong class="bo-mark overdue">⚠ {}</strong>',
    "soon": '<strong class="bo-mark soon">◷ {}</strong>',
    "paused": '<span class="bo-mark paused">⏸ {}</span>',
}


def _esc(value: object) -> str:
    """Escaped as Django's `escape` and `format_html` escape (the same five characters), for
    plain values; a value already marked safe would be escaped again, and none is given here."""
    return html_escape(str(value))


def _tab_and_size(request: HttpRequest, tabs: list[Tab]) -> tuple[Tab, int]:
    """The tab and page size the address asks for; for a value that names none, the first tab
    or the smallest size with a message saying so, so that a stale bookmark (a tab the official
    no longer has) is not taken for an answer to what it asked. An empty value is the default."""
    asked_tab, asked_per = request.GET.get("tab", ""), request.GET.get("per", "")
    tab = next((t for t in tabs if t.key == asked_tab), tabs[0])
    if asked_tab and tab.key != asked_tab:
        note = _("Không có thẻ đã chọn trong danh sách của bạn: đang hiển thị thẻ “%(tab)s”.")
        messages.warning(request, note % {"tab": tab.label})
    per = number(asked_per)
    if per not in PAGE_SIZES:
        per = PAGE_SIZES[0]
        if asked_per:
            note = _("Số hồ sơ mỗi trang chỉ có thể là %(sizes)s: đang hiển thị %(per)d hồ sơ.")
            messages.warning(request, note % {"sizes": ", ".join(map(str, PAGE_SIZES)), "per": per})
    return tab, per


def _refuse(request: HttpRequest) -> HttpResponse | None:
    official = request.official
    if may_process(official):
        return None
    if reads_all(official):
        return render(request, "backoffice/queue_overseer.html", {"bo_section": "queues"})
    return render(request, "access/not_an_official.html", status=403)


@official_required
def queue_list(request: HttpRequest) -> HttpResponse:
    """/can-bo/?tab=...&per=10|50&page=N: the official's queues.

    Two queries of its own whatever the page size: the tab counts (which also give the
    paginator its count) and one page of rows.
    """
    if (refusal := _refuse(request)) is not None:
        return refusal
    now = timezone.now()
    viewer = Viewer(request.official, now, warning_horizon(now))
    tabs = visible_tabs(viewer)
    tab, per = _tab_and_size(request, tabs)
    counts = tab_counts(viewer, tabs)
    page = page_with_message(request, range(counts[tab.key]), per)
    found = page_rows(viewer, tab, (page.number - 1) * per, per)
    html = RowHTML.for_page(tab, viewer)
    context = {
        "tabs": [(t, counts[t.key]) for t in tabs], "tab": tab, "page": page, "per": per,
        "rows": [html.render(row) for row in found],
        "page_sizes": PAGE_SIZES, "bo_section": "queues", "horizon": viewer.horizon,
        "unassigned": counts.get("chua-phan-cong", 0),
    }  # fmt: skip
    return render(request, "backoffice/queue.html", context)
