"""The public tracking page (P5): `/tra-cuu/?ma=<code>`, no sign-in. Thin: parse, limit, read,
render (the dossier's part by `tracking.rendered`, the page around it by `tracking.shell`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tracking import content, rendered, shell, throttle
from tracking.selectors import normalise_code


@never_cache
@require_safe
def track(request: HttpRequest) -> HttpResponse:
    """The form alone without a code; with one, the dossier (200), "not found" (404) or "too
    many lookups" (429). Private and not cached: the page is about one person's dossier."""
    code = normalise_code(request.GET.get("ma", ""))[:100]
    if not code:
        return _page(request, code)
    verdict = throttle.count_lookup(throttle.client_address(request))
    if not verdict.allowed:
        response = _page(request, code, limited=True, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    found = rendered.dossier_page(code)
    return _page(request, code, found=found, status=200 if found else 404)


def _page(
    request: HttpRequest, code: str, *, found: tuple[SafeString, SafeString] | None = None,
    limited: bool = False, status: int = 200,
) -> HttpResponse:  # fmt: skip
    title, sections = found or (content.title(None), None)
    main = content.main(code, sections=sections, looked_up=bool(code), limited=limited)
    html = shell.render(request, title, main)
    response = HttpResponse(html, status=status)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
