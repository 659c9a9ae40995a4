"""Reads of the catalogue for the public pages (search, filters, one procedure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When

from catalog.models import Field, OnlineLevel, Procedure, ProcedureChannel
from motcua.text import nfc
from org.models import AdministrativeLevel, Agency


@dataclass(frozen=True)
class CatalogFilters:
    """What a citizen asked for on /thu-tuc/; unknown values are ignored, not errors."""

    query: str = ""
    field: str = ""
    agency: str = ""
    level: str = ""
    online: str = ""

    @classmethod
    def from_params(cls, params) -> CatalogFilters:
        def clean(name: str, limit: int = 200) -> str:
            return (params.get(name) or "").strip()[:limit]

        online = clean("online")
        return cls(
            query=clean("q"),
            field=clean("field"),
            agency=clean("agency"),
            level=clean("level"),
            online=online if online in OnlineLevel.values else "",
        )

    @property
    def active(self) -> bool:
        return any((self.query, self.field, self.agency, self.level, self.online))


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
    """0 when the name contains the query with its accents as typed (in NFC), else 1."""
    text = nfc(query).strip()
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
