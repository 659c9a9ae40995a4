"""Reads of the catalogue for the public pages (search, filters, one procedure)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from catalog.models import Field, OnlineLevel, Procedure, ProcedureChannel
from motcua.text import nfc
from org.models import AdministrativeLevel, Agency

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CatalogFilters:
    """What a citizen asked for on /thu-tuc/. A value that names no option of the form is not
    an error: `known_to` drops it and says so (see there)."""

    query: str = ""
    field: str = ""
    agency: str = ""
    level: str = ""
    online: str = ""

    @classmethod
    def from_params(cls, params) -> CatalogFilters:
        def clean(name: str, limit: int = 200) -> str:
            return (params.get(name) or "").strip()[:limit]

        return cls(
            query=clean("q"),
            field=clean("field"),
            agency=clean("agency"),
            level=clean("level"),
            online=clean("online"),
        )

    def known_to(self, choices: dict) -> tuple[CatalogFilters, list[str]]:
        """These filters without the values that name no option of `choices` (`filter_choices`),
        and a message for each one dropped.

        A stale or edited link (a field code since renamed, a level with no procedure left)
        used to list nothing under a form that showed "all", as if nothing matched; and
        PostgreSQL refused a NUL in such a code with an error. The procedures of all fields
        (levels, agencies, online levels) are listed instead, and the page says why."""
        known = {
            "field": {f.code for f in choices["fields"]},
            "level": {lvl.code for lvl in choices["levels"]},
            "agency": {a.code for a in choices["agencies"]},
            "online": set(OnlineLevel.values),
        }
        dropped = [
            n for n, codes in known.items() if getattr(self, n) and getattr(self, n) not in codes
        ]
        notices = [str(UNKNOWN_FILTER[name]) for name in dropped]
        return replace(self, **dict.fromkeys(dropped, "")), notices

    @property
    def active(self) -> bool:
        return any((self.query, self.field, self.agency, self.level, self.online))


UNKNOWN_FILTER = {
    "field": _("Không tìm thấy lĩnh vực đã chọn: danh sách gồm thủ tục của tất cả các lĩnh vực."),
    "level": _("Không tìm thấy cấp thực hiện đã chọn: danh sách gồm thủ tục của tất cả các cấp."),
    "agency": _("Không tìm thấy cơ quan đã chọn: danh sách gồm thủ tục của tất cả các cơ quan."),
    "online": _(
        "Không có mức dịch vụ công trực tuyến đã chọn: danh sách gồm thủ tục ở tất cả các mức."
    ),
}


def search_procedures(filters: CatalogFilters, on: dt.date | None = None) -> QuerySet[Procedure]:
    """Current procedures matching the filters, in name order (exact-accent matches first)."""
    qs = Procedure.objects.current(on).select_related("field")
    if filters.query:
        qs = qs.matching(filters.query)
    if filters.field:
        qs = qs.filter(field__code=filters.field)
    if filters.level:
        qs = qs.filter(levels__code=filters.level)
    if filters.agency:
        qs = qs.filter(agencies__code=filters.agency)
    if filters.online:
        qs = qs.filter(online_level=filters.online)
    if filters.level or filters.agency:
        qs = qs.distinct()
    if filters.query:
        qs = qs.annotate(exact=_exact_accent(filters.query))
        return qs.order_by("exact", "name_sort", "national_code")
    return qs.order_by("name_sort", "national_code")


def _exact_accent(query: str) -> Case:
    """0 when the name contains the query with its accents as typed (in NFC), else 1. Control
    characters are left out: no name holds one, and PostgreSQL refuses a NUL with an error."""
    text = _CONTROL.sub("", nfc(query)).strip()
    variants = {text, text.lower(), text[:1].upper() + text[1:]}
    matches = Q()
    for variant in variants:
        matches |= Q(name__contains=variant)
    return Case(When(matches, then=Value(0)), default=Value(1), output_field=IntegerField())


def filter_choices() -> dict:
    """Options for the filter form: fields with current procedures, levels, agencies."""
    current = Procedure.objects.current()
    fields = (
        Field.objects.filter(procedures__in=current)
        .annotate(n=Count("procedures", distinct=True))
        .order_by("name")
    )
    levels = AdministrativeLevel.objects.filter(procedures__in=current).distinct()
    agencies = Agency.objects.filter(procedures__in=current).distinct().order_by("name")
    return {"fields": fields, "levels": levels, "agencies": agencies}


def procedure_for_page(code: str) -> Procedure | None:
    """The version in force of a procedure with everything its page shows, in few queries."""
    return (
        Procedure.objects.current()
        .filter(national_code=code)
        .select_related("field")
        .prefetch_related(
            "levels",
            "documents",
            "legal_bases",
            Prefetch("channels", queryset=ProcedureChannel.objects.order_by("id")),
            Prefetch("agencies", queryset=Agency.objects.select_related("calendar")),
        )
        .order_by("-version")
        .first()
    )


def page_size() -> int:
    return settings.MOTCUA["CATALOG_PAGE_SIZE"]


def count_by_field() -> QuerySet[Field]:
    current = Procedure.objects.current()
    return (
        Field.objects.annotate(n=Count("procedures", filter=Q(procedures__in=current)))
        .filter(n__gt=0)
        .order_by("-n", "name")
    )
