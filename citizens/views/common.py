"""What the account views share: who may see a page, and the answers to over-eager clients."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from citizens.selectors import citizen_of, is_official


def citizen_required(view: Callable) -> Callable:
    """Signed in as a citizen: others go to the portal's sign-in page, and a signed-in official
    is told that the portal is for citizens (the two kinds of account never mix)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "citizens:sign_in")
        citizen = citizen_of(request.user)
        if citizen is None or is_official(request.user):
            return render(request, "citizens/not_a_citizen.html", status=403)
        request.citizen = citizen
        return view(request, *args, **kwargs)

    return wrapper


def locked_out(request: HttpRequest) -> HttpResponse:
    """django-axes refused the sign-in (too many failures for this address and user name).

    Our page replaces axes' plain-text answer, so the flag that makes its middleware answer is
    cleared once our page is rendered."""
    request.axes_locked_out = False
    return render(request, "citizens/locked_out.html", status=429)


def too_many(request: HttpRequest) -> HttpResponse:
    return render(request, "citizens/too_many.html", status=429)


def site_of(request: HttpRequest) -> str:
    """The scheme and host that links in emails point to."""
    return request.build_absolute_uri("/")


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else fallback
