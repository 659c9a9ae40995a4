"""Public portal pages (P1): home and the procedure catalogue. Thin: parse, read, render."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from catalog.deadlines import due_if_applied
from catalog.selectors import (
    CatalogFilters,
    count_by_field,
    filter_choices,
    page_size,
    procedure_for_page,
    search_procedures,
)
from motcua.paging import choose_page


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"fields": count_by_field()[:12]})


def procedure_list(request: HttpRequest) -> HttpResponse:
    choices = filter_choices()
    filters, notices = CatalogFilters.from_params(request.GET).known_to(choices)
    paginator = Paginator(search_procedures(filters), page_size())
    page, page_notice = choose_page(paginator, request.GET.get("page"))
    notices = [*notices, page_notice] if page_notice else notices
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "choices": choices,
        "notices": notices,
        "query_string": query_without_page.urlencode(),
    }
    return render(request, "portal/procedure_list.html", context)


def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    procedure = procedure_for_page(code)
    if procedure is None:
        raise Http404
    context = {"procedure": procedure, "estimate": due_if_applied(procedure)}
    return render(request, "portal/procedure_detail.html", context)
