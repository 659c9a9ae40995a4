"""The public tracking page (P5): `/tra-cuu/?ma=<code>`, no sign-in. Thin: parse, limit, read,
render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tracking import throttle
from tracking.selectors import normalise_code, public_dossier

TEMPLATE = "tracking/track.html"


@never_cache
@require_safe
def track(request: HttpRequest) -> HttpResponse:
    """The form alone without a code; with one, the dossier (200), "not found" (404) or "too
    many lookups" (429). Private and not cached: the page is about one person's dossier."""
    code = normalise_code(request.GET.get("ma", ""))[:100]
    context: dict = {"code": code, "looked_up": bool(code)}
    if not code:
        return _page(request, context)
    verdict = throttle.count_lookup(throttle.client_address(request))
    if not verdict.allowed:
        response = _page(request, {**context, "limited": True}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    dossier = public_dossier(code)
    return _page(request, {**context, "dossier": dossier}, status=200 if dossier else 404)


def _page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, TEMPLATE, context, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
