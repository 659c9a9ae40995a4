"""Who may see which oversight figures (O1, O2 details, O3, O6).

- Overseers (Role.OVERSEER, the Department of Home Affairs) see every agency.
- Leaders and heads see their own agency: its dashboards, its index details, its officials'
  accountability figures and its reports.
- Anyone else signed in as an official (counter officers, specialists) gets a 403 page: the
  figures of their colleagues are not theirs to read.

An agency outside the viewer's scope gets the same 404 as an unknown one (as `access.scope`
does for dossiers), so an id in a URL reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from access.decorators import official_required
from org.models import Agency, Official, Role

MANAGING_ROLES = {Role.LEADER, Role.HEAD}


@dataclass(frozen=True)
class Viewer:
    """An official looking at oversight pages, and the agencies they may see."""

    official: Official
    agency_ids: frozenset[int] | None  # None: every agency

    @property
    def sees_all(self) -> bool:
        return self.agency_ids is None

    def agencies(self):
        rows = Agency.objects.select_related("level").order_by("level__tier", "name")
        return rows if self.sees_all else rows.filter(pk__in=self.agency_ids)

    def may_see(self, agency_id: int) -> bool:
        return self.sees_all or agency_id in self.agency_ids

    def agency_or_404(self, pk: int | str | None) -> Agency:
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise Http404("no such agency") from None
        if not self.may_see(pk):
            raise Http404("no such agency")
        agency = Agency.objects.select_related("level").filter(pk=pk).first()
        if agency is None:
            raise Http404("no such agency")
        return agency

    def limit(self, agency_ids: frozenset[int] | None) -> frozenset[int] | None:
        """The agencies a page may read: the viewer's scope, narrowed by a chosen subset."""
        if agency_ids is None:
            return self.agency_ids
        if self.sees_all:
            return agency_ids
        return agency_ids & self.agency_ids


def viewer_of(official: Official | None) -> Viewer | None:
    """The oversight scope of an official, or None if they have no oversight role."""
    if official is None:
        return None
    roles = official.role_codes()
    if Role.OVERSEER in roles:
        return Viewer(official, None)
    if roles & MANAGING_ROLES:
        return Viewer(official, frozenset({official.unit.agency_id}))
    return None


def oversight_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in with the second factor, an official, with an oversight role: sets
    `request.viewer`; others get a 403 page that says which roles may enter."""

    @official_required
    @wraps(view)
    def gate(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        request.viewer = viewer_of(request.official)
        if request.viewer is None:
            return render(request, "oversight/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return gate
