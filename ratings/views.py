"""Rating pages: from the link in the result email, and on a counter kiosk."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from access.decorators import official_required
from access.scope import actionable_dossiers
from dossiers.services.core import RuleViolation
from org.models import Role
from ratings import services
from ratings.forms import RatingForm
from ratings.models import Rating


def _rate(request: HttpRequest, dossier, channel: str, **who) -> HttpResponse:
    if hasattr(dossier, "rating"):
        return render(request, "ratings/done.html", {"dossier": dossier, "already": True})
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rate_dossier(
                dossier=dossier, overall=form.cleaned_data["overall"], scores=form.scores(),
                comment=form.cleaned_data["comment"], channel=channel, **who,
            )  # fmt: skip
        except RuleViolation as error:
            form.add_error(None, str(error))
        else:
            return render(request, "ratings/done.html", {"dossier": dossier, "channel": channel})
    status = 400 if form.errors else 200
    context = {"form": form, "dossier": dossier, "channel": channel}
    return render(request, "ratings/rate.html", context, status=status)


@never_cache
def by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the result email: the signed token stands for the dossier."""
    dossier = services.dossier_from_link(token)
    if dossier is None:
        raise Http404("bad rating link")
    return _rate(request, dossier, Rating.Channel.EMAIL_LINK)


@never_cache
@official_required
def kiosk(request: HttpRequest, code: str) -> HttpResponse:
    """A counter officer opens this for the citizen in front of them; the citizen rates."""
    official = request.official
    if Role.COUNTER_OFFICER not in official.role_codes():
        raise Http404("kiosk is for counter officers")
    dossier = actionable_dossiers(official).filter(code=code).select_related("procedure").first()
    if dossier is None:
        raise Http404("no such dossier")
    return _rate(request, dossier, Rating.Channel.KIOSK, kiosk_official=official)
